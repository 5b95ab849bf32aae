/// What the national registry export says about a person or household beyond name and ID number,
/// as `HouseholdRegistered` carries it for review (认定) and screening. Each is an open enumeration
/// whose raw value is a stable code and whose `chineseName` is the export's own wording; the
/// household file accepts either (docs/grid.md, "Household file").

/// 劳动能力: a member's ability to work.
public struct LabourAbility: OpenEnumeration {
    /// The value as published.
    public let rawValue: String

    /// Any value, known or not.
    public init(uncheckedRawValue: String) {
        rawValue = uncheckedRawValue
    }

    /// 普通劳动力
    public static let full = LabourAbility(uncheckedRawValue: "full")
    /// 弱劳动力或半劳动力
    public static let weak = LabourAbility(uncheckedRawValue: "weak")
    /// 丧失劳动力
    public static let lost = LabourAbility(uncheckedRawValue: "lost")
    /// 无劳动力 (children, students, the very old)
    public static let none = LabourAbility(uncheckedRawValue: "none")

    /// The values this version knows.
    public static let knownValues: [LabourAbility] = [.full, .weak, .lost, .none]

    private static let aliases: [String: LabourAbility] = [
        "普通劳动力": .full, "弱劳动力或半劳动力": .weak, "弱劳动力": .weak, "半劳动力": .weak, "丧失劳动力": .lost, "无劳动力": .none,
    ]

    /// The export's wording.
    public var chineseName: String {
        switch self {
        case .full: "普通劳动力"
        case .weak: "弱劳动力或半劳动力"
        case .lost: "丧失劳动力"
        case .none: "无劳动力"
        default: "未知（\(rawValue)）"
        }
    }

    /// Reads the export's wording (or a code); nil for anything else.
    public init?(text: String) {
        guard let value = Self.aliases[text] ?? LabourAbility(rawValue: text) else { return nil }
        self = value
    }
}

/// 健康状况: a member's health as the registry records it. Health details are personal data: shown
/// only to those working the household's case, never logged.
public struct HealthStatus: OpenEnumeration {
    /// The value as published.
    public let rawValue: String

    /// Any value, known or not.
    public init(uncheckedRawValue: String) {
        rawValue = uncheckedRawValue
    }

    /// 健康
    public static let healthy = HealthStatus(uncheckedRawValue: "healthy")
    /// 长期慢性病
    public static let chronicIllness = HealthStatus(uncheckedRawValue: "chronicIllness")
    /// 患有大病
    public static let seriousIllness = HealthStatus(uncheckedRawValue: "seriousIllness")
    /// 残疾
    public static let disabled = HealthStatus(uncheckedRawValue: "disabled")

    /// The values this version knows.
    public static let knownValues: [HealthStatus] = [.healthy, .chronicIllness, .seriousIllness, .disabled]

    private static let aliases: [String: HealthStatus] = [
        "健康": .healthy, "长期慢性病": .chronicIllness, "慢性病": .chronicIllness, "患有大病": .seriousIllness, "大病": .seriousIllness,
        "残疾": .disabled,
    ]

    /// The export's wording.
    public var chineseName: String {
        switch self {
        case .healthy: "健康"
        case .chronicIllness: "长期慢性病"
        case .seriousIllness: "患有大病"
        case .disabled: "残疾"
        default: "未知（\(rawValue)）"
        }
    }

    /// Reads the export's wording (or a code); nil for anything else.
    public init?(text: String) {
        guard let value = Self.aliases[text] ?? HealthStatus(rawValue: text) else { return nil }
        self = value
    }
}

/// 监测对象类别: the category of a monitored household (../shared/docs/domain.md section 3).
public struct MonitoringCategory: OpenEnumeration {
    /// The value as published.
    public let rawValue: String

    /// Any value, known or not.
    public init(uncheckedRawValue: String) {
        rawValue = uncheckedRawValue
    }

    /// 脱贫不稳定户
    public static let unstableFormerlyPoor = MonitoringCategory(uncheckedRawValue: "unstableFormerlyPoor")
    /// 边缘易致贫户
    public static let marginal = MonitoringCategory(uncheckedRawValue: "marginal")
    /// 突发严重困难户
    public static let suddenHardship = MonitoringCategory(uncheckedRawValue: "suddenHardship")

    /// The values this version knows.
    public static let knownValues: [MonitoringCategory] = [.unstableFormerlyPoor, .marginal, .suddenHardship]

    private static let aliases: [String: MonitoringCategory] = [
        "脱贫不稳定户": .unstableFormerlyPoor, "边缘易致贫户": .marginal, "突发严重困难户": .suddenHardship,
    ]

    /// The export's wording.
    public var chineseName: String {
        switch self {
        case .unstableFormerlyPoor: "脱贫不稳定户"
        case .marginal: "边缘易致贫户"
        case .suddenHardship: "突发严重困难户"
        default: "未知（\(rawValue)）"
        }
    }

    /// Reads the export's wording (or a code); nil for anything else.
    public init?(text: String) {
        guard let value = Self.aliases[text] ?? MonitoringCategory(rawValue: text) else { return nil }
        self = value
    }
}
