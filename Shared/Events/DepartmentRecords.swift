import Foundation

/// The kind of fact a department reports about a person (事实类型). Warning kinds feed the warning
/// rules; comparison kinds (vehicle, real estate, …) are kept for information comparison (信息比对).
public struct FactKind: OpenEnumeration {
    /// The value as published.
    public let rawValue: String

    /// Any value, known or not.
    public init(uncheckedRawValue: String) {
        rawValue = uncheckedRawValue
    }

    /// 新纳入低保 (民政)
    public static let minimumLivingAllowance = FactKind(uncheckedRawValue: "minimumLivingAllowance")
    /// 特困供养 (民政)
    public static let extremePovertySupport = FactKind(uncheckedRawValue: "extremePovertySupport")
    /// 临时救助 (民政)
    public static let temporaryRelief = FactKind(uncheckedRawValue: "temporaryRelief")
    /// 危房鉴定 (住建), `details.grade` A–D
    public static let dangerousHouse = FactKind(uncheckedRawValue: "dangerousHouse")
    /// 个人自付医疗费用 (医保, 卫健), the amount in fen
    public static let medicalExpense = FactKind(uncheckedRawValue: "medicalExpense")
    /// 残疾评定 (残联), `details.grade` 1–4
    public static let disabilityCertified = FactKind(uncheckedRawValue: "disabilityCertified")
    /// 供水中断 (水务), `details.days`
    public static let waterInterruption = FactKind(uncheckedRawValue: "waterInterruption")
    /// 教育资助 (教体)
    public static let schoolAid = FactKind(uncheckedRawValue: "schoolAid")
    /// 辍学风险 (教体)
    public static let dropOutRisk = FactKind(uncheckedRawValue: "dropOutRisk")
    /// 失业登记 (人社)
    public static let unemploymentRegistered = FactKind(uncheckedRawValue: "unemploymentRegistered")
    /// 机动车登记 (公安), for comparison
    public static let vehicle = FactKind(uncheckedRawValue: "vehicle")
    /// 市场主体登记 (市场监管), for comparison
    public static let businessRegistration = FactKind(uncheckedRawValue: "businessRegistration")
    /// 商品房购置 (不动产), for comparison
    public static let realEstate = FactKind(uncheckedRawValue: "realEstate")
    /// 财政供养人员 (财政, 人社), for comparison
    public static let publicPayroll = FactKind(uncheckedRawValue: "publicPayroll")
    /// 家庭收入核对 (民政's household economic check), the household's yearly income in fen: the base of
    /// the share-of-income condition of the large-medical-expense rule
    public static let householdIncome = FactKind(uncheckedRawValue: "householdIncome")

    /// The values this version knows.
    public static let knownValues: [FactKind] = [
        .minimumLivingAllowance, .extremePovertySupport, .temporaryRelief, .dangerousHouse, .medicalExpense, .disabilityCertified,
        .waterInterruption, .schoolAid, .dropOutRisk, .unemploymentRegistered, .vehicle, .businessRegistration, .realEstate, .publicPayroll,
        .householdIncome,
    ]

    /// Kinds kept for information comparison rather than warnings.
    public static let comparisonKinds: Set<FactKind> = [.vehicle, .businessRegistration, .realEstate, .publicPayroll]

    /// The departments that may report this kind (Chinese names).
    public var departments: Set<String> {
        switch self {
        case .minimumLivingAllowance, .extremePovertySupport, .temporaryRelief, .householdIncome: ["民政"]
        case .dangerousHouse: ["住建"]
        case .medicalExpense: ["医保", "卫健"]
        case .disabilityCertified: ["残联"]
        case .waterInterruption: ["水务"]
        case .schoolAid, .dropOutRisk: ["教体"]
        case .unemploymentRegistered: ["人社"]
        case .vehicle: ["公安"]
        case .businessRegistration: ["市场监管"]
        case .realEstate: ["不动产"]
        case .publicPayroll: ["财政", "人社"]
        default: []
        }
    }

    /// The Chinese name shown to users.
    public var chineseName: String {
        switch self {
        case .minimumLivingAllowance: "新纳入低保"
        case .extremePovertySupport: "特困供养"
        case .temporaryRelief: "临时救助"
        case .dangerousHouse: "危房鉴定"
        case .medicalExpense: "个人自付医疗费用"
        case .disabilityCertified: "残疾评定"
        case .waterInterruption: "供水中断"
        case .schoolAid: "教育资助"
        case .dropOutRisk: "辍学风险"
        case .unemploymentRegistered: "失业登记"
        case .vehicle: "机动车登记"
        case .businessRegistration: "市场主体登记"
        case .realEstate: "商品房购置"
        case .publicPayroll: "财政供养人员"
        case .householdIncome: "家庭收入核对"
        default: "未知（\(rawValue)）"
        }
    }
}

/// One department record pushed by an outside system (the big-data centre or a department) to
/// `department-screening.inbound`, in structured or binary mode. Keyed by the department's record id,
/// never by an ID number (keys are visible and copied into dead-letter topics). The payload carries
/// the person's ID number and name: personal data, never logged.
public struct DepartmentRecordPushed: DomainEvent, Hashable, CustomStringConvertible {
    public static let eventType = "lifeline.department-screening.DepartmentRecordPushed.v1"
    public static let topic = EventTopic.screeningInbound

    /// The department (卫健, 医保, 民政, 水务, 住建, 残联, 教体, 人社, 公安, 市场监管, 不动产, 财政).
    public var department: String
    /// The department's own id of the record (unique per department).
    public var recordId: String
    /// The month of the data (YYYY-MM).
    public var period: String
    /// The person's citizen ID number (personal data).
    public var idNumber: String
    /// The person's name (personal data).
    public var name: String
    /// What kind of fact.
    public var kind: FactKind
    /// When it happened (YYYY-MM-DD).
    public var date: String
    /// An amount in fen, where the kind has one (a medical expense, a relief payment).
    public var amountFen: Int64?
    /// Further details by name, e.g. `grade` of a house or a disability, `days` of an interruption.
    public var details: [String: String]?

    public var partitionKey: String { recordId }
    public var subject: String? { recordId }
    public var description: String { "DepartmentRecordPushed(\(department), \(recordId), redacted)" }

    /// Creates the event.
    public init(
        department: String, recordId: String, period: String, idNumber: String, name: String, kind: FactKind, date: String, amountFen: Int64? = nil,
        details: [String: String]? = nil
    ) {
        self.department = department
        self.recordId = recordId
        self.period = period
        self.idNumber = idNumber
        self.name = name
        self.kind = kind
        self.date = date
        self.amountFen = amountFen
        self.details = details
    }
}

/// What became of a department record (闭环反馈), for the department: rejected, unmatched, matched
/// without a warning, warning raised, then the town's verification and the decision. Published on
/// `department-screening.feedback`, keyed by the department's record id. No personal data.
public struct RecordFeedback: DomainEvent, Hashable {
    public static let eventType = "lifeline.department-screening.RecordFeedback.v1"
    public static let topic = EventTopic.screeningFeedback

    /// The outcome (an open enumeration).
    public struct Outcome: OpenEnumeration {
        /// The value as published.
        public let rawValue: String

        /// Any value, known or not.
        public init(uncheckedRawValue: String) {
            rawValue = uncheckedRawValue
        }

        /// 数据有误，未受理 (the reason names the field)
        public static let rejected = Outcome(uncheckedRawValue: "rejected")
        /// 查无此人 (no such resident in the registry)
        public static let unmatched = Outcome(uncheckedRawValue: "unmatched")
        /// 已比对，未预警 (the reason says why)
        public static let matchedWithoutWarning = Outcome(uncheckedRawValue: "matchedWithoutWarning")
        /// 已预警，推送镇街核实
        public static let warningRaised = Outcome(uncheckedRawValue: "warningRaised")
        /// 镇街核实属实
        public static let confirmed = Outcome(uncheckedRawValue: "confirmed")
        /// 镇街核实不实
        public static let falseAlarm = Outcome(uncheckedRawValue: "falseAlarm")
        /// 已有帮扶覆盖
        public static let alreadyCovered = Outcome(uncheckedRawValue: "alreadyCovered")
        /// 已纳入监测
        public static let monitored = Outcome(uncheckedRawValue: "monitored")
        /// 未纳入监测
        public static let notMonitored = Outcome(uncheckedRawValue: "notMonitored")

        /// The values this version knows.
        public static let knownValues: [Outcome] = [
            .rejected, .unmatched, .matchedWithoutWarning, .warningRaised, .confirmed, .falseAlarm, .alreadyCovered, .monitored, .notMonitored,
        ]

        /// The Chinese name a department reads.
        public var chineseName: String {
            switch self {
            case .rejected: "数据有误，未受理"
            case .unmatched: "查无此人"
            case .matchedWithoutWarning: "已比对，未预警"
            case .warningRaised: "已预警，推送镇街核实"
            case .confirmed: "镇街核实属实"
            case .falseAlarm: "镇街核实不实"
            case .alreadyCovered: "已有帮扶覆盖"
            case .monitored: "已纳入监测"
            case .notMonitored: "未纳入监测"
            default: "未知（\(rawValue)）"
            }
        }
    }

    /// The department.
    public var department: String
    /// The department's record id.
    public var recordId: String
    /// The month of the data.
    public var period: String
    /// What became of it.
    public var outcome: Outcome
    /// Why, in Chinese, without personal data.
    public var reason: String?
    /// The warning it is part of, if any.
    public var warningId: String?
    /// When.
    public var at: Date

    public var partitionKey: String { recordId }
    public var subject: String? { recordId }

    /// Written by hand: screening publishes one for every record (the same bytes as `EventJSON.encoder`).
    public func jsonData() throws -> [UInt8] {
        var json = JSONText.ObjectWriter()
        json.field("at", EventJSON.formatTimestamp(at))
        json.field("department", department)
        json.field("outcome", outcome.rawValue)
        json.field("period", period)
        json.field("reason", reason)
        json.field("recordId", recordId)
        json.field("warningId", warningId)
        return json.finished()
    }

    /// Creates the event.
    public init(department: String, recordId: String, period: String, outcome: Outcome, reason: String?, warningId: String?, at: Date) {
        self.department = department
        self.recordId = recordId
        self.period = period
        self.outcome = outcome
        self.reason = reason
        self.warningId = warningId
        self.at = at
    }
}
