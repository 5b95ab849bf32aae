import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging

/// Puts a lead into its household's open case, opening one when there is none. The database allows one
/// open case per household (`cases_one_open_per_household`), so two leads of one household arriving at
/// once on different topics still meet in one case.
struct CaseJoining: Sendable {
    let publisher: EventPublisher
    let audit: AuditTrail
    let logger: Logger

    /// National rule: identification within 15 days of the risk being found.
    static let identificationDeadline: TimeInterval = 15 * 24 * 3600

    func join(_ lead: LeadRecord, household: String, village: String, cause: CloudEvent?, on connection: PostgresConnection) async throws {
        let now = Date()
        let dueBy = lead.discoveredAt.addingTimeInterval(Self.identificationDeadline)
        let newId = try await ReviewNumbers.next("AJ", sequence: "case_number_seq", on: connection, logger: logger)
        let opened = try await connection.query("""
            INSERT INTO cases (id, household_id, village_code, town_code, road, stage, kind, opened_at, discovered_at, due_by)
            VALUES (\(newId), \(household), \(village), \(String(village.prefix(9))), \(lead.origin.road.rawValue),
                    \(ReviewStage.homeVerification.rawValue), \(CaseKind.identification.rawValue), \(now), \(lead.discoveredAt), \(dueBy))
            ON CONFLICT (household_id) WHERE closed_at IS NULL DO NOTHING RETURNING id
            """, logger: logger).hasRow
        // The clock runs from the earliest discovery of any of the case's leads.
        try await connection.query("""
            UPDATE cases SET discovered_at = least(discovered_at, \(lead.discoveredAt)), due_by = least(due_by, \(dueBy)), updated_at = \(now)
            WHERE household_id = \(household) AND closed_at IS NULL
            """, logger: logger)
        guard let record = try await CaseRecord.openCase(of: household, on: connection, logger: logger) else {
            throw ReviewError(.recordMissing, "案件读取失败")
        }
        try await connection.query("""
            UPDATE leads SET status = 'joined', case_id = \(record.id), household_id = \(household), village_code = \(village)
            WHERE id = \(lead.id)
            """, logger: logger)
        try await audit.record(opened ? "case.opened" : "lead.joined", by: .review, caseId: record.id, leadId: lead.id, householdId: household,
                               detail: ["road": lead.origin.road.rawValue], on: connection)
        if opened {
            try await publisher.publish(CaseOpened(
                caseId: record.id, householdId: household, villageCode: village, road: lead.origin.road, applicationNumber: lead.applicationNumber,
                leadId: lead.id, contact: lead.contact, stage: record.stage, openedAt: record.openedAt, dueBy: record.dueBy
            ), on: connection, causedBy: cause)
        }
        try await publisher.publish(LeadJoinedCase(
            caseId: record.id, householdId: household, villageCode: village, leadId: lead.id, origin: lead.origin,
            applicationNumber: lead.applicationNumber, contact: lead.contact, risks: lead.risks, discoveredAt: lead.discoveredAt, joinedAt: now,
            openedCase: opened, stage: record.stage, dueBy: record.dueBy
        ), on: connection, causedBy: cause)
        guard opened else { return }
        // Leads of the family still waiting for the town's verification join the case that opened
        // meanwhile: its home visit verifies them all. Locked as read: a lead the town is settling at this
        // moment is read once the town commits, and then no longer waits (it keeps the town's outcome,
        // and its origin gets one final answer).
        // The family's leads: those of a household merged into this one, or of the one that absorbed it.
        let survivor = try await MergeChain.survivor(of: household, table: "households", idColumn: "id", on: connection, logger: logger) ?? household
        let family = [survivor] + (try await MergeChain.absorbed(into: survivor, table: "households", idColumn: "id", on: connection, logger: logger))
        let waiting = try await LeadRecord.list(
            where: "WHERE household_id = ANY(\(family)) AND status = 'verification' AND id <> \(lead.id) ORDER BY received_at FOR UPDATE",
            on: connection, logger: logger)
        for other in waiting {
            try await join(other, household: household, village: village, cause: cause, on: connection)
        }
    }
}
