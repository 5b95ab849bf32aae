import Foundation
import LifelineEvents
import LifelineRuntime

/// A claim as a town clerk files it (理赔申请): the household, the line and kind of loss, when it
/// happened, how much it cost, what other insurance or assistance already paid, the documents
/// gathered and the account to pay to.
struct ClaimRequest: Codable, Sendable, Hashable {
    /// A payment already made for the same loss (basic medical insurance, serious-illness insurance,
    /// medical assistance, another insurer, …).
    struct OtherPayment: Codable, Sendable, Hashable {
        var source: String
        var amountFen: Int64
    }

    /// Whom to pay (personal data: the account number is sealed at once and only ever shown masked).
    struct Payee: Codable, Sendable, Hashable {
        var name: String
        var bankName: String
        var accountNumber: String
    }

    var householdId: String
    var line: String
    var lossKind: String
    var incidentDate: String
    var lossFen: Int64
    var otherPayments: [OtherPayment]
    var description: String
    /// The documents gathered (e.g. 住院发票, 费用清单, 出院小结), by title.
    var documents: [String]
    var payee: Payee

    var otherPaymentsFen: Int64 { otherPayments.reduce(0) { $0 + $1.amountFen } }
    var year: Int { Int(incidentDate.prefix(4)) ?? 0 }

    /// Every problem the request has on its own (the year's rule is checked by the store), by field.
    /// `today` is the Beijing day number.
    func problems(today: Int) -> [APIError.FieldProblem] {
        var list: [APIError.FieldProblem] = []
        func add(_ field: String, _ message: String) { list.append(.init(field: field, message: message)) }
        if householdId.isEmpty || householdId.count > 64 { add("householdId", "必填，不超过64个字符") }
        if InsuranceLine(rawValue: line) == nil {
            add("line", "应为 " + InsuranceLine.knownValues.map { "\($0.rawValue)（\($0.chineseName)）" }.joined(separator: "、"))
        }
        if lossKind.isEmpty || lossKind.count > 40 { add("lossKind", "必填") }
        if let day = CivilDayText.number(incidentDate) {
            if day > today { add("incidentDate", "不能晚于今天") }
            if !PolicyYear.years.contains(year) { add("incidentDate", "年份超出范围") }
        } else {
            add("incidentDate", "应为日期（YYYY-MM-DD）")
        }
        if !(1...Money.maxAmountFen).contains(lossFen) { add("lossFen", "应为大于0、不超过1亿元的金额（分）") }
        if otherPayments.count > 20 { add("otherPayments", "最多20项") }
        for (index, payment) in otherPayments.enumerated() {
            if payment.source.trimmingCharacters(in: .whitespaces).isEmpty || payment.source.count > 40 {
                add("otherPayments[\(index)].source", "请填写支付方（如 基本医保、大病保险、医疗救助），不超过40字")
            }
            if !(0...Money.maxAmountFen).contains(payment.amountFen) { add("otherPayments[\(index)].amountFen", "应为0至1亿元之间的金额（分）") }
        }
        if otherPaymentsFen > lossFen { add("otherPayments", "其他已支付金额合计不能超过损失金额") }
        let trimmed = description.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.count > 1000 { add("description", "请简述出险经过，不超过1000字") }
        if documents.isEmpty { add("documents", "请列出已收集的材料（如 住院发票、费用清单）") }
        if documents.count > 30 { add("documents", "最多30项") }
        for (index, title) in documents.enumerated() where title.trimmingCharacters(in: .whitespaces).isEmpty || title.count > 60 {
            add("documents[\(index)]", "材料名称应为1至60字")
        }
        if payee.name.trimmingCharacters(in: .whitespaces).isEmpty || payee.name.count > 30 { add("payee.name", "请填写收款人姓名，不超过30字") }
        if payee.bankName.trimmingCharacters(in: .whitespaces).isEmpty || payee.bankName.count > 60 { add("payee.bankName", "请填写开户银行，不超过60字") }
        if !BankAccountSealing.isValid(BankAccountSealing.normalized(payee.accountNumber)) { add("payee.accountNumber", "银行账号应为12至30位数字") }
        return list
    }
}

/// Beijing calendar days as text (yyyy-MM-dd).
enum CivilDayText {
    static func today(_ now: Date = Date()) -> Int { CivilDay.number(of: now) }

    /// The day number (yyyyMMdd as an integer, comparable) of a `yyyy-MM-dd` date, `nil` when it is not one.
    /// Exactly `yyyy-MM-dd`: days are compared as text against register dates, so `2026--4-01` must not
    /// pass for 2026-04-01.
    static func number(_ text: String) -> Int? {
        guard let (year, month, day) = CivilDay.parse(text) else { return nil }
        return year * 10_000 + month * 100 + day
    }

    /// Today's date in Beijing (yyyy-MM-dd).
    static func todayText(_ now: Date = Date()) -> String {
        let number = CivilDay.number(of: now)
        return String(format: "%04d-%02d-%02d", number / 10_000, number / 100 % 100, number % 100)
    }
}
