import Foundation
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime
import Logging

/// Records each pushed work order once, reads its text (研判: `WorkOrderClassifier` with the rules in
/// force) and raises a lead for an order that reports a new risk. Complaints, disputes and orders out of
/// scope are kept with their reading for the town and raise no lead. An order without a valid village
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
        let (rules, cues) = try await TextRule.load(on: connection, logger: logger)
        let reading = WorkOrderClassifier(rules: rules, cues: cues).classify(order.summary)
        let leadId = reading.category == .risk ? "XS" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased() : nil
        let now = Date()
        let matches = String(decoding: try JSONEncoder().encode(reading.matches), as: UTF8.self)
        let rows = try await connection.query("""
            INSERT INTO work_orders (order_number, channel, village_code, household_id, summary, received_at, lead_id,
                                     category, risks, matches, third_party, confidence)
            VALUES (\(order.orderNumber), \(order.channel.rawValue), \(order.villageCode), \(order.householdId), \(order.summary),
                \(order.receivedAt), \(leadId), \(reading.category.rawValue), \(reading.risks), \(matches)::jsonb, \(reading.thirdParty),
                \(reading.confidence))
            ON CONFLICT (order_number) DO NOTHING RETURNING 1
            """, logger: logger)
        var inserted = false
        for try await _ in rows { inserted = true }
        guard inserted, let leadId else { return }  // the same order pushed again, or no new risk
        try await publisher.publish(RiskLeadRaised(
            leadId: leadId, orderNumber: order.orderNumber, channel: order.channel, villageCode: order.villageCode,
            householdId: order.householdId, raisedAt: now, risks: reading.risks.map(DifficultyType.init(uncheckedRawValue:)),
            matchedRules: reading.matches.filter { $0.discounted == nil }.map { "\($0.rule)「\($0.phrase)」" }, confidence: reading.confidence,
            receivedAt: order.receivedAt
        ), on: connection, causedBy: context.event)
    }
}
