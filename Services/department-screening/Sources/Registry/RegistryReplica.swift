import LifelineEvents
import LifelinePersistence
import Logging

/// Applies registry events to the local copy; an older version of an entry never overwrites a newer
/// one. Keeps what screening needs: members' ID numbers, formerly poor, the household group, merges.
struct RegistryReplica: Sendable {
    let screening: RecordScreening
    let logger: Logger

    /// Applies the households in order, then screens again, together, the unmatched records of the
    /// people they brought (one set of household locks for the batch).
    func apply(_ households: [HouseholdRegistered], on connection: PostgresConnection) async throws {
        // Screening that read the copy before this version must have committed, and screening after it
        // must read it: otherwise a record found unmatched could be stored after the rematch below.
        try await ScreeningQueries(connection: connection, logger: logger).holdRegistry()
        var people: [String] = []
        for household in households where try await apply(household, on: connection) { people += household.members.map(\.idNumber) }
        try await screening.rematch(idNumbers: people, on: connection)
    }

    /// `false` when the copy holds a newer version of the household.
    private func apply(_ household: HouseholdRegistered, on connection: PostgresConnection) async throws -> Bool {
        let applied = try await connection.query("""
            INSERT INTO registry_households (household_id, village_code, provisional, updated_at, formerly_poor, household_group, superseded_by)
            VALUES (\(household.householdId), \(household.villageCode), \(household.provisional), \(household.updatedAt),
                    \(household.formerlyPoor ?? false), \(household.householdGroupId), \(household.supersededBy))
            ON CONFLICT (household_id) DO UPDATE SET village_code = EXCLUDED.village_code, provisional = EXCLUDED.provisional,
                updated_at = EXCLUDED.updated_at, formerly_poor = EXCLUDED.formerly_poor, household_group = EXCLUDED.household_group,
                superseded_by = EXCLUDED.superseded_by
            WHERE registry_households.updated_at <= EXCLUDED.updated_at
            RETURNING 1
            """, logger: logger).hasRow
        guard applied else { return false }
        if let successor = household.supersededBy {
            try await carryHistory(of: household.householdId, into: successor, on: connection)
        }
        // A household the district's file already lists as monitored is not warned again, unless review
        // has eliminated its risk since: the file's flag lags behind review's decision.
        if let category = household.monitoringCategory {
            try await connection.query("""
                INSERT INTO monitored_households (household_id, category, since)
                SELECT \(household.householdId), \(category.rawValue), (now() AT TIME ZONE 'Asia/Shanghai')::date
                WHERE NOT EXISTS (SELECT 1 FROM risk_eliminations WHERE household_id = \(household.householdId))
                ON CONFLICT (household_id) DO NOTHING
                """, logger: logger)
        }
        try await connection.query("DELETE FROM registry_members WHERE household_id = \(household.householdId)", logger: logger)
        for member in household.members {
            try await connection.query("""
                INSERT INTO registry_members (id_number, household_id, name, relation)
                VALUES (\(member.idNumber), \(household.householdId), \(member.name), \(member.relation))
                ON CONFLICT (id_number) DO UPDATE SET household_id = EXCLUDED.household_id, name = EXCLUDED.name, relation = EXCLUDED.relation
                """, logger: logger)
        }
        return true
    }

    /// A household merged into another (intake's provisional household placed by the district's file)
    /// takes its screening history along: its records count towards the absorbing household's amounts,
    /// and the facts warned about stay warned. Its warnings stay its own (review settled them by id), and
    /// whether it is monitored is read through the merge (`ScreeningQueries.monitored`), so review's
    /// later events about it still count.
    private func carryHistory(of absorbed: String, into successor: String, on connection: PostgresConnection) async throws {
        let survivor = try await MergeChain.survivor(
            of: successor, table: "registry_households", idColumn: "household_id", on: connection, logger: logger) ?? successor
        guard survivor != absorbed else { return }
        try await connection.query("UPDATE department_records SET household_id = \(survivor) WHERE household_id = \(absorbed)", logger: logger)
        try await connection.query("UPDATE warned_facts SET household_id = \(survivor) WHERE household_id = \(absorbed)", logger: logger)
    }
}

/// Which households review monitors now (a monitored household is not warned again).
struct MonitoredHouseholds: Sendable {
    let logger: Logger

    /// Review monitors the household (again): monitored, whatever an earlier elimination said.
    func started(_ event: MonitoringStarted, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO monitored_households (household_id, category, since) VALUES (\(event.householdId), \(event.category.rawValue), \(event.startedOn)::date)
            ON CONFLICT (household_id) DO UPDATE SET category = EXCLUDED.category, since = EXCLUDED.since
            """, logger: logger)
        try await connection.query("DELETE FROM risk_eliminations WHERE household_id = \(event.householdId)", logger: logger)
    }

    /// Review ended the monitoring: warned again from now on, and a registry version still listing the
    /// household as monitored does not bring it back (both events are on `review.cases`, keyed by
    /// household, so they arrive in the order review decided them).
    func eliminated(_ event: RiskEliminated, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM monitored_households WHERE household_id = \(event.householdId)", logger: logger)
        try await connection.query("""
            INSERT INTO risk_eliminations (household_id, eliminated_on) VALUES (\(event.householdId), \(event.eliminatedOn)::date)
            ON CONFLICT (household_id) DO UPDATE SET eliminated_on = greatest(risk_eliminations.eliminated_on, EXCLUDED.eliminated_on)
            """, logger: logger)
    }
}

/// A resident found in the registry copy: the household (followed through merges) and its village.
struct RegistryMatch: Sendable {
    var householdId: String
    var villageCode: String
}

extension PostgresRowSequence {
    /// Whether the query returned at least one row (consumes the sequence).
    var hasRow: Bool {
        get async throws {
            for try await _ in self { return true }
            return false
        }
    }
}
