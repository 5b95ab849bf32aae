import Foundation
import LifelineEvents
import LifelinePersistence
import Logging

/// Insurance's copy of what it needs from intake (households with their village, the register's
/// monitoring category and merges; names of towns and villages for reports) and from review (when
/// each household's monitoring started and ended). An older version of an entry never overwrites a
/// newer one; a redelivered event changes nothing.
struct InsuranceRegistry: Sendable {
    let logger: Logger

    func apply(_ household: HouseholdRegistered, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO households (household_id, village_code, monitoring_category, superseded_by, updated_at)
            VALUES (\(household.householdId), \(household.villageCode), \(household.monitoringCategory?.rawValue), \(household.supersededBy),
                    \(household.updatedAt))
            ON CONFLICT (household_id) DO UPDATE SET village_code = EXCLUDED.village_code, monitoring_category = EXCLUDED.monitoring_category,
                superseded_by = EXCLUDED.superseded_by, updated_at = EXCLUDED.updated_at
            WHERE households.updated_at <= EXCLUDED.updated_at
            """, logger: logger)
        // A merge passes what the household has committed this year to the one that absorbed it.
        try await HouseholdUsage.fold(household.householdId, merged: household.supersededBy != nil, on: connection, logger: logger)
    }

    func apply(_ unit: GridUnitRegistered, on connection: PostgresConnection) async throws {
        guard unit.level == .town || unit.level == .village else { return }
        try await connection.query("""
            INSERT INTO grid_units (code, name, updated_at) VALUES (\(unit.code), \(unit.name), \(unit.updatedAt))
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, updated_at = EXCLUDED.updated_at
            WHERE grid_units.updated_at <= EXCLUDED.updated_at
            """, logger: logger)
    }

    /// A monitoring period begins (an unknown category is kept as published: the claim's ratio then
    /// falls back to the line's default ratio).
    func apply(_ started: MonitoringStarted, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO monitoring_periods (case_id, household_id, category, started_on)
            VALUES (\(started.caseId), \(started.householdId), \(started.category.rawValue), \(started.startedOn)::date)
            ON CONFLICT (case_id) DO NOTHING
            """, logger: logger)
    }

    /// The household's open monitoring period ends on the day its risk was eliminated, and so does the
    /// monitoring the register recorded (a later import does not bring it back: review decides).
    func apply(_ eliminated: RiskEliminated, on connection: PostgresConnection) async throws {
        try await connection.query("""
            UPDATE monitoring_periods SET ended_on = \(eliminated.eliminatedOn)::date
            WHERE household_id = \(eliminated.householdId) AND ended_on IS NULL AND started_on <= \(eliminated.eliminatedOn)::date
            """, logger: logger)
        // Kept apart from the register's copy: the household's row, or its category, may arrive later
        // (a new consumer group reads the small review topic long before intake's households).
        try await connection.query("""
            INSERT INTO register_monitoring_ends (household_id, ended_on) VALUES (\(eliminated.householdId), \(eliminated.eliminatedOn)::date)
            ON CONFLICT (household_id) DO UPDATE SET ended_on = least(register_monitoring_ends.ended_on, EXCLUDED.ended_on)
            """, logger: logger)
    }
}
