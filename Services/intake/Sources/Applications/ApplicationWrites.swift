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
        "H" + RandomUUID.lowercasedString().replacingOccurrences(of: "-", with: "").prefix(16)
    }

    /// The registered members with these ID numbers: household (its successor if merged, with the
    /// successor's village and provisional flag) and registered name.
    func registeredMembers(
        _ ids: [String], on connection: PostgresConnection
    ) async throws -> [String: (household: HouseholdRef, name: String, provisional: Bool)] {
        var found: [String: (household: HouseholdRef, name: String, provisional: Bool)] = [:]
        for (id, household, village, name, provisional) in try await connection.run(RegisteredApplicants(idNumbers: ids), logger: logger) {
            found[id] = (HouseholdRef(id: household, village: village), name, provisional)
        }
        return found
    }

    /// The applications with their first timeline step (`submitted`), and a new provisional household
    /// for each of `provisional` (applicants unknown to the registry, among `rows`) for the village to
    /// confirm, published as `HouseholdRegistered`. One statement.
    func insert(_ rows: [NewApplication], provisional: [NewApplication], at now: Date, on connection: PostgresConnection) async throws {
        guard !rows.isEmpty else { return }
        _ = try await connection.run(InsertApplications(now: now, rows: rows, provisional: provisional), logger: logger)
        guard !provisional.isEmpty else { return }
        try await publisher.publishAll(provisional.map { row in
            HouseholdRegistered(
                householdId: row.household, villageCode: row.application.villageCode, householdGroupId: nil, provisional: true,
                members: [.init(
                    name: row.application.applicantName, idNumber: row.application.idNumber.value, relation: "户主", phone: row.application.phone)],
                updatedAt: now, source: "self-application")
        }, on: connection)
    }
}
