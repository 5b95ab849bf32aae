/// What the national registry export says about a person or household beyond name and ID number,
/// as `HouseholdRegistered` carries it for review (认定) and screening. Each is an open enumeration
/// whose raw value is a stable code and whose `chineseName` is the export's own wording; the
/// household file accepts the wording, a listed alias, or the code (docs/grid.md, "Household file").

/// An open enumeration the national export writes in Chinese.
public protocol ExportWording: OpenEnumeration {
    /// The export's wording of each known value.
    static var names: [Self: String] { get }
    /// Other spellings seen in files, beside the wordings of `names`.
    static var aliases: [String: Self] { get }
}

extension ExportWording {
    /// The export's wording (unknown values say so).
    public var chineseName: String { Self.names[self] ?? "未知（\(rawValue)）" }

    /// Reads the export's wording, an alias or a code; nil for anything else.
    public init?(text: String) {
        // Compared byte by byte: the tables are a handful of entries, and hashing or comparing
        // Chinese strings by Unicode rules showed in the profile of a bulk import.
        guard !text.isEmpty else { return nil }
        let bytes = text.utf8
        guard let value = Self.aliases.first(where: { $0.key.utf8.elementsEqual(bytes) })?.value
            ?? Self.names.first(where: { $0.value.utf8.elementsEqual(bytes) })?.key ?? Self(rawValue: text)
        else { return nil }
        self = value
    }
}

/// 劳动能力: a member's ability to work.
public struct LabourAbility: ExportWording {
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
    /// The export's wording.
    public static let names: [LabourAbility: String] = [.full: "普通劳动力", .weak: "弱劳动力或半劳动力", .lost: "丧失劳动力", .none: "无劳动力"]
    /// Shorter spellings.
    public static let aliases: [String: LabourAbility] = ["弱劳动力": .weak, "半劳动力": .weak]
}

/// 健康状况: a member's health as the registry records it. Health details are personal data: shown
/// only to those working the household's case, never logged.
public struct HealthStatus: ExportWording {
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
    /// The export's wording.
    public static let names: [HealthStatus: String] = [.healthy: "健康", .chronicIllness: "长期慢性病", .seriousIllness: "患有大病", .disabled: "残疾"]
    /// Shorter spellings.
    public static let aliases: [String: HealthStatus] = ["慢性病": .chronicIllness, "大病": .seriousIllness]
}

/// 监测对象类别: the category of a monitored household (../shared/docs/domain.md section 3).
public struct MonitoringCategory: ExportWording {
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
    /// The export's wording.
    public static let names: [MonitoringCategory: String] = [
        .unstableFormerlyPoor: "脱贫不稳定户", .marginal: "边缘易致贫户", .suddenHardship: "突发严重困难户",
    ]
    /// No other spellings are known.
    public static let aliases: [String: MonitoringCategory] = [:]
}
