import Foundation
import LifelineEvents

/// A policy year (保险年度): the fund the district put in and each line's rule. Claims belong to the
/// year of their incident.
struct PolicyYear: Codable, Sendable, Hashable {
    var year: Int
    var name: String
    var fundFen: Int64
    /// Thresholds of use of the fund that raise `FundThresholdReached`, in basis points (8000 = 80%).
    var thresholdsBasisPoints: [Int]
    var lines: [PayoutRule]

    static let years = 1990...2100

    func rule(_ line: InsuranceLine) -> PayoutRule? { lines.first { $0.line == line } }

    /// Every problem of a year as the district sent it.
    func problems() -> [(field: String, message: String)] {
        var list: [(field: String, message: String)] = []
        if name.trimmingCharacters(in: .whitespaces).isEmpty || name.count > 60 { list.append(("name", "应为1至60字")) }
        if !(0...Money.maxAmountFen * 100).contains(fundFen) { list.append(("fundFen", "应为0至100亿元之间的金额（分）")) }
        if thresholdsBasisPoints.contains(where: { !(1...10_000).contains($0) }) || Set(thresholdsBasisPoints).count != thresholdsBasisPoints.count {
            list.append(("thresholdsBasisPoints", "应为1至10000之间、互不相同的万分比"))
        }
        if lines.isEmpty { list.append(("lines", "至少设置一个险种的赔付规则")) }
        if Set(lines.map(\.line)).count != lines.count { list.append(("lines", "每个险种只能设置一条规则")) }
        for (index, rule) in lines.enumerated() { list += rule.problems(prefix: "lines[\(index)]") }
        return list
    }
}

/// A policy year with what has been used of its fund.
struct PolicyYearView: Encodable, Sendable {
    var year: Int
    var name: String
    var fundFen: Int64
    var reservedFen: Int64
    var paidFen: Int64
    var committedFen: Int64
    var remainingFen: Int64
    var thresholdsBasisPoints: [Int]
    var thresholdsReached: [Int]
    var lines: [LineView]
    var updatedBy: String
    var updatedAt: Date

    struct LineView: Encodable, Sendable {
        var line: String
        var name: String
        var deductibleFen: Int64
        var ratioBasisPoints: Int
        var categoryRatios: [String: Int]
        var claimCapFen: Int64
        var yearCapFen: Int64
        var lossKinds: [PayoutRule.LossKind]
        var deductOtherPayments: Bool

        init(_ rule: PayoutRule) {
            line = rule.line.rawValue
            name = rule.line.chineseName
            deductibleFen = rule.deductibleFen
            ratioBasisPoints = rule.ratioBasisPoints
            categoryRatios = rule.categoryRatios
            claimCapFen = rule.claimCapFen
            yearCapFen = rule.yearCapFen
            lossKinds = rule.lossKinds
            deductOtherPayments = rule.deductOtherPayments
        }
    }
}
