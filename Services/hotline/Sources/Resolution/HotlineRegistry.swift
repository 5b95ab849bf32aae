import Foundation
import LifelineEvents
import LifelinePersistence
import Logging

/// Hotline's copy of what it needs of intake's registry and grid to find an order's household: members'
/// ID numbers, names and phones, merges (`supersededBy`), and the names of towns and villages. An older
/// version of an entry never overwrites a newer one.
struct HotlineRegistry: Sendable {
    let logger: Logger

    func apply(_ household: HouseholdRegistered, on connection: PostgresConnection) async throws {
        let applied = try await connection.query("""
            INSERT INTO registry_households (household_id, village_code, superseded_by, updated_at)
            VALUES (\(household.householdId), \(household.villageCode), \(household.supersededBy), \(household.updatedAt))
            ON CONFLICT (household_id) DO UPDATE SET village_code = EXCLUDED.village_code, superseded_by = EXCLUDED.superseded_by,
                updated_at = EXCLUDED.updated_at
            WHERE registry_households.updated_at <= EXCLUDED.updated_at
            RETURNING 1
            """, logger: logger)
        var changed = false
        for try await _ in applied { changed = true }
        guard changed else { return }
        try await connection.query("DELETE FROM registry_members WHERE household_id = \(household.householdId)", logger: logger)
        let members = household.members
        guard !members.isEmpty else { return }
        try await connection.query("""
            INSERT INTO registry_members (id_number, household_id, name, phone)
            SELECT i, \(household.householdId), n, NULLIF(p, '') FROM unnest(\(members.map(\.idNumber))::text[], \(members.map(\.name))::text[],
                                                                     \(members.map { Self.digits($0.phone ?? "") })::text[]) AS m(i, n, p)
            ON CONFLICT (id_number) DO UPDATE SET household_id = EXCLUDED.household_id, name = EXCLUDED.name, phone = EXCLUDED.phone
            """, logger: logger)
    }

    func apply(_ unit: GridUnitRegistered, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO grid_units (code, level, name, parent_code, updated_at)
            VALUES (\(unit.code), \(unit.level.rawValue), \(unit.name), \(unit.parentCode), \(unit.updatedAt))
            ON CONFLICT (code) DO UPDATE SET level = EXCLUDED.level, name = EXCLUDED.name, parent_code = EXCLUDED.parent_code, updated_at = EXCLUDED.updated_at
            WHERE grid_units.updated_at <= EXCLUDED.updated_at
            """, logger: logger)
    }

    /// A phone number's digits (spaces, dashes and a +86 left out), for comparing numbers as spoken.
    static func digits(_ phone: String) -> String {
        let digits = phone.filter(\.isASCII).filter(\.isNumber)
        return digits.count == 13 && digits.hasPrefix("86") ? String(digits.dropFirst(2)) : digits
    }
}
