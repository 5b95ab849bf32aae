import Foundation
import LifelineEvents
import LifelinePersistence
import Logging

/// A warning rule of a year (预警规则), as data: which kinds of fact fire it, an amount threshold
/// (summed over the household's last `aggregateMonths` months when set) or a share of the household's
/// reported yearly income (家庭收入核对), a detail that must have one of some values (the grade of a
/// house or a disability), the risks it points to and its severity.
struct WarningRule: Codable, Sendable, Hashable {
    var year: Int
    var id: String
    var name: String
    var kinds: [String]
    var minAmountFen: Int64?
    var aggregateMonths: Int?
    /// Fires also when the amount (or the household's total) reaches this percentage of the
    /// household's latest reported yearly income.
    var minIncomeSharePercent: Int?
    var detailKey: String?
    var detailValues: [String]?
    var risks: [String]
    var severity: String
    var enabled: Bool

    static let severities = ["high", "medium", "low"]

    /// The rules in force for a period: those of its year, or of the latest earlier year with rules.
    static func inForce(period: String, on connection: PostgresConnection, logger: Logger) async throws -> [WarningRule] {
        let year = Int(period.prefix(4)) ?? 0
        return try await load(where: """
            WHERE enabled AND year = (SELECT max(year) FROM warning_rules WHERE year <= \(year))
            """, on: connection, logger: logger)
    }

    static func load(where filter: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws -> [WarningRule] {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT year, id, name, kinds, min_amount_fen, aggregate_months, min_income_share_percent, detail_key, detail_values, risks, severity, enabled
            FROM warning_rules \(filter.sql) ORDER BY year, id
            """, binds: filter.binds), logger: logger)
        var rules: [WarningRule] = []
        for try await row in rows {
            let c = try row.decode((Int, String, String, [String], Int64?, Int?, Int?, String?, [String]?, [String], String, Bool).self)
            rules.append(WarningRule(
                year: c.0, id: c.1, name: c.2, kinds: c.3, minAmountFen: c.4, aggregateMonths: c.5, minIncomeSharePercent: c.6, detailKey: c.7,
                detailValues: c.8, risks: c.9, severity: c.10, enabled: c.11))
        }
        return rules
    }

    /// Whether the rule fires for `record`; `householdTotalFen` is the household's sum of amounts of
    /// the rule's kinds over its aggregate window (for aggregate rules), `householdIncomeFen` its
    /// latest reported yearly income (for a share-of-income condition). With both an amount and a
    /// share, either suffices.
    func fires(kind: String, amountFen: Int64?, details: [String: String], householdTotalFen: Int64?, householdIncomeFen: Int64? = nil) -> Bool {
        guard kinds.contains(kind) else { return false }
        if let key = detailKey, let values = detailValues {
            guard let value = details[key], values.contains(value) else { return false }
        }
        guard minAmountFen != nil || minIncomeSharePercent != nil else { return true }
        let amount = aggregateMonths == nil ? (amountFen ?? 0) : (householdTotalFen ?? amountFen ?? 0)
        if let minimum = minAmountFen, amount >= minimum { return true }
        if let share = minIncomeSharePercent, let income = householdIncomeFen, income > 0 {
            return amount * 100 >= income * Int64(share)
        }
        return false
    }

    /// Why the rule did not fire, for the department's feedback.
    var condition: String {
        var parts = [name]
        let subject = aggregateMonths.map { "近\($0)个月合计" } ?? "金额"
        switch (minAmountFen, minIncomeSharePercent) {
        case (let minimum?, let share?): parts.append("\(subject)不低于\(minimum / 100)元或家庭年收入的\(share)%")
        case (let minimum?, nil): parts.append("\(subject)不低于\(minimum / 100)元")
        case (nil, let share?): parts.append("\(subject)不低于家庭年收入的\(share)%")
        case (nil, nil): break
        }
        if let key = detailKey, let values = detailValues { parts.append("\(key)为\(values.joined(separator: "/"))") }
        return parts.joined(separator: "，")
    }
}
