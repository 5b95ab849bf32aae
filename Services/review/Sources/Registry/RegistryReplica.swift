import LifelineEvents
import LifelinePersistence
import Logging

/// Review's copy of intake's registry (from the compacted `intake.households`): what the rules need
/// (formerly poor, people, who can work), the head's name for the village announcement and the head's
/// ID number for the district's export to the national system (never shown elsewhere). No phones.
struct RegistryReplica: Sendable {
    let logger: Logger

    func apply(_ household: HouseholdRegistered, on connection: PostgresConnection) async throws {
        let head = household.members.first { $0.relation == "户主" } ?? household.members.first
        let able = household.members.filter { $0.labourAbility == .full || $0.labourAbility == .weak }.count
        let unknown = household.members.filter { $0.labourAbility == nil || $0.labourAbility?.isKnown == false }.count
        try await connection.query("""
            INSERT INTO households (id, village_code, head_name, head_id_number, formerly_poor, people, able_to_work, labour_unknown, provisional,
                                    superseded_by, updated_at)
            VALUES (\(household.householdId), \(household.villageCode), \(head?.name ?? ""), \(head?.idNumber ?? ""), \(household.formerlyPoor ?? false),
                    \(household.members.count), \(able), \(unknown), \(household.provisional), \(household.supersededBy), \(household.updatedAt))
            ON CONFLICT (id) DO UPDATE SET village_code = EXCLUDED.village_code, head_name = EXCLUDED.head_name, head_id_number = EXCLUDED.head_id_number,
                formerly_poor = EXCLUDED.formerly_poor, people = EXCLUDED.people, able_to_work = EXCLUDED.able_to_work,
                labour_unknown = EXCLUDED.labour_unknown, provisional = EXCLUDED.provisional, superseded_by = EXCLUDED.superseded_by,
                updated_at = EXCLUDED.updated_at
            WHERE households.updated_at <= EXCLUDED.updated_at
            """, logger: logger)
    }
}

/// What the rules read of a household.
struct RegistryFacts: Sendable {
    var headName: String
    var formerlyPoor: Bool
    var people: Int
    var ableToWork: Int
    var labourUnknown: Int

    /// The household's facts, read where its people live now: a household intake merged into another
    /// (a self-applicant's provisional household placed by the district's file) is republished empty,
    /// while review keeps its case and monitoring on it, so the facts are those of the household that
    /// absorbed it (through any chain of merges, as far as the copy knows it).
    static func load(_ household: String, on connection: PostgresConnection, logger: Logger) async throws -> RegistryFacts? {
        let current = try await MergeChain.survivor(of: household, table: "households", idColumn: "id", on: connection, logger: logger) ?? household
        let rows = try await connection.query("""
            SELECT head_name, formerly_poor, people, able_to_work, labour_unknown FROM households WHERE id = \(current)
            """, logger: logger)
        for try await (name, poor, people, able, unknown) in rows.decode((String, Bool, Int, Int, Int).self) {
            return RegistryFacts(headName: name, formerlyPoor: poor, people: people, ableToWork: able, labourUnknown: unknown)
        }
        return nil
    }
}

/// Names of the grid's units from the compacted `intake.grid`.
struct GridNames: Sendable {
    let logger: Logger

    func apply(_ unit: GridUnitRegistered, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO grid_units (code, level, name, updated_at) VALUES (\(unit.code), \(unit.level.rawValue), \(unit.name), \(unit.updatedAt))
            ON CONFLICT (code) DO UPDATE SET level = EXCLUDED.level, name = EXCLUDED.name, updated_at = EXCLUDED.updated_at
            WHERE grid_units.updated_at <= EXCLUDED.updated_at
            """, logger: logger)
    }
}
