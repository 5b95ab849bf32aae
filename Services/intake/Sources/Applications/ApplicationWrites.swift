import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence

/// A household in the registry as a self-application finds it.
struct HouseholdRef: Sendable {
    var id: String
    var village: String
}

/// An application about to be written, as the one-by-one and the group path both write it.
struct NewApplication: Sendable {
    var number: String
    var household: String
    var householdIsProvisional: Bool
    var application: ValidApplication
    var key: String?
    /// Set for an application held for the village (status `verification`).
    var heldBecause: ApplicationHeldForVerification.Reason? = nil

    /// The lead this application becomes when it is not held.
    func submitted(at now: Date) -> ApplicationSubmitted {
        ApplicationSubmitted(
            applicationNumber: number, householdId: household, householdIsProvisional: householdIsProvisional,
            villageCode: application.villageCode, applicant: ContactDetails(name: application.applicantName, phone: application.phone),
            householdSize: application.householdSize, difficulties: application.difficulties, statement: application.statement,
            submittedAt: now, wechatOpenId: application.wechatOpenId)
    }
}

/// The statements both submission paths share: each takes any number of rows, so a group writes with
/// one statement what a single submission writes with the same one.
extension ApplicationStore {
    /// A new provisional household id (`H` + 16 hex digits).
    static func newHouseholdId() -> String {
        "H" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
    }

    /// The registered members with these ID numbers: household (its successor if merged, with the
    /// successor's village and provisional flag) and registered name.
    func registeredMembers(
        _ ids: [String], on connection: PostgresConnection
    ) async throws -> [String: (household: HouseholdRef, name: String, provisional: Bool)] {
        var found: [String: (household: HouseholdRef, name: String, provisional: Bool)] = [:]
        // FOR SHARE: an import merging this household waits for the application to commit, and then
        // moves it along (HouseholdImporter.merge locks the household first).
        for try await (id, household, village, name, provisional) in try await connection.query("""
            SELECT m.id_number, coalesce(h.superseded_by, h.id), coalesce(s.village_code, h.village_code), m.name,
                coalesce(s.provisional, h.provisional)
            FROM household_members m JOIN households h ON h.id = m.household_id LEFT JOIN households s ON s.id = h.superseded_by
            WHERE m.id_number = ANY(\(ids))
            FOR SHARE OF h
            """, logger: logger).decode((String, String, String, String, Bool).self) {
            found[id] = (HouseholdRef(id: household, village: village), name, provisional)
        }
        return found
    }

    /// New provisional households, one per applicant unknown to the registry, for the village to
    /// confirm, published as `HouseholdRegistered`.
    func insertProvisionalHouseholds(for rows: [NewApplication], at now: Date, on connection: PostgresConnection) async throws {
        guard !rows.isEmpty else { return }
        // One statement (a data-modifying CTE) for the households and their one member each.
        try await connection.query("""
            WITH n AS (
                INSERT INTO households (id, village_code, provisional, created_at, updated_at)
                SELECT id, village, true, \(now), \(now) FROM unnest(\(rows.map(\.household))::text[], \(rows.map(\.application.villageCode))::text[])
                    AS n(id, village)
                RETURNING id)
            INSERT INTO household_members (household_id, id_number, name, relation, phone)
            SELECT h, i, n, '户主', p FROM unnest(\(rows.map(\.household))::text[], \(rows.map(\.application.idNumber.value))::text[],
                \(rows.map(\.application.applicantName))::text[], \(rows.map(\.application.phone))::text[]) AS m(h, i, n, p)
                JOIN n ON n.id = m.h
            """, logger: logger)
        try await publisher.publishAll(rows.map { row in
            HouseholdRegistered(
                householdId: row.household, villageCode: row.application.villageCode, householdGroupId: nil, provisional: true,
                members: [.init(
                    name: row.application.applicantName, idNumber: row.application.idNumber.value, relation: "户主", phone: row.application.phone)],
                updatedAt: now, source: "self-application")
        }, on: connection)
    }

    /// The applications with their first timeline step (`submitted`).
    func insert(_ rows: [NewApplication], at now: Date, on connection: PostgresConnection) async throws {
        guard !rows.isEmpty else { return }
        // One statement (a data-modifying CTE) for the applications and their first timeline step.
        try await connection.query("""
            WITH a AS (
                INSERT INTO applications (number, household_id, village_code, applicant_name, applicant_id_number, applicant_phone,
                    household_size, difficulties, statement, idempotency_key, status, verification_reason, submitted_at)
                SELECT number, household, village, name, id, phone, size, string_to_array(kinds, ','), statement, NULLIF(key, ''),
                    CASE WHEN reason = '' THEN 'submitted' ELSE 'verification' END, NULLIF(reason, ''), \(now)
                FROM unnest(\(rows.map(\.number))::text[], \(rows.map(\.household))::text[], \(rows.map(\.application.villageCode))::text[],
                    \(rows.map(\.application.applicantName))::text[], \(rows.map(\.application.idNumber.value))::text[],
                    \(rows.map(\.application.phone))::text[], \(rows.map(\.application.householdSize))::int8[],
                    \(rows.map { $0.application.difficulties.map(\.rawValue).joined(separator: ",") })::text[],
                    \(rows.map(\.application.statement))::text[], \(rows.map { $0.key ?? "" })::text[],
                    \(rows.map { $0.heldBecause?.rawValue ?? "" })::text[])
                    AS a(number, household, village, name, id, phone, size, kinds, statement, key, reason)
                RETURNING number)
            INSERT INTO application_timeline (application_number, stage, occurred_at)
            SELECT number, \(ReviewStage.submitted.rawValue), \(now) FROM a
            """, logger: logger)
    }
}
