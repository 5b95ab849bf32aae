import Foundation
import LifelineEvents

/// A line's payout rule for one policy year (赔付规则): which losses count, what other payments are
/// deducted first, the deductible (免赔额), the payout ratio (赔付比例, possibly by the household's
/// category) and the caps per claim and per household per year. Money in fen, ratios in basis points.
struct PayoutRule: Codable, Sendable, Hashable {
    /// A kind of loss the line pays for.
    struct LossKind: Codable, Sendable, Hashable {
        var code: String
        var name: String
    }

    var line: InsuranceLine
    var deductibleFen: Int64
    /// The ratio when the household's category has none of its own (10000 = 100%).
    var ratioBasisPoints: Int
    /// Ratios by coverage category: `unstableFormerlyPoor`, `marginal`, `suddenHardship` (monitored)
    /// and `certified` (a town's certification of a household outside monitoring).
    var categoryRatios: [String: Int]
    var claimCapFen: Int64
    var yearCapFen: Int64
    var lossKinds: [LossKind]
    /// Whether what other insurance or assistance paid is deducted from the loss first.
    var deductOtherPayments: Bool

    /// The coverage categories a ratio may be set for.
    static let categories = MonitoringCategory.knownValues.map(\.rawValue) + ["certified"]

    func ratio(for category: String) -> Int { categoryRatios[category] ?? ratioBasisPoints }

    /// What the rule pays for a loss, step by step; `usedThisYearFen` is what the household has
    /// already committed on this line this year (approved or paid).
    func payout(lossFen: Int64, otherPaymentsFen: Int64, category: String, usedThisYearFen: Int64) -> [PayoutStep] {
        var steps = [PayoutStep(step: "loss", description: "申报损失 \(Money.yuan(lossFen)) 元", amountFen: lossFen)]
        var amount = lossFen
        if deductOtherPayments && otherPaymentsFen > 0 {
            amount = max(0, amount - otherPaymentsFen)
            steps.append(PayoutStep(
                step: "otherPayments", description: "扣除其他保险或救助已支付 \(Money.yuan(otherPaymentsFen)) 元", amountFen: amount))
        }
        if deductibleFen > 0 {
            amount = max(0, amount - deductibleFen)
            steps.append(PayoutStep(step: "deductible", description: "扣除免赔额 \(Money.yuan(deductibleFen)) 元", amountFen: amount))
        }
        let ratio = ratio(for: category)
        // Rounded down to the fen: never more than the rule allows.
        amount = amount * Int64(ratio) / 10_000
        steps.append(PayoutStep(step: "ratio", description: "按 \(Money.percent(ratio)) 比例赔付", amountFen: amount))
        if amount > claimCapFen {
            amount = claimCapFen
            steps.append(PayoutStep(step: "claimCap", description: "单次赔付限额 \(Money.yuan(claimCapFen)) 元", amountFen: amount))
        }
        let remaining = max(0, yearCapFen - usedThisYearFen)
        if amount > remaining {
            amount = remaining
            steps.append(PayoutStep(
                step: "yearCap", description: "本户本险种年度限额 \(Money.yuan(yearCapFen)) 元，已使用 \(Money.yuan(usedThisYearFen)) 元", amountFen: amount))
        }
        return steps
    }

    /// Problems of a rule as the district sent it, by field (`lines[i].…`).
    func problems(prefix: String) -> [(field: String, message: String)] {
        var list: [(field: String, message: String)] = []
        if !line.isKnown { list.append(("\(prefix).line", "应为 " + InsuranceLine.knownValues.map(\.rawValue).joined(separator: "、"))) }
        if !(0...Money.maxAmountFen).contains(deductibleFen) { list.append(("\(prefix).deductibleFen", "应为0至1亿元之间的金额（分）")) }
        if !(0...10_000).contains(ratioBasisPoints) { list.append(("\(prefix).ratioBasisPoints", "应为0至10000（万分比）")) }
        for (category, ratio) in categoryRatios {
            if !Self.categories.contains(category) { list.append(("\(prefix).categoryRatios.\(category)", "应为 " + Self.categories.joined(separator: "、"))) }
            if !(0...10_000).contains(ratio) { list.append(("\(prefix).categoryRatios.\(category)", "应为0至10000（万分比）")) }
        }
        if !(1...Money.maxAmountFen).contains(claimCapFen) { list.append(("\(prefix).claimCapFen", "应为大于0的金额（分）")) }
        if !(1...Money.maxAmountFen).contains(yearCapFen) { list.append(("\(prefix).yearCapFen", "应为大于0的金额（分）")) }
        if claimCapFen > yearCapFen { list.append(("\(prefix).claimCapFen", "单次限额不能高于年度限额")) }
        if lossKinds.isEmpty { list.append(("\(prefix).lossKinds", "至少列出一种保障的损失")) }
        for (index, kind) in lossKinds.enumerated() {
            let codeOK = !kind.code.isEmpty && kind.code.count <= 40 && kind.code.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
            if !codeOK { list.append(("\(prefix).lossKinds[\(index)].code", "应为1至40位字母或数字")) }
            if kind.name.trimmingCharacters(in: .whitespaces).isEmpty || kind.name.count > 40 { list.append(("\(prefix).lossKinds[\(index)].name", "应为1至40字")) }
        }
        if Set(lossKinds.map(\.code)).count != lossKinds.count { list.append(("\(prefix).lossKinds", "损失类型代码不能重复")) }
        return list
    }
}

/// Money as people read it: fen shown as yuan with two decimals.
enum Money {
    /// The largest amount accepted anywhere (1亿元).
    static let maxAmountFen: Int64 = 10_000_000_000

    static func yuan(_ fen: Int64) -> String {
        let sign = fen < 0 ? "-" : ""
        let whole = abs(fen)
        return sign + String(whole / 100) + "." + (whole % 100 < 10 ? "0" : "") + String(whole % 100)
    }

    static func percent(_ basisPoints: Int) -> String {
        basisPoints % 100 == 0 ? "\(basisPoints / 100)%" : "\(basisPoints / 100).\(String(format: "%02d", basisPoints % 100))%"
    }
}
