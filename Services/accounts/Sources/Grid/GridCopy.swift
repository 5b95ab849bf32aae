import Foundation
import LifelineEvents
import LifelinePersistence
import Logging

/// Accounts' copy of intake's grid (`intake.grid`): units with their names (to name an account's
/// region) and their members (for bulk creation). A unit's event lists all its members, so members no
/// longer listed are removed.
struct GridCopy: Sendable {
    let logger: Logger

    func apply(_ unit: GridUnitRegistered, on connection: PostgresConnection) async throws {
        let kept = try await connection.query("""
            INSERT INTO grid_units (code, level, name, updated_at) VALUES (\(unit.code), \(unit.level.rawValue), \(unit.name), \(unit.updatedAt))
            ON CONFLICT (code) DO UPDATE SET level = excluded.level, name = excluded.name, updated_at = excluded.updated_at
            WHERE grid_units.updated_at <= excluded.updated_at
            RETURNING code
            """, logger: logger)
        var isNewest = false
        for try await _ in kept.decode(String.self) { isNewest = true }
        // An older version of the unit (a redelivery after a newer one) changes nothing.
        guard isNewest else { return }
        let ids = unit.members.map(\.id)
        try await connection.query("DELETE FROM grid_members WHERE unit_code = \(unit.code) AND NOT (member_id = ANY(\(ids)))", logger: logger)
        for member in unit.members {
            try await connection.query("""
                INSERT INTO grid_members (member_id, unit_code, name, duty, phone) VALUES (\(member.id), \(unit.code), \(member.name), \(member.duty), \(member.phone))
                ON CONFLICT (member_id) DO UPDATE SET unit_code = excluded.unit_code, name = excluded.name, duty = excluded.duty, phone = excluded.phone
                """, logger: logger)
        }
    }
}
