/// What a review case decides: identification (认定, whether a household is monitored) or risk
/// elimination (风险消除, whether a monitored household leaves monitoring).
public struct CaseKind: OpenEnumeration {
    /// The value as published.
    public let rawValue: String

    /// Any value, known or not.
    public init(uncheckedRawValue: String) {
        rawValue = uncheckedRawValue
    }

    /// 监测对象识别认定
    public static let identification = CaseKind(uncheckedRawValue: "identification")
    /// 风险消除
    public static let elimination = CaseKind(uncheckedRawValue: "elimination")

    /// The values this version knows.
    public static let knownValues: [CaseKind] = [.identification, .elimination]

    /// The Chinese name shown to users.
    public var chineseName: String {
        switch self {
        case .identification: "监测对象认定"
        case .elimination: "风险消除"
        default: "未知（\(rawValue)）"
        }
    }
}

/// How a case ended.
public struct CaseOutcome: OpenEnumeration {
    /// The value as published.
    public let rawValue: String

    /// Any value, known or not.
    public init(uncheckedRawValue: String) {
        rawValue = uncheckedRawValue
    }

    /// 纳入监测 (identification approved; the category says which)
    public static let monitored = CaseOutcome(uncheckedRawValue: "monitored")
    /// 不纳入监测 (identification ended at some step, with a reason)
    public static let notMonitored = CaseOutcome(uncheckedRawValue: "notMonitored")
    /// 风险已消除 (elimination approved)
    public static let eliminated = CaseOutcome(uncheckedRawValue: "eliminated")
    /// 继续监测 (elimination refused at some step, with a reason)
    public static let stillMonitored = CaseOutcome(uncheckedRawValue: "stillMonitored")

    /// The values this version knows.
    public static let knownValues: [CaseOutcome] = [.monitored, .notMonitored, .eliminated, .stillMonitored]

    /// The Chinese name shown to users.
    public var chineseName: String {
        switch self {
        case .monitored: "纳入监测"
        case .notMonitored: "不纳入监测"
        case .eliminated: "风险已消除"
        case .stillMonitored: "继续监测"
        default: "未知（\(rawValue)）"
        }
    }
}

/// What became of a lead, told back to the road it came from (部门, 热线, 网格, 申请人).
public struct LeadOutcome: OpenEnumeration {
    /// The value as published.
    public let rawValue: String

    /// Any value, known or not.
    public init(uncheckedRawValue: String) {
        rawValue = uncheckedRawValue
    }

    /// 核实属实: the town confirmed the risk; the lead joins (or opens) the household's case.
    public static let confirmed = LeadOutcome(uncheckedRawValue: "confirmed")
    /// 核实不实: a false alarm.
    public static let falseAlarm = LeadOutcome(uncheckedRawValue: "falseAlarm")
    /// 已有帮扶覆盖: the risk is already covered (monitored, or assistance in place).
    public static let alreadyCovered = LeadOutcome(uncheckedRawValue: "alreadyCovered")
    /// 无法对应到户: closed in triage with a reason (no such household, outside the district, …).
    public static let closedInTriage = LeadOutcome(uncheckedRawValue: "closedInTriage")
    /// 已纳入监测: the case it joined ended with the household monitored.
    public static let monitored = LeadOutcome(uncheckedRawValue: "monitored")
    /// 未纳入监测: the case it joined ended without monitoring (the reason says why).
    public static let notMonitored = LeadOutcome(uncheckedRawValue: "notMonitored")

    /// The values this version knows.
    public static let knownValues: [LeadOutcome] = [.confirmed, .falseAlarm, .alreadyCovered, .closedInTriage, .monitored, .notMonitored]

    /// The Chinese name shown to users.
    public var chineseName: String {
        switch self {
        case .confirmed: "核实属实"
        case .falseAlarm: "核实不实"
        case .alreadyCovered: "已有帮扶覆盖"
        case .closedInTriage: "无法对应到户"
        case .monitored: "已纳入监测"
        case .notMonitored: "未纳入监测"
        default: "未知（\(rawValue)）"
        }
    }
}

/// A reference from review back to the record a lead came from.
public struct LeadOrigin: Codable, Sendable, Hashable {
    /// The road.
    public var road: DiscoveryRoad
    /// The record's id at its origin: application number, grid lead id, department warning id or
    /// hotline lead id.
    public var originId: String

    /// Creates a reference.
    public init(road: DiscoveryRoad, originId: String) {
        self.road = road
        self.originId = originId
    }
}
