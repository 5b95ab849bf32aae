import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging

/// Screens one department record (筛查): stores it once (the same record again raises nothing new),
/// matches the person to a household of the registry copy, applies the year's warning rules, skips
/// facts already warned and monitored households, joins the household's warning of the month or raises
/// one (`WarningRaised`), and tells the department what became of the record (`RecordFeedback`).
struct RecordScreening: Sendable {
    let publisher: EventPublisher
    let logger: Logger

    enum Outcome: Sendable, Hashable {
        case duplicate, rejected, unmatched, matchedWithoutWarning, warningRaised(newWarning: Bool)
    }

    @discardableResult
    func screen(_ pushed: DepartmentRecordPushed, source: String, cause: CloudEvent?, on connection: PostgresConnection) async throws -> Outcome {
        var record = pushed
        // The number as the registry holds it (spaces trimmed, a lower-case x upper-cased).
        if case .success(let number) = CitizenIdNumber.parse(record.idNumber) { record.idNumber = number.value }
        let problems = RecordChecks.problems(record)
        let detailsJSON = String(decoding: try JSONEncoder().encode(record.details ?? [:]), as: UTF8.self)
        let stored = try await connection.query("""
            INSERT INTO department_records (department, record_id, period, id_number, name, kind, fact_date, amount_fen, details, source, status, reason)
            VALUES (\(record.department), \(record.recordId), \(record.period), \(record.idNumber), \(record.name), \(record.kind.rawValue),
                    \(RecordChecks.isDate(record.date) ? record.date : nil)::date, \(record.amountFen), \(detailsJSON)::jsonb, \(source),
                    \(problems.isEmpty ? "matched" : "rejected"), \(problems.isEmpty ? nil : problems.map(\.text).joined(separator: "；")))
            ON CONFLICT (department, record_id) DO NOTHING RETURNING 1
            """, logger: logger).hasRow
        guard stored else { return .duplicate }
        guard problems.isEmpty else {
            try await feedback(record, .rejected, reason: problems.map(\.text).joined(separator: "；"), cause: cause, on: connection)
            return .rejected
        }
        guard let match = try await RegistryMatch.find(idNumber: record.idNumber, on: connection, logger: logger) else {
            try await setStatus(record, "unmatched", reason: "户籍信息中无此人", on: connection)
            try await feedback(record, .unmatched, reason: "户籍信息中无此人", cause: cause, on: connection)
            return .unmatched
        }
        // Records of one household arrive on several partitions (keyed by record id): screen them one at
        // a time, so that two expenses arriving together both count towards the household's total.
        try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\("screening:" + match.householdId)))", logger: logger)
        try await connection.query("""
            UPDATE department_records SET household_id = \(match.householdId) WHERE department = \(record.department) AND record_id = \(record.recordId)
            """, logger: logger)
        if let reason = try await reasonNotToWarn(record, match: match, on: connection) {
            try await setStatus(record, "matched", reason: reason.text, on: connection)
            try await feedback(record, .matchedWithoutWarning, reason: reason.text, cause: cause, on: connection)
            return .matchedWithoutWarning
        }
        let (fired, warnedBefore, considered) = try await firedRules(record, match: match, on: connection)
        guard !fired.isEmpty else {
            // Why not, naming the conditions of the rules for this kind of fact.
            let reason =
                !warnedBefore.isEmpty ? "同一事实此前已预警：" + warnedBefore.map(\.name).joined(separator: "；")
                : considered.isEmpty ? "该类事实没有启用的预警规则" : "未达到预警条件：" + considered.map(\.condition).joined(separator: "；")
            try await setStatus(record, "matched", reason: reason, on: connection)
            try await feedback(record, .matchedWithoutWarning, reason: reason, cause: cause, on: connection)
            return .matchedWithoutWarning
        }
        let (warningId, isNew) = try await warn(record, match: match, rules: fired, cause: cause, on: connection)
        try await connection.query("""
            UPDATE department_records SET status = 'warned', warning_id = \(warningId), reason = \(fired.map(\.name).joined(separator: "；"))
            WHERE department = \(record.department) AND record_id = \(record.recordId)
            """, logger: logger)
        try await feedback(record, .warningRaised, reason: fired.map(\.name).joined(separator: "；"), warningId: warningId, cause: cause, on: connection)
        return .warningRaised(newWarning: isNew)
    }

    struct SkipReason {
        var text: String
    }

    private func reasonNotToWarn(_ record: DepartmentRecordPushed, match: RegistryMatch, on connection: PostgresConnection) async throws -> SkipReason? {
        if FactKind.comparisonKinds.contains(record.kind) { return SkipReason(text: "比对类数据，用于认定时的信息比对") }
        let monitored = try await connection.query("SELECT 1 FROM monitored_households WHERE household_id = \(match.householdId)", logger: logger).hasRow
        if monitored { return SkipReason(text: "该户已是监测对象，不再预警") }
        return nil
    }

    /// The rules that fire and whose fact was not warned before (a per-record fact once; an aggregate
    /// rule once per household in its window).
    private func firedRules(
        _ record: DepartmentRecordPushed, match: RegistryMatch, on connection: PostgresConnection
    ) async throws -> (fired: [WarningRule], warnedBefore: [WarningRule], considered: [WarningRule]) {
        var fired: [WarningRule] = [], warned: [WarningRule] = []
        let considered = try await WarningRule.inForce(period: record.period, on: connection, logger: logger).filter { $0.kinds.contains(record.kind.rawValue) }
        for rule in considered {
            var total: Int64?
            if let months = rule.aggregateMonths {
                let rows = try await connection.query("""
                    SELECT coalesce(sum(amount_fen), 0)::bigint FROM department_records
                    WHERE household_id = \(match.householdId) AND kind = ANY(\(rule.kinds)) AND status <> 'rejected'
                      AND fact_date > \(record.date)::date - (\(months)::int * interval '1 month') AND fact_date <= \(record.date)::date
                    """, logger: logger)
                for try await sum in rows.decode(Int64.self) { total = sum }
            }
            guard rule.fires(kind: record.kind.rawValue, amountFen: record.amountFen, details: record.details ?? [:], householdTotalFen: total) else { continue }
            let warnedBefore: Bool
            if let months = rule.aggregateMonths {
                warnedBefore = try await connection.query("""
                    SELECT 1 FROM warned_facts WHERE household_id = \(match.householdId) AND rule_id = \(rule.id)
                      AND warned_at > now() - (\(months)::int * interval '1 month')
                    """, logger: logger).hasRow
            } else {
                warnedBefore = try await connection.query("SELECT 1 FROM warned_facts WHERE fact_key = \(factKey(record, rule: rule))", logger: logger).hasRow
            }
            if warnedBefore { warned.append(rule) } else { fired.append(rule) }
        }
        return (fired, warned, considered)
    }

    /// The same fact (person, kind, date) reported again in a later month is the same fact.
    private func factKey(_ record: DepartmentRecordPushed, rule: WarningRule) -> String {
        "\(rule.id)|\(record.department)|\(record.kind.rawValue)|\(record.idNumber)|\(record.date)"
    }

    private func warn(
        _ record: DepartmentRecordPushed, match: RegistryMatch, rules: [WarningRule], cause: CloudEvent?, on connection: PostgresConnection
    ) async throws -> (String, Bool) {
        let newId = try await nextWarningId(on: connection)
        let evidence = "\(record.department):\(record.recordId)"
        let severity = rules.map(\.severity).min { WarningRule.severities.firstIndex(of: $0)! < WarningRule.severities.firstIndex(of: $1)! } ?? "medium"
        let risks = Array(Set(rules.flatMap(\.risks))).sorted()
        // Several facts about one household in one month make one warning: later facts join it.
        let rows = try await connection.query("""
            INSERT INTO warnings (id, household_id, village_code, period, rules, evidence, severity, risks, discovered_on, raised_at)
            VALUES (\(newId), \(match.householdId), \(match.villageCode), \(record.period), \(rules.map(\.id)), \([evidence]),
                    \(severity), \(risks), \(record.date)::date, now())
            ON CONFLICT (household_id, period) DO UPDATE SET
                rules = ARRAY(SELECT DISTINCT unnest(warnings.rules || EXCLUDED.rules)),
                evidence = warnings.evidence || EXCLUDED.evidence,
                risks = ARRAY(SELECT DISTINCT unnest(warnings.risks || EXCLUDED.risks))
            RETURNING id, id = \(newId)
            """, logger: logger)
        var result: (String, Bool) = (newId, true)
        for try await (id, isNew) in rows.decode((String, Bool).self) { result = (id, isNew) }
        for rule in rules {
            try await connection.query("""
                INSERT INTO warned_facts (fact_key, household_id, rule_id, warning_id, warned_at)
                VALUES (\(factKey(record, rule: rule)), \(match.householdId), \(rule.id), \(result.0), now()) ON CONFLICT DO NOTHING
                """, logger: logger)
        }
        if result.1 {
            try await publisher.publish(WarningRaised(
                warningId: result.0, householdId: match.householdId, villageCode: match.villageCode, rules: rules.map(\.id), evidence: [evidence],
                severity: WarningRaised.Severity(uncheckedRawValue: severity), risks: risks.map(DifficultyType.init(uncheckedRawValue:)),
                summary: "\(record.department)：" + rules.map(\.name).joined(separator: "；"),
                discoveredAt: ISO8601DateFormatter.beijingDay(record.date) ?? Date()
            ), on: connection, causedBy: cause)
        }
        return result
    }

    private func nextWarningId(on connection: PostgresConnection) async throws -> String {
        let rows = try await connection.query("""
            SELECT 'YJ' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad(nextval('warning_number_seq')::text, 6, '0')
            """, logger: logger)
        for try await id in rows.decode(String.self) { return id }
        throw EventHandlingError(code: .temporarilyUnavailable, reason: "warning number sequence returned nothing", isRetriable: true)
    }

    private func setStatus(_ record: DepartmentRecordPushed, _ status: String, reason: String, on connection: PostgresConnection) async throws {
        try await connection.query("""
            UPDATE department_records SET status = \(status), reason = \(reason) WHERE department = \(record.department) AND record_id = \(record.recordId)
            """, logger: logger)
    }

    private func feedback(
        _ record: DepartmentRecordPushed, _ outcome: RecordFeedback.Outcome, reason: String?, warningId: String? = nil, cause: CloudEvent?,
        on connection: PostgresConnection
    ) async throws {
        try await publisher.publish(RecordFeedback(
            department: record.department, recordId: record.recordId, period: record.period, outcome: outcome, reason: reason, warningId: warningId,
            at: Date()
        ), on: connection, causedBy: cause)
    }
}

extension ISO8601DateFormatter {
    /// Midnight in Beijing of a `yyyy-MM-dd` day.
    static func beijingDay(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text + "T00:00:00+08:00")
    }
}
