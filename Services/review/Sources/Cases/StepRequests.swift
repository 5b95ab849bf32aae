import Foundation
import LifelineEvents
import LifelineRuntime

/// Collects field problems of a request, to answer them all at once (400 `validation_failed`).
struct Problems {
    private(set) var list: [APIError.FieldProblem] = []

    mutating func add(_ field: String, _ message: String) {
        list.append(.init(field: field, message: message))
    }

    /// A Beijing date, not in the future.
    mutating func pastDate(_ text: String, field: String) {
        guard let day = BeijingDay.number(text) else { return add(field, "应为日期（YYYY-MM-DD）") }
        if day > BeijingDay.number(BeijingDay.today())! { add(field, "不能晚于今天") }
    }

    mutating func text(_ value: String?, field: String, required: Bool, max: Int = 1000) {
        let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if required && trimmed.isEmpty { add(field, "必填") }
        if trimmed.count > max { add(field, "不能超过\(max)字") }
    }

    func check() throws {
        if !list.isEmpty { throw APIError.validation(list) }
    }
}

/// 入户核实: what the village found at the home visit.
struct HomeVerificationRequest: Decodable, Sendable {
    var visitDate: String
    /// Officials who made the visit (at least two by national practice; names of staff, not personal data of the household).
    var visitors: [String]
    var membersPresent: Int
    /// People who live and share income together.
    var people: Int
    var incomeItems: [HouseholdIncome.Item]
    var rigidExpenses: [HouseholdIncome.Expense]
    /// Per-capita net income of the 12 months before, when known (a collapse of income).
    var previousPerCapitaIncomeFen: Int64?
    var risks: [String]
    var checklist: BasicNeedsChecklist
    /// For risk elimination: the large rigid costs are resolved.
    var rigidCostsResolved: Bool?
    var notes: String?

    static let maxAmountFen: Int64 = 100_000_000_00  // 1亿元

    func validated() throws -> (income: HouseholdIncome, risks: [DifficultyType]) {
        var problems = Problems()
        problems.pastDate(visitDate, field: "visitDate")
        if visitors.isEmpty || visitors.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty || $0.count > 30 }) {
            problems.add("visitors", "请填写入户核实人员姓名")
        }
        if !(1...30).contains(people) { problems.add("people", "共同生活人口应为1至30人") }
        if !(1...max(1, people)).contains(membersPresent) { problems.add("membersPresent", "在场人数应为1至共同生活人口") }
        if incomeItems.isEmpty { problems.add("incomeItems", "请逐项填写近12个月收入（没有收入的项目填0）") }
        for (index, item) in incomeItems.enumerated() where abs(item.amountFen) > Self.maxAmountFen {
            problems.add("incomeItems[\(index)].amountFen", "金额超出范围")
        }
        for (index, expense) in rigidExpenses.enumerated() where !(0...Self.maxAmountFen).contains(expense.amountFen) {
            problems.add("rigidExpenses[\(index)].amountFen", "应为0至1亿元之间的金额（分）")
        }
        if let previous = previousPerCapitaIncomeFen, abs(previous) > Self.maxAmountFen { problems.add("previousPerCapitaIncomeFen", "金额超出范围") }
        var risks: [DifficultyType] = []
        for (index, raw) in self.risks.enumerated() {
            if let risk = DifficultyType(rawValue: raw) { risks.append(risk) } else { problems.add("risks[\(index)]", "未知的风险类型") }
        }
        let water = checklist.water
        if !(0...1000).contains(water.litresPerPersonPerDay) { problems.add("checklist.water.litresPerPersonPerDay", "应为0至1000升") }
        if !(0...366).contains(water.interruptionDaysPerYear) { problems.add("checklist.water.interruptionDaysPerYear", "应为0至366天") }
        problems.text(notes, field: "notes", required: false)
        try problems.check()
        return (HouseholdIncome(items: incomeItems, expenses: rigidExpenses, people: people), risks)
    }
}

/// 民主评议: the village meeting's result.
struct AppraisalRequest: Decodable, Sendable {
    var meetingDate: String
    var attendance: Int
    var votesFor: Int
    var approved: Bool
    var minutes: String?

    func validate() throws {
        var problems = Problems()
        problems.pastDate(meetingDate, field: "meetingDate")
        if !(1...10_000).contains(attendance) { problems.add("attendance", "参会人数应为正数") }
        if !(0...max(0, attendance)).contains(votesFor) { problems.add("votesFor", "同意人数应在0与参会人数之间") }
        problems.text(minutes, field: "minutes", required: !approved)
        try problems.check()
    }
}

/// A decision with a reason: the town's on adverse comparison findings, the town's review, the district's entry.
struct DecisionRequest: Codable, Sendable {
    var approved: Bool
    var opinion: String?

    func validate() throws {
        var problems = Problems()
        problems.text(opinion, field: "opinion", required: !approved)
        try problems.check()
    }
}

/// The district's entry: approval, and the assistance cadre (帮扶责任人) assigned.
struct EntryRequest: Decodable, Sendable {
    struct Cadre: Decodable, Sendable {
        var name: String
        var phone: String
    }

    var approved: Bool
    var opinion: String?
    var cadre: Cadre?
    /// The year whose monitoring line applies (default: this year).
    var year: Int?

    func validate() throws {
        var problems = Problems()
        problems.text(opinion, field: "opinion", required: !approved)
        if let cadre {
            problems.text(cadre.name, field: "cadre.name", required: true, max: 30)
            if !MobileNumber.isValid(cadre.phone) { problems.add("cadre.phone", "应为11位手机号码") }
        }
        if let year, !(2020...2100).contains(year) { problems.add("year", "年份超出范围") }
        try problems.check()
    }
}

/// An objection received during the announcement.
struct ObjectionRequest: Decodable, Sendable {
    var receivedOn: String
    var content: String

    func validate() throws {
        var problems = Problems()
        problems.pastDate(receivedOn, field: "receivedOn")
        problems.text(content, field: "content", required: true)
        try problems.check()
    }
}

/// The town's resolution of an objection.
struct ObjectionResolutionRequest: Decodable, Sendable {
    var upheld: Bool
    var resolution: String

    func validate() throws {
        var problems = Problems()
        problems.text(resolution, field: "resolution", required: true)
        try problems.check()
    }
}

/// Ending a case as not monitored (or still monitored), with the reason the household will read.
struct ClosureRequest: Decodable, Sendable {
    var reason: String

    func validate() throws {
        var problems = Problems()
        problems.text(reason, field: "reason", required: true, max: 500)
        try problems.check()
    }
}
