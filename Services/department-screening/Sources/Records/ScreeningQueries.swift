import Foundation
import LifelineEvents
import LifelinePersistence
import Logging

/// The statements of screening a batch, each one round trip whatever the batch's size (arrays bound
/// once and unnested by PostgreSQL).
struct ScreeningQueries: Sendable {
    let connection: PostgresConnection
    let logger: Logger

    /// The records among `keys` received before (and not removed for screening again).
    func received(_ keys: [RecordKey]) async throws -> Set<RecordKey> {
        guard !keys.isEmpty else { return [] }
        let rows = try await connection.query("""
            SELECT department, record_id FROM department_records
            WHERE (department, record_id) IN (SELECT * FROM unnest(\(keys.map(\.department))::text[], \(keys.map(\.recordId))::text[]))
            """, logger: logger)
        var found = Set<RecordKey>()
        for try await (department, recordId) in rows.decode((String, String).self) { found.insert(RecordKey(department: department, recordId: recordId)) }
        return found
    }

    /// Stores the decided records, each once with its outcome (one insert, no later update of the
    /// row); returns the keys stored.
    ///
    /// A record stored meanwhile by another transaction (the same record pushed and in a file at once,
    /// or repeated in two batches of a file screened together) is not stored again: the insert waits
    /// for that transaction's commit if it is still open, and the record is left out. One without a
    /// household (unmatched, rejected) is then simply received before (the caller drops its outcome);
    /// one matched to a household was decided on a household state that may have changed, so the
    /// batch fails with a `PassingConflict` and is screened again by the caller's retry.
    func store(_ rows: [(record: DepartmentRecordPushed, source: String, decision: Decision)]) async throws -> Set<RecordKey> {
        guard !rows.isEmpty else { return [] }
        // In key order, so that two writers of the same records wait for each other on the unique
        // index instead of deadlocking.
        let rows = rows.sorted { ($0.record.department, $0.record.recordId) < ($1.record.department, $1.record.recordId) }
        let details = rows.map { JSONText.object($0.record.details ?? [:]) }
        let result = try await connection.query("""
            INSERT INTO department_records (department, record_id, period, id_number, name, kind, fact_date, amount_fen, details, source,
                                            household_id, status, reason, warning_id)
            SELECT d, r, p, i, n, k, NULLIF(fd, '')::date, NULLIF(a, '')::bigint, det::jsonb, s, NULLIF(h, ''), st, NULLIF(re, ''), NULLIF(w, '')
            FROM unnest(\(rows.map(\.record.department))::text[], \(rows.map(\.record.recordId))::text[], \(rows.map(\.record.period))::text[],
                        \(rows.map(\.record.idNumber))::text[], \(rows.map(\.record.name))::text[], \(rows.map(\.record.kind.rawValue))::text[],
                        \(rows.map { RecordChecks.isDate($0.record.date) ? $0.record.date : "" })::text[],
                        \(rows.map { $0.record.amountFen.map(String.init) ?? "" })::text[], \(details)::text[], \(rows.map(\.source))::text[],
                        \(rows.map { $0.decision.householdId ?? "" })::text[], \(rows.map(\.decision.status))::text[],
                        \(rows.map(\.decision.reason))::text[], \(rows.map { $0.decision.warningId ?? "" })::text[])
                 AS u(d, r, p, i, n, k, fd, a, det, s, h, st, re, w)
            ON CONFLICT (department, record_id) DO NOTHING
            RETURNING department, record_id
            """, logger: logger)
        var stored = Set<RecordKey>()
        for try await (department, recordId) in result.decode((String, String).self) { stored.insert(RecordKey(department: department, recordId: recordId)) }
        if stored.count < rows.count,
            rows.contains(where: { $0.decision.householdId != nil && !stored.contains(RecordKey($0.record)) })
        {
            throw PassingConflict(reason: "a matched record of the batch was stored by another transaction meanwhile")
        }
        return stored
    }

    /// Registry versions and screening exclude each other (one advisory lock in the two-key space, apart
    /// from the households' locks). Without it a record could be found unmatched by a batch that read the
    /// registry copy just before a new version of a household committed, and be stored after that
    /// version's rematch had looked for unmatched records: it would stay unmatched for good. Screening
    /// holds the lock shared (batches do not wait for each other), a registry version exclusively; both
    /// take it first in their transaction, before any household lock, so neither waits in a cycle.
    func shareRegistry() async throws {
        try await connection.query("SELECT pg_advisory_xact_lock_shared(\(unescaped: Self.registryLockKey))", logger: logger)
    }

    /// Holds the registry copy against screening until commit (`shareRegistry`).
    func holdRegistry() async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(\(unescaped: Self.registryLockKey))", logger: logger)
    }

    static let registryLockKey = "hashtext('department-screening'), hashtext('registry')"

    /// The household of each ID number found, following `supersededBy` to the household that absorbed it.
    func households(of idNumbers: [String]) async throws -> [String: RegistryMatch] {
        guard !idNumbers.isEmpty else { return [:] }
        let rows = try await connection.query("""
            WITH RECURSIVE chain(id_number, household_id, village_code, superseded_by, depth) AS (
                SELECT m.id_number, h.household_id, h.village_code, h.superseded_by, 0
                FROM registry_members m JOIN registry_households h ON h.household_id = m.household_id WHERE m.id_number = ANY(\(idNumbers))
                UNION ALL
                SELECT c.id_number, h.household_id, h.village_code, h.superseded_by, c.depth + 1
                FROM chain c JOIN registry_households h ON h.household_id = c.superseded_by WHERE c.depth < 10
            )
            SELECT DISTINCT ON (id_number) id_number, household_id, village_code FROM chain WHERE superseded_by IS NULL ORDER BY id_number, depth DESC
            """, logger: logger)
        var matches: [String: RegistryMatch] = [:]
        for try await (idNumber, household, village) in rows.decode((String, String, String).self) {
            matches[idNumber] = RegistryMatch(householdId: household, villageCode: village)
        }
        return matches
    }

    /// Screening of these households waits for any other transaction screening them, and holds them
    /// until commit; the locks are taken in one order, so two batches never deadlock each other.
    func lock(households: [String]) async throws {
        guard !households.isEmpty else { return }
        try await connection.query("""
            SELECT pg_advisory_xact_lock(key)
            FROM (SELECT DISTINCT hashtext('screening:' || h) AS key FROM unnest(\(households)::text[]) AS h ORDER BY key) AS ordered
            """, logger: logger)
    }

    /// Locks the households no other transaction is screening, without waiting; returns the others
    /// (busy). Taking a lock without waiting cannot deadlock, in any order.
    func lockUnlessBusy(households: [String]) async throws -> Set<String> {
        guard !households.isEmpty else { return [] }
        let rows = try await connection.query("""
            SELECT h FROM unnest(\(households)::text[]) AS h WHERE NOT pg_try_advisory_xact_lock(hashtext('screening:' || h))
            """, logger: logger)
        var busy = Set<String>()
        for try await household in rows.decode(String.self) { busy.insert(household) }
        return busy
    }

    /// The households review monitors, also through a household merged into them: review keeps its
    /// case on the household it decided about, and its later elimination ends the monitoring here too.
    func monitored(_ households: [String]) async throws -> Set<String> {
        guard !households.isEmpty else { return [] }
        let rows = try await connection.query("""
            WITH RECURSIVE absorbed(survivor, household_id, depth) AS (
                SELECT h, h, 0 FROM unnest(\(households)::text[]) AS h
                UNION ALL
                SELECT a.survivor, r.household_id, a.depth + 1
                FROM absorbed a JOIN registry_households r ON r.superseded_by = a.household_id WHERE a.depth < 10
            )
            SELECT DISTINCT a.survivor FROM absorbed a JOIN monitored_households m ON m.household_id = a.household_id
            """, logger: logger)
        var found = Set<String>()
        for try await household in rows.decode(String.self) { found.insert(household) }
        return found
    }

    /// The households' amounts that the rules may add up with the batch's (within the widest window
    /// before or after the batch's dates: records arrive in any order) and their reported incomes.
    func amountFacts(households: [String], rules: [WarningRule], around dates: [String]) async throws -> [String: [HouseholdState.AmountFact]] {
        guard !households.isEmpty else { return [:] }
        let aggregate = rules.filter { $0.aggregateMonths != nil }
        let validDates = dates.filter(RecordChecks.isDate)
        let kinds = Array(Set(aggregate.flatMap(\.kinds)))
        let months = aggregate.compactMap(\.aggregateMonths).max() ?? 0
        let from = validDates.min().map { HouseholdState.day($0, monthsBefore: months) } ?? "2000-01-01"
        let to = validDates.max().map { HouseholdState.day($0, monthsBefore: -months) } ?? "2000-01-01"
        let rows = try await connection.query("""
            SELECT household_id, kind, to_char(fact_date, 'YYYY-MM-DD'), amount_fen FROM department_records
            WHERE household_id = ANY(\(households)) AND status <> 'rejected' AND amount_fen IS NOT NULL AND fact_date IS NOT NULL
              AND ((kind = ANY(\(kinds)) AND fact_date > \(from)::date AND fact_date <= \(to)::date) OR kind = \(FactKind.householdIncome.rawValue))
            ORDER BY fact_date, received_at, department, record_id
            """, logger: logger)
        var facts: [String: [HouseholdState.AmountFact]] = [:]
        for try await (household, kind, date, amount) in rows.decode((String, String, String, Int64).self) {
            facts[household, default: []].append(.init(kind: kind, date: date, amountFen: amount))
        }
        return facts
    }

    func warnedFactKeys(_ keys: [String]) async throws -> Set<String> {
        guard !keys.isEmpty else { return [] }
        let rows = try await connection.query("SELECT fact_key FROM warned_facts WHERE fact_key = ANY(\(Array(Set(keys))))", logger: logger)
        var found = Set<String>()
        for try await key in rows.decode(String.self) { found.insert(key) }
        return found
    }

    /// Households an aggregate rule warned within its window (a rule id may have another window in
    /// another year: each window is asked for).
    func recentlyWarned(households: [String], rules: [WarningRule]) async throws -> Set<HouseholdState.HouseholdRule> {
        let windows = Array(Set(rules.compactMap { rule in rule.aggregateMonths.map { RuleWindow(id: rule.id, months: $0) } }))
        guard !households.isEmpty, !windows.isEmpty else { return [] }
        let rows = try await connection.query("""
            SELECT DISTINCT w.household_id, w.rule_id, r.m::bigint
            FROM warned_facts w JOIN unnest(\(windows.map(\.id))::text[], \(windows.map(\.months))::int[]) AS r(id, m) ON w.rule_id = r.id
            WHERE w.household_id = ANY(\(households)) AND w.warned_at > now() - r.m * interval '1 month'
            """, logger: logger)
        var found = Set<HouseholdState.HouseholdRule>()
        for try await (household, rule, months) in rows.decode((String, String, Int).self) {
            found.insert(.init(householdId: household, ruleId: rule, months: months))
        }
        return found
    }

    private struct RuleWindow: Hashable {
        var id: String
        var months: Int
    }

    /// Raises the groups' warnings or joins the household's warning of the month that review has not
    /// settled yet; returns each group's warning id and whether it is new.
    func upsert(_ groups: [WarningGroups.Group]) async throws -> [WarningGroups.Key: (String, Bool)] {
        guard !groups.isEmpty else { return [:] }
        let separator = "\u{1F}"
        let rows = try await connection.query("""
            INSERT INTO warnings (id, household_id, village_code, period, rules, evidence, severity, risks, discovered_on, raised_at)
            SELECT \(unescaped: RecordNumberSQL.next(prefix: "YJ", sequence: "warning_number_seq")),
                   h, v, p, string_to_array(ru, \(separator)), string_to_array(ev, \(separator)), sv, string_to_array(ri, \(separator)), d::date, now()
            FROM unnest(\(groups.map(\.householdId))::text[], \(groups.map(\.villageCode))::text[], \(groups.map(\.key.period))::text[],
                        \(groups.map { $0.rules.map(\.id).joined(separator: separator) })::text[],
                        \(groups.map { $0.evidence.joined(separator: separator) })::text[], \(groups.map(\.severity))::text[],
                        \(groups.map { $0.risks.joined(separator: separator) })::text[], \(groups.map(\.discoveredOn))::text[])
                 AS u(h, v, p, ru, ev, sv, ri, d)
            ON CONFLICT (household_id, period) WHERE outcome IS NULL DO UPDATE SET
                rules = ARRAY(SELECT DISTINCT unnest(warnings.rules || EXCLUDED.rules)),
                evidence = warnings.evidence || EXCLUDED.evidence,
                risks = ARRAY(SELECT DISTINCT unnest(warnings.risks || EXCLUDED.risks)),
                severity = CASE WHEN 'high' IN (warnings.severity, EXCLUDED.severity) THEN 'high'
                                WHEN 'medium' IN (warnings.severity, EXCLUDED.severity) THEN 'medium' ELSE 'low' END,
                discovered_on = least(warnings.discovered_on, EXCLUDED.discovered_on)
            RETURNING household_id, period, id, xmax = 0
            """, logger: logger)
        var result: [WarningGroups.Key: (String, Bool)] = [:]
        for try await (household, period, id, isNew) in rows.decode((String, String, String, Bool).self) {
            result[WarningGroups.Key(householdId: household, period: period)] = (id, isNew)
        }
        return result
    }

    struct WarnedFact: Sendable {
        var key: String
        var householdId: String
        var ruleId: String
        var warningId: String
    }

    func recordWarnedFacts(_ facts: [WarnedFact]) async throws {
        guard !facts.isEmpty else { return }
        try await connection.query("""
            INSERT INTO warned_facts (fact_key, household_id, rule_id, warning_id, warned_at)
            SELECT k, h, r, w, now()
            FROM unnest(\(facts.map(\.key))::text[], \(facts.map(\.householdId))::text[], \(facts.map(\.ruleId))::text[], \(facts.map(\.warningId))::text[])
                 AS u(k, h, r, w)
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }
}
