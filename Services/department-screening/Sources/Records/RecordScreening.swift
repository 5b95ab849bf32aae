import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging

/// Screens department records (筛查), a batch at a time with a fixed number of statements whatever
/// its size: finds the records received before (the same record again raises nothing new), matches the person
/// to a household of the registry copy, applies the year's warning rules, skips facts already warned
/// and monitored households, joins the household's warning of the month or raises one
/// (`WarningRaised`), stores each new record once with its outcome, and tells the department what
/// became of every record (`RecordFeedback`).
///
/// The outcome is the same as screening the records one by one in their order: an aggregate rule
/// (the household's medical costs over 12 months) sees the records before it in the batch, and a fact
/// warned earlier in the batch is not warned again.
struct RecordScreening: Sendable {
    let publisher: EventPublisher
    let logger: Logger

    enum Outcome: Sendable, Hashable {
        case duplicate, rejected, unmatched, matchedWithoutWarning, warningRaised(newWarning: Bool)
        /// Not screened: its household was busy in another transaction (`deferringBusyHouseholds`).
        case deferred
    }

    /// One record, where it came from (`push`, `file:<job>`) and the event it came in, if any.
    struct Incoming: Sendable {
        var record: DepartmentRecordPushed
        var source: String
        var cause: CloudEvent? = nil
        /// The record's `RecordChecks` problems, when the caller has checked it already (a file's rows).
        var problems: [RecordChecks.Problem]? = nil
    }

    /// Screens `incoming` in order inside the caller's transaction; one outcome per record. The events
    /// about a record are caused by the event it came in.
    ///
    /// A household another transaction is screening is waited for, or with `deferringBusyHouseholds`
    /// not waited for: its records here are left out (`deferred`) for the caller to screen later, in
    /// their order and before any later record of theirs (a file's next batch).
    /// `afterLocking` runs once the households of the batch are locked, with the indices of the records
    /// deferred (a file's batches pass their turn on to the next batch there); what it throws ends the
    /// screening.
    @discardableResult
    func screenAll(
        _ incoming: [Incoming], on connection: PostgresConnection, deferringBusyHouseholds: Bool = false,
        afterLocking: @Sendable ([Int]) async throws -> Void = { _ in }
    ) async throws -> [Outcome] {
        guard !incoming.isEmpty else { return [] }
        let queries = ScreeningQueries(connection: connection, logger: logger)
        let asReceived = incoming.map { item -> DepartmentRecordPushed in
            var record = item.record
            // The number as the registry holds it (spaces trimmed, a lower-case x upper-cased).
            if case .success(let number) = CitizenIdNumber.parse(record.idNumber) { record.idNumber = number.value }
            return record
        }
        let problems = zip(asReceived, incoming).map { record, item in item.problems ?? RecordChecks.problems(record) }
        // Checked as received, stored and answered without what PostgreSQL cannot hold (U+0000).
        let records = asReceived.map(RecordChecks.storable)

        // 1. A record received before (earlier in the batch or stored) is a duplicate; the others are
        //    stored once decided (step 4).
        var firstOccurrence = Set<RecordKey>()
        var candidates: [Int] = []
        for (index, record) in records.enumerated() where firstOccurrence.insert(RecordKey(record)).inserted { candidates.append(index) }
        let received = try await queries.received(candidates.map { RecordKey(records[$0]) })
        var fresh = candidates.filter { !received.contains(RecordKey(records[$0])) }

        // 2. Match people to households; lock those households (records of one household arrive on
        //    several partitions and in files at once), or leave out those busy elsewhere; read what the
        //    rules need about them.
        var valid = fresh.filter { problems[$0].isEmpty }
        if !valid.isEmpty { try await queries.shareRegistry() }
        let matches = try await queries.households(of: Array(Set(valid.map { records[$0].idNumber })))
        var households = Array(Set(matches.values.map(\.householdId)))
        var deferred: [Int] = []
        if deferringBusyHouseholds {
            let busy = try await queries.lockUnlessBusy(households: households)
            if !busy.isEmpty {
                deferred = valid.filter { matches[records[$0].idNumber].map { busy.contains($0.householdId) } ?? false }
                let left = Set(deferred)
                fresh.removeAll { left.contains($0) }
                valid.removeAll { left.contains($0) }
                households.removeAll { busy.contains($0) }
            }
        } else {
            try await queries.lock(households: households)
        }
        try await afterLocking(deferred)
        var rulesByPeriod: [String: [WarningRule]] = [:]
        for period in Set(valid.map { records[$0].period }) {
            rulesByPeriod[period] = try await WarningRule.inForce(period: period, on: connection, logger: logger)
        }
        let allRules = rulesByPeriod.values.flatMap { $0 }
        let matchedRecords = valid.compactMap { index in matches[records[index].idNumber].map { (records[index], $0) } }
        var state = HouseholdState(
            monitored: try await queries.monitored(households),
            facts: try await queries.amountFacts(households: households, rules: allRules, around: matchedRecords.map(\.0.date)),
            warnedFactKeys: try await queries.warnedFactKeys(matchedRecords.flatMap { record, _ in
                allRules.filter { $0.aggregateMonths == nil && $0.kinds.contains(record.kind.rawValue) }.map { Self.factKey(record, rule: $0) }
            }),
            recentlyWarned: try await queries.recentlyWarned(households: households, rules: allRules.filter { $0.aggregateMonths != nil }))

        // 3. Decide each record in order.
        var decisions: [Int: Decision] = [:]
        var warnings = WarningGroups()
        for index in fresh {
            let record = records[index]
            guard problems[index].isEmpty else {
                decisions[index] = .init(outcome: .rejected, status: "rejected", reason: problems[index].map(\.text).joined(separator: "；"))
                continue
            }
            guard let match = matches[record.idNumber] else {
                decisions[index] = .init(outcome: .unmatched, status: "unmatched", reason: "户籍信息中无此人")
                continue
            }
            state.add(record, to: match.householdId)
            if let reason = state.reasonNotToWarn(record, household: match.householdId) {
                decisions[index] = .init(outcome: .matchedWithoutWarning, status: "matched", reason: reason, householdId: match.householdId)
                continue
            }
            let considered = (rulesByPeriod[record.period] ?? []).filter { $0.kinds.contains(record.kind.rawValue) }
            var fired: [WarningRule] = [], warnedBefore: [WarningRule] = []
            for rule in considered where state.fires(rule, record: record, household: match.householdId) {
                if state.warnedBefore(rule, record: record, household: match.householdId, key: Self.factKey(record, rule: rule)) {
                    warnedBefore.append(rule)
                } else {
                    fired.append(rule)
                }
            }
            guard !fired.isEmpty else {
                // Why not, naming the conditions of the rules for this kind of fact.
                let reason =
                    !warnedBefore.isEmpty ? "同一事实此前已预警：" + warnedBefore.map(\.name).joined(separator: "；")
                    : record.kind == .householdIncome ? "家庭收入信息，用于判断医疗支出占收入的比例"
                    : considered.isEmpty ? "该类事实没有启用的预警规则" : "未达到预警条件：" + considered.map(\.condition).joined(separator: "；")
                decisions[index] = .init(outcome: .matchedWithoutWarning, status: "matched", reason: reason, householdId: match.householdId)
                continue
            }
            for rule in fired { state.warned(rule, household: match.householdId, key: Self.factKey(record, rule: rule)) }
            warnings.add(record, index: index, match: match, rules: fired)
            decisions[index] = .init(
                outcome: .warningRaised(newWarning: false), status: "warned", reason: fired.map(\.name).joined(separator: "；"), householdId: match.householdId,
                fired: fired)
        }

        // 4. One warning per household and month: new ones are raised, later facts join them.
        let upserted = try await queries.upsert(warnings.groups)
        var raised: [(payload: WarningRaised, cause: CloudEvent?)] = []
        var warnedFacts: [ScreeningQueries.WarnedFact] = []
        for group in warnings.groups {
            guard let (warningId, isNew) = upserted[group.key] else { continue }
            for index in group.indices {
                decisions[index]?.warningId = warningId
                for rule in decisions[index]?.fired ?? [] {
                    warnedFacts.append(.init(key: Self.factKey(records[index], rule: rule), householdId: group.householdId, ruleId: rule.id, warningId: warningId))
                }
            }
            if isNew {
                decisions[group.indices[0]]?.outcome = .warningRaised(newWarning: true)
                raised.append((group.event(warningId: warningId), incoming[group.indices[0]].cause))
            }
        }
        try await queries.recordWarnedFacts(warnedFacts)
        let stored = try await queries.store(fresh.compactMap { index in decisions[index].map { (records[index], incoming[index].source, $0) } })
        for index in fresh where !stored.contains(RecordKey(records[index])) {
            decisions[index] = nil  // unmatched or rejected, received meanwhile by another transaction: a duplicate
        }

        // 5. The events, in the same transaction (outbox).
        try await publisher.publishAll(raised, on: connection)
        let now = Date()
        try await publisher.publishAll(fresh.compactMap { index -> (payload: RecordFeedback, cause: CloudEvent?)? in
            guard let decision = decisions[index], let outcome = decision.feedbackOutcome else { return nil }
            let record = records[index]
            return (RecordFeedback(
                department: record.department, recordId: record.recordId, period: record.period, outcome: outcome, reason: decision.reason,
                warningId: decision.warningId, at: now), incoming[index].cause)
        }, on: connection)

        let left = Set(deferred)
        return records.indices.map { decisions[$0]?.outcome ?? (left.contains($0) ? .deferred : .duplicate) }
    }

    /// The same fact (person, kind, date) reported again in a later month is the same fact.
    static func factKey(_ record: DepartmentRecordPushed, rule: WarningRule) -> String {
        "\(rule.id)|\(record.department)|\(record.kind.rawValue)|\(record.idNumber)|\(record.date)"
    }
}

/// A department's record id: a record's identity.
struct RecordKey: Hashable, Sendable {
    var department: String
    var recordId: String

    init(_ record: DepartmentRecordPushed) {
        department = record.department
        recordId = record.recordId
    }

    init(department: String, recordId: String) {
        self.department = department
        self.recordId = recordId
    }
}

/// What screening decided for one stored record.
struct Decision: Sendable {
    var outcome: RecordScreening.Outcome
    var status: String
    var reason: String
    var householdId: String?
    var fired: [WarningRule] = []
    var warningId: String?

    var feedbackOutcome: RecordFeedback.Outcome? {
        switch outcome {
        case .duplicate, .deferred: nil
        case .rejected: .rejected
        case .unmatched: .unmatched
        case .matchedWithoutWarning: .matchedWithoutWarning
        case .warningRaised: .warningRaised
        }
    }
}
