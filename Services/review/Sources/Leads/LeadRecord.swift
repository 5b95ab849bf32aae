import Foundation
import LifelineEvents
import LifelinePersistence
import Logging

/// A lead as stored.
struct LeadRecord: Sendable {
    var id: String
    var origin: LeadOrigin
    var householdId: String?
    var villageCode: String?
    var townCode: String
    var risks: [DifficultyType]
    var summary: String
    var applicationNumber: String?
    var contact: ContactDetails?
    var discoveredAt: Date
    var receivedAt: Date
    var status: String
    var caseId: String?
    var outcome: String?
    var outcomeReason: String?

    var needsTownVerification: Bool {
        origin.road == .departmentScreening || origin.road == .petitionAndHotline
    }

    static let columns = """
        id, road, origin_id, household_id, village_code, town_code, risks, summary, application_number, contact_name, contact_phone,
        discovered_at, received_at, status, case_id, outcome, outcome_reason
        """

    static func load(_ id: String, forUpdate: Bool = false, on connection: PostgresConnection, logger: Logger) async throws -> LeadRecord? {
        try await list(where: "WHERE id = \(id)\(unescaped: forUpdate ? " FOR UPDATE" : "")", on: connection, logger: logger).first
    }

    static func list(where filter: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws -> [LeadRecord] {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT \(columns) FROM leads \(filter.sql)", binds: filter.binds), logger: logger)
        return try await decode(rows)
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [LeadRecord] {
        var leads: [LeadRecord] = []
        for try await row in rows {
            let columns = try row.decode(
                (String, String, String, String?, String?, String, [String], String, String?, String?, String?, Date, Date, String, String?, String?,
                 String?).self)
            leads.append(LeadRecord(
                id: columns.0, origin: LeadOrigin(road: DiscoveryRoad(uncheckedRawValue: columns.1), originId: columns.2),
                householdId: columns.3, villageCode: columns.4, townCode: columns.5, risks: columns.6.map(DifficultyType.init(uncheckedRawValue:)),
                summary: columns.7, applicationNumber: columns.8,
                contact: columns.9.flatMap { name in columns.10.map { ContactDetails(name: name, phone: $0) } },
                discoveredAt: columns.11, receivedAt: columns.12, status: columns.13, caseId: columns.14, outcome: columns.15,
                outcomeReason: columns.16))
        }
        return leads
    }
}
