import Foundation
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime
import Logging

/// Records each pushed work order once per channel, reads its text (研判: `WorkOrderClassifier` with the
/// rules in force), finds its household and village (`WorkOrderResolver`) and raises a lead for an order
/// that reports a new risk; one whose household or village stays unknown goes to triage. Complaints,
/// disputes and orders out of scope are kept with their reading and raise no lead. Only a message that
/// is not a work order at all (or an unknown channel, an order number or text out of bounds) is
/// dead-lettered.
struct WorkOrderIntake: Sendable {
    let publisher: EventPublisher
    let resolver: WorkOrderResolver
    /// Orders about the same household and trouble within this many days make one lead (合并办理).
    let mergeDays: Int
    let deadlines: DeadlineSettings
    let logger: Logger

    static let mergeDaysSetting = "HOTLINE_MERGE_DAYS"

    init(dependencies: ServiceDependencies) {
        publisher = dependencies.publisher
        resolver = WorkOrderResolver(logger: dependencies.logger)
        mergeDays = (try? dependencies.configuration.settings.int(Self.mergeDaysSetting, default: 30, range: 0...365)) ?? 30
        deadlines = DeadlineSettings.from(dependencies)
        logger = dependencies.logger
    }

    /// Records a run of orders from one batch in its transaction: the rules in force and the grid are
    /// read once for the run, not once per order.
    func record(_ orders: [(payload: WorkOrderPushed, received: ReceivedEvent)], on connection: PostgresConnection) async throws {
        let (rules, cues) = try await TextRule.load(on: connection, logger: logger)
        let classifier = WorkOrderClassifier(rules: rules, cues: cues)
        var grid: AddressMatcher?
        for (order, received) in orders {
            try await record(order, cause: received.event, classifier: classifier, grid: &grid, on: connection)
        }
    }

    private func record(
        _ order: WorkOrderPushed, cause: CloudEvent, classifier: WorkOrderClassifier, grid: inout AddressMatcher?, on connection: PostgresConnection
    ) async throws {
        // An outside system is an edge where input is checked, not a newer Lifeline service: an unknown
        // channel is a fault of the sender.
        guard order.channel.isKnown else {
            throw EventContractError(
                code: .invalidPayload, field: "channel", reason: "must be one of \(HotlineChannel.knownValues.map(\.rawValue).joined(separator: ", "))")
        }
        guard !order.orderNumber.isEmpty, order.orderNumber.count <= 64 else {
            throw EventContractError(code: .invalidPayload, field: "orderNumber", reason: "must be 1 to 64 characters")
        }
        guard !order.summary.isEmpty, order.summary.count <= 5000 else {
            throw EventContractError(code: .invalidPayload, field: "summary", reason: "must be 1 to 5000 characters")
        }
        let reading = classifier.classify(order.summary)
        let found = try await resolver.resolve(order, thirdParty: reading.thirdParty, grid: &grid, on: connection)
        // A repeat (the same household and a risk in common, its lead not settled, within the window)
        // joins the earlier order's lead instead of raising another.
        var earlierLead = reading.category == .risk ? try await openLead(household: found.householdId, risks: reading.risks, before: order.receivedAt, on: connection) : nil
        if let lead = earlierLead, try await !stillUnsettled(lead, on: connection) { earlierLead = nil }
        let leadId = reading.category == .risk
            ? earlierLead ?? "XS" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased() : nil
        let now = Date()
        let matches = String(decoding: try JSONEncoder().encode(reading.matches), as: UTF8.self)
        let rows = try await connection.query("""
            INSERT INTO work_orders (order_number, channel, village_code, household_id, summary, received_at, lead_id,
                                     category, risks, matches, third_party, confidence, caller_name, caller_phone, caller_id_number, address,
                                     source_category, due_at, resolved_by, village_by, final_outcome, answered_at)
            VALUES (\(order.orderNumber), \(order.channel.rawValue), \(found.villageCode), \(found.householdId), \(order.summary),
                \(order.receivedAt), \(leadId), \(reading.category.rawValue), \(reading.risks), \(matches)::jsonb, \(reading.thirdParty),
                \(reading.confidence), \(order.caller?.name), \(order.caller?.phone), \(order.caller?.idNumber), \(order.address),
                \(order.sourceCategory), \(deadlines.due(for: order)), \(found.by), \(found.villageBy),
                \(reading.category == .irrelevant ? "notInScope" : nil), \(reading.category == .irrelevant ? now : nil))
            ON CONFLICT (channel, order_number) DO NOTHING RETURNING 1
            """, logger: logger)
        var inserted = false
        for try await _ in rows { inserted = true }
        guard inserted else { return }  // the same order pushed again
        try await publisher.publish(
            WorkOrderAnswers.onReceipt(order, reading: reading, leadId: leadId, merged: earlierLead != nil), on: connection, causedBy: cause)
        guard let leadId, earlierLead == nil else { return }  // no new risk (the town sees it, review does not), or merged
        try await publisher.publish(RiskLeadRaised(
            leadId: leadId, orderNumber: order.orderNumber, channel: order.channel, villageCode: found.villageCode,
            householdId: found.householdId, raisedAt: now, risks: reading.risks.map(DifficultyType.init(uncheckedRawValue:)),
            matchedRules: reading.matches.filter { $0.discounted == nil }.map { "\($0.rule)「\($0.phrase)」" }, confidence: reading.confidence,
            receivedAt: order.receivedAt
        ), on: connection, causedBy: cause)
    }

    /// Whether the lead is still unsettled once its settlement, if one is committing, has committed
    /// (`LeadLock`); the lock is then held until this order is recorded.
    private func stillUnsettled(_ lead: String, on connection: PostgresConnection) async throws -> Bool {
        try await LeadLock.hold(lead, on: connection, logger: logger)
        let rows = try await connection.query(
            "SELECT 1 FROM work_orders WHERE lead_id = \(lead) AND final_outcome IS NULL LIMIT 1", logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// The lead of an earlier order about the same household (or a household merged into it since, whose
    /// orders keep their household) with a risk in common, not yet settled, received within the merge window.
    private func openLead(household: String?, risks: [String], before received: Date, on connection: PostgresConnection) async throws -> String? {
        guard let household, mergeDays > 0 else { return nil }
        let rows = try await connection.query("""
            WITH RECURSIVE family(id, depth) AS (
                SELECT \(household)::text, 0
                UNION ALL
                SELECT r.household_id, f.depth + 1 FROM family f JOIN registry_households r ON r.superseded_by = f.id WHERE f.depth < 10
            )
            SELECT lead_id FROM work_orders
            WHERE household_id IN (SELECT id FROM family) AND lead_id IS NOT NULL AND category = 'risk' AND final_outcome IS NULL
              AND (risks && \(risks)::text[] OR cardinality(risks) = 0 OR cardinality(\(risks)::text[]) = 0)
              AND received_at > \(received) - make_interval(days => \(mergeDays)::int) AND received_at <= \(received) + interval '1 day'
            ORDER BY received_at LIMIT 1
            """, logger: logger)
        for try await lead in rows.decode(String.self) { return lead }
        return nil
    }
}
