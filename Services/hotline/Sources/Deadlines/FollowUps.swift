import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging

/// Attaches the source's follow-ups to their order: urging (督办) counts and may set a new due time,
/// a callback (回访) records whether the caller was satisfied, and reopening (重新办理) opens the order
/// again with a new due time and, for a risk, a new lead for the town to verify.
struct FollowUps: Sendable {
    let publisher: EventPublisher
    let settings: DeadlineSettings
    let logger: Logger

    func record(_ followUp: WorkOrderFollowedUp, cause: CloudEvent, on connection: PostgresConnection) async throws {
        guard followUp.kind.isKnown else {
            throw EventContractError(
                code: .invalidPayload, field: "kind", reason: "must be one of \(WorkOrderFollowedUp.Kind.knownValues.map(\.rawValue).joined(separator: ", "))")
        }
        let stored = try await connection.query("""
            INSERT INTO work_order_follow_ups (channel, order_number, kind, note, satisfied, due_at, at)
            SELECT channel, order_number, \(followUp.kind.rawValue), \(followUp.note), \(followUp.satisfied), \(followUp.dueAt), \(followUp.at)
            FROM work_orders WHERE channel = \(followUp.channel.rawValue) AND order_number = \(followUp.orderNumber)
            ON CONFLICT DO NOTHING RETURNING 1
            """, logger: logger)
        var known = false
        for try await _ in stored { known = true }
        guard known else {
            // The same follow-up again changes nothing; one about an order never pushed can never be attached.
            let exists = try await connection.query("""
                SELECT 1 FROM work_orders WHERE channel = \(followUp.channel.rawValue) AND order_number = \(followUp.orderNumber)
                """, logger: logger)
            for try await _ in exists { return }
            throw EventHandlingError(code: .ruleViolation, reason: "follow-up of an order that was never pushed", isRetriable: false)
        }
        switch followUp.kind {
        case .urging:
            try await connection.query("""
                UPDATE work_orders SET urged_count = urged_count + 1, due_at = coalesce(\(followUp.dueAt), due_at),
                    overdue_flagged_at = CASE WHEN \(followUp.dueAt)::timestamptz IS NULL THEN overdue_flagged_at END,
                    due_soon_flagged_at = CASE WHEN \(followUp.dueAt)::timestamptz IS NULL THEN due_soon_flagged_at END
                WHERE channel = \(followUp.channel.rawValue) AND order_number = \(followUp.orderNumber)
                """, logger: logger)
        case .callback:
            try await connection.query("""
                UPDATE work_orders SET satisfied = \(followUp.satisfied)
                WHERE channel = \(followUp.channel.rawValue) AND order_number = \(followUp.orderNumber)
                """, logger: logger)
        default:
            try await reopen(followUp, cause: cause, on: connection)
        }
    }

    private func reopen(_ followUp: WorkOrderFollowedUp, cause: CloudEvent, on connection: PostgresConnection) async throws {
        let due = followUp.dueAt ?? followUp.at.addingTimeInterval(TimeInterval((settings.days[followUp.channel] ?? 5) * 86_400))
        let newLead = "XS" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let rows = try await connection.query("""
            UPDATE work_orders SET final_outcome = NULL, answered_at = NULL, reopened_count = reopened_count + 1, due_at = \(due),
                due_soon_flagged_at = NULL, overdue_flagged_at = NULL,
                lead_id = CASE WHEN category = 'risk' THEN \(newLead) ELSE lead_id END
            WHERE channel = \(followUp.channel.rawValue) AND order_number = \(followUp.orderNumber)
            RETURNING category, village_code, household_id, risks, confidence, received_at
            """, logger: logger)
        for try await (category, village, household, risks, confidence, received) in rows.decode((String, String?, String?, [String], Double, Date).self) {
            try await publisher.publish(WorkOrderAnswered(
                orderNumber: followUp.orderNumber, channel: followUp.channel, outcome: category == "risk" ? .received : .forwardedToTown,
                message: "您的工单已重新受理，将再次转镇街办理并及时答复。", leadId: category == "risk" ? newLead : nil, answeredAt: Date()
            ), on: connection, causedBy: cause)
            guard category == "risk" else { continue }
            try await publisher.publish(RiskLeadRaised(
                leadId: newLead, orderNumber: followUp.orderNumber, channel: followUp.channel, villageCode: village, householdId: household,
                raisedAt: Date(), risks: risks.map(DifficultyType.init(uncheckedRawValue:)), matchedRules: nil, confidence: confidence, receivedAt: received
            ), on: connection, causedBy: cause)
        }
    }
}
