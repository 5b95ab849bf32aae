import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging

/// What the importer and the forms need to know about the grid: which villages and household groups
/// exist and where each group belongs.
struct GridReferenceIndex: Sendable {
    /// Village code → village name.
    var villages: [String: String]
    /// Household group code → its village code.
    var groupVillage: [String: String]
}

/// Intake's SQL for the four-level grid.
struct GridStore: Sendable {
    let database: Database
    let logger: Logger

    /// Inserts or updates units (parents before children) and members, in one transaction, with a few
    /// statements whatever the size. Units not in `grid` are left as they are; so are members, except
    /// those of the units in `replacingMembersOf` that `grid` no longer lists, which are removed.
    /// Every unit whose row or team changed is published on `intake.grid` (`GridUnitRegistered`) in
    /// the same transaction; loading the same grid again publishes nothing.
    func upsert(_ grid: Grid, replacingMembersOf replaced: Set<String> = [], publisher: EventPublisher) async throws {
        try await database.transaction { connection in
            var changed = Set<String>()
            for level in GridLevel.allCases {
                let units = grid.units.filter { $0.level == level }
                guard !units.isEmpty else { continue }
                let rows = try await connection.query("""
                    INSERT INTO grid_units (code, level, name, parent_code)
                    SELECT code, level, name, NULLIF(parent, '') FROM unnest(\(units.map(\.code))::text[], \(units.map(\.level.rawValue))::text[], \(units.map(\.name))::text[],
                        \(units.map { $0.parentCode ?? "" })::text[]) AS u(code, level, name, parent)
                    ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, parent_code = EXCLUDED.parent_code, updated_at = now()
                        WHERE grid_units.name IS DISTINCT FROM EXCLUDED.name OR grid_units.parent_code IS DISTINCT FROM EXCLUDED.parent_code
                    RETURNING code
                    """, logger: logger)
                for try await code in rows.decode(String.self) { changed.insert(code) }
            }
            let members = grid.members
            if !replaced.isEmpty {
                let rows = try await connection.query("""
                    DELETE FROM grid_members WHERE unit_code = ANY(\(Array(replaced))) AND NOT (id = ANY(\(members.map(\.id))))
                    RETURNING unit_code
                    """, logger: logger)
                for try await code in rows.decode(String.self) { changed.insert(code) }
            }
            if !members.isEmpty {
                // A member moving to another unit changes the team of the unit left behind too.
                let moved = try await connection.query("""
                    SELECT m.unit_code FROM grid_members m
                    JOIN unnest(\(members.map(\.id))::text[], \(members.map(\.unitCode))::text[]) AS n(id, unit) ON n.id = m.id
                    WHERE m.unit_code <> n.unit
                    """, logger: logger)
                for try await code in moved.decode(String.self) { changed.insert(code) }
                let rows = try await connection.query("""
                    INSERT INTO grid_members (id, name, phone, duty, level, unit_code)
                    SELECT * FROM unnest(\(members.map(\.id))::text[], \(members.map(\.name))::text[], \(members.map(\.phone))::text[],
                        \(members.map(\.duty))::text[], \(members.map(\.level.rawValue))::text[], \(members.map(\.unitCode))::text[])
                    ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, phone = EXCLUDED.phone, duty = EXCLUDED.duty,
                        level = EXCLUDED.level, unit_code = EXCLUDED.unit_code, updated_at = now()
                    WHERE (grid_members.name, grid_members.phone, grid_members.duty, grid_members.level, grid_members.unit_code)
                        IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.phone, EXCLUDED.duty, EXCLUDED.level, EXCLUDED.unit_code)
                    RETURNING unit_code
                    """, logger: logger)
                for try await code in rows.decode(String.self) { changed.insert(code) }
            }
            try await publish(Array(changed), publisher: publisher, on: connection)
        }
    }

    /// Publishes the current version of each unit in `codes` with its whole team.
    private func publish(_ codes: [String], publisher: EventPublisher, on connection: PostgresConnection) async throws {
        guard !codes.isEmpty else { return }
        var members: [String: [GridUnitRegistered.Member]] = [:]
        let memberRows = try await connection.query("""
            SELECT unit_code, id, name, duty, phone FROM grid_members WHERE unit_code = ANY(\(codes)) ORDER BY unit_code, id
            """, logger: logger)
        for try await (unit, id, name, duty, phone) in memberRows.decode((String, String, String, String, String).self) {
            members[unit, default: []].append(.init(id: id, name: name, duty: duty, phone: phone))
        }
        let now = Date()
        let units = try await connection.query("""
            SELECT code, level, name, parent_code FROM grid_units WHERE code = ANY(\(codes)) ORDER BY code
            """, logger: logger)
        for try await (code, level, name, parent) in units.decode((String, String, String, String?).self) {
            try await publisher.publish(GridUnitRegistered(
                code: code, level: GridUnitLevel(uncheckedRawValue: level), name: name, parentCode: parent, members: members[code] ?? [],
                updatedAt: now), on: connection)
        }
    }

    /// The villages and household groups, for validating references.
    func referenceIndex() async throws -> GridReferenceIndex {
        var index = GridReferenceIndex(villages: [:], groupVillage: [:])
        let rows = try await database.query("""
            SELECT code, level, name, coalesce(parent_code, '') FROM grid_units WHERE level IN ('village', 'household-group')
            """)
        for try await (code, level, name, parent) in rows.decode((String, String, String, String).self) {
            if level == GridLevel.village.rawValue { index.villages[code] = name } else { index.groupVillage[code] = parent }
        }
        return index
    }

    /// A village with its town's name, or nil when the code is not a village of the grid.
    func village(_ code: String) async throws -> VillageSummary? {
        let rows = try await database.query("""
            SELECT v.code, v.name, t.name FROM grid_units v
            JOIN grid_units a ON a.code = v.parent_code JOIN grid_units t ON t.code = a.parent_code
            WHERE v.code = \(code) AND v.level = 'village'
            """)
        for try await (code, name, town) in rows.decode((String, String, String).self) {
            return VillageSummary(code: code, name: name, townName: town)
        }
        return nil
    }

    /// The villages inside `region` (a division code prefix: district, town or village), by code.
    func villages(in region: String) async throws -> [VillageSummary] {
        let prefix = region.replacingOccurrences(of: "%", with: "") + "%"
        let rows = try await database.query("""
            SELECT v.code, v.name, t.name FROM grid_units v
            JOIN grid_units a ON a.code = v.parent_code JOIN grid_units t ON t.code = a.parent_code
            WHERE v.level = 'village' AND v.code LIKE \(prefix) ORDER BY v.code
            """)
        var villages: [VillageSummary] = []
        for try await (code, name, town) in rows.decode((String, String, String).self) {
            villages.append(VillageSummary(code: code, name: name, townName: town))
        }
        return villages
    }

    /// The children of a unit (the towns when `parent` is nil), with their members.
    func children(of parent: String?) async throws -> [GridUnitView] {
        let rows = try await database.query("""
            SELECT u.code, u.level, u.name, coalesce(u.parent_code, ''),
                (SELECT count(*) FROM grid_units c WHERE c.parent_code = u.code)::int
            FROM grid_units u WHERE coalesce(u.parent_code, '') = \(parent ?? "") ORDER BY u.code
            """)
        var units: [GridUnitView] = []
        for try await (code, level, name, parentCode, childCount) in rows.decode((String, String, String, String, Int).self) {
            units.append(GridUnitView(
                code: code, level: level, name: name, parentCode: parentCode.isEmpty ? nil : parentCode, childCount: childCount, members: []))
        }
        guard !units.isEmpty else { return [] }
        let members = try await database.query("""
            SELECT id, name, phone, duty, level, unit_code FROM grid_members WHERE unit_code = ANY(\(units.map(\.code))) ORDER BY id
            """)
        var byUnit: [String: [GridMemberView]] = [:]
        for try await (id, name, phone, duty, level, unit) in members.decode((String, String, String, String, String, String).self) {
            byUnit[unit, default: []].append(GridMemberView(id: id, name: name, phone: phone, duty: duty, level: level))
        }
        return units.map { var unit = $0; unit.members = byUnit[unit.code] ?? []; return unit }
    }

    /// Every unit's level by code (a few thousand rows for a district).
    func levels() async throws -> [String: GridLevel] {
        var levels: [String: GridLevel] = [:]
        for try await (code, level) in try await database.query("SELECT code, level FROM grid_units").decode((String, String).self) {
            levels[code] = GridLevel(rawValue: level)
        }
        return levels
    }

    /// Whether a unit with this code exists.
    func exists(_ code: String) async throws -> Bool {
        try await database.count("SELECT count(*) FROM grid_units WHERE code = \(code)") > 0
    }

    /// The household groups a grid member looks after.
    func groups(ofMember memberId: String) async throws -> [String] {
        let rows = try await database.query("""
            SELECT unit_code FROM grid_members WHERE id = \(memberId) AND level = 'household-group'
            """)
        var groups: [String] = []
        for try await code in rows.decode(String.self) { groups.append(code) }
        return groups
    }
}

/// A unit as the grid API shows it.
struct GridUnitView: Codable, Sendable {
    var code: String
    var level: String
    var name: String
    var parentCode: String?
    var childCount: Int
    var members: [GridMemberView]
}

/// A grid member as officials see them (their work phone is how villagers reach them).
struct GridMemberView: Codable, Sendable {
    var id: String
    var name: String
    var phone: String
    var duty: String
    var level: String
}

