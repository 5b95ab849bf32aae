import Foundation
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime
import Logging

/// Records each pushed work order once and raises a lead for it. An order without a valid village
/// code can never be routed: it is rejected to the dead-letter topic with the reason.
struct WorkOrderIntake: Sendable {
    let publisher: EventPublisher
    let logger: Logger

    init(dependencies: ServiceDependencies) {
        publisher = dependencies.publisher
        logger = dependencies.logger
    }

    func record(_ order: WorkOrderPushed, context: EventContext) async throws {
        let connection = context.connection
        guard order.villageCode.count == 12, DivisionCode.isValid(order.villageCode) else {
            throw EventContractError(code: .invalidPayload, field: "villageCode", reason: "must be a 12-digit village division code")
        }
        // An outside system is an edge where input is checked, not a newer Lifeline service: an unknown
        // channel is a fault of the sender.
        guard order.channel.isKnown else {
            throw EventContractError(
                code: .invalidPayload, field: "channel", reason: "must be one of \(HotlineChannel.knownValues.map(\.rawValue).joined(separator: ", "))")
        }
        guard !order.orderNumber.isEmpty, order.orderNumber.count <= 64 else {
            throw EventContractError(code: .invalidPayload, field: "orderNumber", reason: "must be 1 to 64 characters")
        }
        let leadId = "XS" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let now = Date()
        let rows = try await connection.query("""
            INSERT INTO work_orders (order_number, channel, village_code, household_id, summary, received_at, lead_id)
            VALUES (\(order.orderNumber), \(order.channel.rawValue), \(order.villageCode), \(order.householdId), \(order.summary),
                \(order.receivedAt), \(leadId))
            ON CONFLICT (order_number) DO NOTHING RETURNING lead_id
            """, logger: logger)
        var inserted = false
        for try await _ in rows { inserted = true }
        guard inserted else { return }  // the same order pushed again
        try await publisher.publish(RiskLeadRaised(
            leadId: leadId, orderNumber: order.orderNumber, channel: order.channel, villageCode: order.villageCode,
            householdId: order.householdId, raisedAt: now
        ), on: connection, causedBy: context.event)
    }
}
