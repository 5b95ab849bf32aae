import Foundation
import LifelineEvents

/// What the warning rules need to know about the households of a batch, read once before it and
/// kept up to date as each record is decided: monitored households, amounts (costs and income) by
/// date, and the facts already warned.
struct HouseholdState: Sendable {
    struct AmountFact: Sendable, Hashable {
        var kind: String
        var date: String
        var amountFen: Int64
    }

    /// An aggregate rule (with its window) and a household it warned.
    struct HouseholdRule: Sendable, Hashable {
        var householdId: String
        var ruleId: String
        var months: Int
    }

    var monitored: Set<String>
    var facts: [String: [AmountFact]]
    var warnedFactKeys: Set<String>
    /// Aggregate rules that warned the household within their window.
    var recentlyWarned: Set<HouseholdRule>

    /// A matched record's amount counts towards its household's totals from now on.
    mutating func add(_ record: DepartmentRecordPushed, to household: String) {
        guard let amount = record.amountFen, RecordChecks.isDate(record.date) else { return }
        facts[household, default: []].append(AmountFact(kind: record.kind.rawValue, date: record.date, amountFen: amount))
    }

    func reasonNotToWarn(_ record: DepartmentRecordPushed, household: String) -> String? {
        if FactKind.comparisonKinds.contains(record.kind) { return "比对类数据，用于认定时的信息比对" }
        if monitored.contains(household) { return "该户已是监测对象，不再预警" }
        return nil
    }

    func fires(_ rule: WarningRule, record: DepartmentRecordPushed, household: String) -> Bool {
        let known = facts[household] ?? []
        var total: Int64?
        if let months = rule.aggregateMonths {
            // The largest total of any window of `months` that holds this record's date: the window
            // ending at it, or at a later fact within `months`. Records of one household come keyed by
            // record id, so on different partitions and in any order: the fact that completes a total
            // may be dated before facts that arrived earlier.
            let counted = known.filter { rule.kinds.contains($0.kind) }
            let ends = [record.date] + counted.map(\.date).filter { $0 > record.date && Self.day($0, monthsBefore: months) < record.date }
            total = ends.map { end in
                let from = Self.day(end, monthsBefore: months)
                return counted.filter { $0.date > from && $0.date <= end }.reduce(0) { $0 + $1.amountFen }
            }.max()
        }
        // The latest income the household is known by (家庭收入核对), the later report winning a tie.
        let income = known.enumerated().filter { $0.element.kind == FactKind.householdIncome.rawValue }
            .max { ($0.element.date, $0.offset) < ($1.element.date, $1.offset) }?.element.amountFen
        return rule.fires(
            kind: record.kind.rawValue, amountFen: record.amountFen, details: record.details ?? [:], householdTotalFen: total, householdIncomeFen: income)
    }

    func warnedBefore(_ rule: WarningRule, record: DepartmentRecordPushed, household: String, key: String) -> Bool {
        guard let months = rule.aggregateMonths else { return warnedFactKeys.contains(key) }
        return recentlyWarned.contains(HouseholdRule(householdId: household, ruleId: rule.id, months: months))
    }

    mutating func warned(_ rule: WarningRule, household: String, key: String) {
        warnedFactKeys.insert(key)
        if let months = rule.aggregateMonths { recentlyWarned.insert(HouseholdRule(householdId: household, ruleId: rule.id, months: months)) }
    }

    /// `yyyy-MM-dd` `months` months earlier (later for a negative `months`), the day kept within the
    /// month (as PostgreSQL's `date - interval 'n months'`).
    static func day(_ text: String, monthsBefore months: Int) -> String {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return text }
        let index = parts[0] * 12 + (parts[1] - 1) - months
        let (year, month) = (index / 12, index % 12 + 1)
        let day = min(parts[2], CivilDay.daysIn(month: month, year: year))
        return CivilDay.text(year: year, month: month, day: day)
    }
}

/// The warnings of a batch, one per household and month, with every fact that fired as evidence, the
/// most severe of its rules and the earliest of its dates (as when facts join a warning raised before).
struct WarningGroups: Sendable {
    struct Key: Hashable, Sendable {
        var householdId: String
        var period: String
    }

    struct Group: Sendable {
        var key: Key
        var villageCode: String
        var rules: [WarningRule] = []
        var evidence: [String] = []
        var summaries: [String] = []
        var indices: [Int] = []
        var discoveredOn: String

        var householdId: String { key.householdId }

        var severity: String {
            rules.map(\.severity).min { WarningRule.severities.firstIndex(of: $0) ?? 9 < WarningRule.severities.firstIndex(of: $1) ?? 9 } ?? "medium"
        }

        var risks: [String] { Array(Set(rules.flatMap(\.risks))).sorted() }

        func event(warningId: String) -> WarningRaised {
            WarningRaised(
                warningId: warningId, householdId: key.householdId, villageCode: villageCode, rules: rules.map(\.id), evidence: evidence,
                severity: WarningRaised.Severity(uncheckedRawValue: severity), risks: risks.map(DifficultyType.init(uncheckedRawValue:)),
                summary: summaries.joined(separator: "；"), discoveredAt: Date.beijingMidnight(of: discoveredOn) ?? Date())
        }
    }

    private(set) var groups: [Group] = []
    private var positions: [Key: Int] = [:]

    mutating func add(_ record: DepartmentRecordPushed, index: Int, match: RegistryMatch, rules: [WarningRule]) {
        let key = Key(householdId: match.householdId, period: record.period)
        let position = positions[key] ?? {
            groups.append(Group(key: key, villageCode: match.villageCode, discoveredOn: record.date))
            positions[key] = groups.count - 1
            return groups.count - 1
        }()
        for rule in rules where !groups[position].rules.contains(where: { $0.id == rule.id }) { groups[position].rules.append(rule) }
        groups[position].evidence.append("\(record.department):\(record.recordId)")
        let summary = "\(record.department)：" + rules.map(\.name).joined(separator: "、")
        if !groups[position].summaries.contains(summary) { groups[position].summaries.append(summary) }
        groups[position].indices.append(index)
        groups[position].discoveredOn = min(groups[position].discoveredOn, record.date)
    }
}

extension Date {
    /// Midnight in Beijing of a `yyyy-MM-dd` day, by calendar arithmetic (a date formatter per
    /// warning showed as a quarter of a file import's time).
    static func beijingMidnight(of text: String) -> Date? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, CivilDay.isValid(year: parts[0], month: parts[1], day: parts[2]) else { return nil }
        let days = CivilDay.daysSinceEpoch(year: parts[0], month: parts[1], day: parts[2])
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 - CivilDay.beijingOffsetSeconds))
    }
}
