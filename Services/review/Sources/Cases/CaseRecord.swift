import Foundation
import LifelineEvents
import LifelinePersistence
import Logging

/// A case as stored.
struct CaseRecord: Sendable {
    var id: String
    var householdId: String
    var villageCode: String
    var townCode: String
    var kind: CaseKind
    var stage: ReviewStage
    var road: DiscoveryRoad
    var openedAt: Date
    var discoveredAt: Date
    var dueBy: Date
    var comparisonState: String?
    var announcementText: String?
    var announcementEndsOn: String?
    var outcome: String?
    var category: String?
    var decisionReason: String?
    var closedAt: Date?

    var isOpen: Bool { closedAt == nil }

    static let columns = """
        id, household_id, village_code, town_code, kind, stage, road, opened_at, discovered_at, due_by, comparison_state, announcement_text,
        to_char(announcement_ends_on, 'YYYY-MM-DD'), outcome, category, decision_reason, closed_at
        """

    static func load(_ id: String, forUpdate: Bool = false, on connection: PostgresConnection, logger: Logger) async throws -> CaseRecord? {
        try await list(where: "WHERE id = \(id)\(unescaped: forUpdate ? " FOR UPDATE" : "")", on: connection, logger: logger).first
    }

    static func openCase(of household: String, on connection: PostgresConnection, logger: Logger) async throws -> CaseRecord? {
        try await list(where: "WHERE household_id = \(household) AND closed_at IS NULL", on: connection, logger: logger).first
    }

    static func list(where filter: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws -> [CaseRecord] {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT \(columns) FROM cases \(filter.sql)", binds: filter.binds), logger: logger)
        return try await decode(rows)
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [CaseRecord] {
        var cases: [CaseRecord] = []
        for try await row in rows {
            let c = try row.decode(
                (String, String, String, String, String, String, String, Date, Date, Date, String?, String?, String?, String?, String?, String?,
                 Date?).self)
            cases.append(CaseRecord(
                id: c.0, householdId: c.1, villageCode: c.2, townCode: c.3, kind: CaseKind(uncheckedRawValue: c.4),
                stage: ReviewStage(uncheckedRawValue: c.5), road: DiscoveryRoad(uncheckedRawValue: c.6), openedAt: c.7, discoveredAt: c.8,
                dueBy: c.9, comparisonState: c.10, announcementText: c.11, announcementEndsOn: c.12, outcome: c.13, category: c.14,
                decisionReason: c.15, closedAt: c.16))
        }
        return cases
    }
}
