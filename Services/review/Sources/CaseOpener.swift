import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime
import Logging

/// Opens a case for each self-application, each hotline lead and each grid lead, once, and announces it.
struct CaseOpener: Sendable {
    let publisher: EventPublisher
    let logger: Logger

    /// National rule: identification within 15 days of the risk being found.
    static let identificationDeadline: TimeInterval = 15 * 24 * 3600

    init(dependencies: ServiceDependencies) {
        publisher = dependencies.publisher
        logger = dependencies.logger
    }

    func open(for application: ApplicationSubmitted, context: EventContext) async throws {
        try await open(
            householdId: application.householdId, villageCode: application.villageCode, road: .selfApplication,
            applicationNumber: application.applicationNumber, leadId: nil, contact: application.applicant,
            foundAt: application.submittedAt, cause: context.event, on: context.connection)
    }

    func open(for lead: RiskLeadRaised, context: EventContext) async throws {
        try await open(
            householdId: lead.householdId, villageCode: lead.villageCode, road: .petitionAndHotline,
            applicationNumber: nil, leadId: lead.leadId, contact: nil, foundAt: lead.raisedAt, cause: context.event, on: context.connection)
    }

    func open(for lead: GridLeadRaised, context: EventContext) async throws {
        try await open(
            householdId: lead.householdId, villageCode: lead.villageCode, road: .gridReport,
            applicationNumber: nil, leadId: lead.leadId, contact: nil, foundAt: lead.raisedAt, cause: context.event, on: context.connection)
    }

    private func open(
        householdId: String?, villageCode: String, road: DiscoveryRoad, applicationNumber: String?, leadId: String?,
        contact: ContactDetails?, foundAt: Date, cause: CloudEvent, on connection: PostgresConnection
    ) async throws {
        let caseId = try await nextCaseId(on: connection)
        let now = Date()
        let dueBy = foundAt.addingTimeInterval(Self.identificationDeadline)
        let inserted = try await connection.query("""
            INSERT INTO cases (id, household_id, village_code, road, application_number, lead_id, contact_name, contact_phone, stage, opened_at, due_by)
            VALUES (\(caseId), \(householdId), \(villageCode), \(road.rawValue), \(applicationNumber), \(leadId), \(contact?.name), \(contact?.phone),
                \(ReviewStage.homeVerification.rawValue), \(now), \(dueBy))
            ON CONFLICT DO NOTHING RETURNING id
            """, logger: logger)
        var created = false
        for try await _ in inserted { created = true }
        guard created else { return }  // a case for this application or lead exists already
        try await publisher.publish(CaseOpened(
            caseId: caseId, householdId: householdId, villageCode: villageCode, road: road, applicationNumber: applicationNumber,
            leadId: leadId, contact: contact, stage: .homeVerification, openedAt: now, dueBy: dueBy
        ), on: connection, causedBy: cause)
    }

    /// `AJ` + date + 6-digit sequence.
    private func nextCaseId(on connection: PostgresConnection) async throws -> String {
        let rows = try await connection.query("""
            SELECT 'AJ' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad(nextval('case_number_seq')::text, 6, '0')
            """, logger: logger)
        for try await id in rows.decode(String.self) { return id }
        throw EventHandlingError(code: .temporarilyUnavailable, reason: "case number sequence returned nothing", isRetriable: true)
    }
}
