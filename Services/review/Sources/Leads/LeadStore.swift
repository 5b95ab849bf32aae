import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging

/// Where each lead goes (四路共通): to the town's triage list when it names no household, to the
/// town's verification list when it comes from screening or a hotline, to the village's re-check list
/// when the household is monitored already, otherwise into the household's one open case.
struct LeadStore: Sendable {
    let database: Database
    let publisher: EventPublisher
    let audit: AuditTrail
    let logger: Logger

    init(database: Database, publisher: EventPublisher, logger: Logger) {
        self.database = database
        self.publisher = publisher
        self.audit = AuditTrail(logger: logger)
        self.logger = logger
    }

    /// Records a lead from an event, once (a redelivered event finds it and does nothing).
    func receive(_ lead: IncomingLead, cause: CloudEvent, on connection: PostgresConnection) async throws {
        // Before the lead's audit record takes the audit trail's lock (HouseholdLock's order).
        if let household = lead.householdId { try await HouseholdLock.hold([household], on: connection, logger: logger) }
        let leadId = try await ReviewNumbers.next("XS", sequence: "lead_number_seq", on: connection, logger: logger)
        let village = try await villageOf(lead, on: connection)
        let town = village.map { String($0.prefix(9)) } ?? lead.townCode ?? ""
        let inserted = try await connection.query("""
            INSERT INTO leads (id, road, origin_id, household_id, village_code, town_code, risks, summary, application_number,
                               contact_name, contact_phone, discovered_at, status)
            VALUES (\(leadId), \(lead.origin.road.rawValue), \(lead.origin.originId), \(lead.householdId), \(village), \(town),
                    \(lead.risks.map(\.rawValue)), \(lead.summary), \(lead.applicationNumber), \(lead.contact?.name), \(lead.contact?.phone),
                    \(lead.discoveredAt), 'triage')
            ON CONFLICT (road, origin_id) DO NOTHING RETURNING id
            """, logger: logger)
        guard try await inserted.hasRow else { return }
        try await audit.record("lead.received", by: .review, leadId: leadId, householdId: lead.householdId,
                               detail: ["road": lead.origin.road.rawValue, "origin": lead.origin.originId], on: connection)
        try await route(leadId, cause: cause, on: connection)
    }

    private func villageOf(_ lead: IncomingLead, on connection: PostgresConnection) async throws -> String? {
        if let village = lead.villageCode { return village }
        guard let household = lead.householdId else { return nil }
        let rows = try await connection.query("SELECT village_code FROM households WHERE id = \(household)", logger: logger)
        for try await village in rows.decode(String.self) { return village }
        return nil
    }

    /// Sends a lead that is still in `triage` to where it belongs now.
    func route(_ leadId: String, verified: Bool = false, cause: CloudEvent?, on connection: PostgresConnection) async throws {
        guard let lead = try await LeadRecord.load(leadId, on: connection, logger: logger) else { throw ReviewError(.recordMissing, "线索读取失败") }
        guard let household = lead.householdId, let village = lead.villageCode else { return }  // stays in triage
        try await HouseholdLock.hold([household], on: connection, logger: logger)
        // The family may be monitored, or have its case open, under a household intake merged into this
        // one (a self-applicant's provisional household): review keeps those on the household it decided about.
        let lineage = [household] + (try await MergeChain.absorbed(into: household, table: "households", idColumn: "id", on: connection, logger: logger))
        if try await isMonitored(lineage, on: connection) {
            try await settle(lead, status: "recheck", outcome: .alreadyCovered, reason: "该户已纳入监测，列入村级月度复核", caseId: nil,
                             by: .review, cause: cause, on: connection)
            return
        }
        var target = (household: household, village: village)
        var openCase = try await CaseRecord.openCase(of: household, on: connection, logger: logger)
        if openCase == nil, lineage.count > 1 {
            openCase = try await CaseRecord.list(
                where: "WHERE household_id = ANY(\(Array(lineage.dropFirst()))) AND closed_at IS NULL ORDER BY opened_at", on: connection, logger: logger
            ).first
            if let openCase { target = (openCase.householdId, openCase.villageCode) }
        }
        if openCase == nil, lead.needsTownVerification, !verified {
            try await connection.query("UPDATE leads SET status = 'verification' WHERE id = \(leadId)", logger: logger)
            return
        }
        try await CaseJoining(publisher: publisher, audit: audit, logger: logger)
            .join(lead, household: target.household, village: target.village, cause: cause, on: connection)
    }

    private func isMonitored(_ households: [String], on connection: PostgresConnection) async throws -> Bool {
        try await connection.query(
            "SELECT 1 FROM monitored_households WHERE household_id = ANY(\(households)) AND ended_on IS NULL", logger: logger
        ).hasRow
    }

    /// Ends a lead's way through review and tells its origin.
    func settle(
        _ lead: LeadRecord, status: String, outcome: LeadOutcome, reason: String?, caseId: String?, by actor: AuditTrail.Actor,
        cause: CloudEvent?, on connection: PostgresConnection
    ) async throws {
        let now = Date()
        try await connection.query("""
            UPDATE leads SET status = \(status), outcome = \(outcome.rawValue), outcome_reason = \(reason), settled_at = \(now),
                settled_by = \(actor.id), case_id = coalesce(\(caseId), case_id)
            WHERE id = \(lead.id)
            """, logger: logger)
        try await audit.record("lead.settled", by: actor, leadId: lead.id, householdId: lead.householdId,
                               detail: ["outcome": outcome.rawValue], on: connection)
        let event = LeadSettled(
            leadId: lead.id, origin: lead.origin, householdId: lead.householdId, caseId: caseId ?? lead.caseId, outcome: outcome,
            reason: reason, settledAt: now)
        try await publisher.publish(event, on: connection, causedBy: cause)
    }
}

extension PostgresRowSequence {
    /// Whether the query returned at least one row (consumes the sequence).
    var hasRow: Bool {
        get async throws {
            for try await _ in self { return true }
            return false
        }
    }
}
