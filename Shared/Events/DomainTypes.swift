/// A kind of difficulty a household reports or a grid member observes (困难类型).
public struct DifficultyType: OpenEnumeration {
    /// The value as published.
    public let rawValue: String

    /// Any value, known or not.
    public init(uncheckedRawValue: String) {
        rawValue = uncheckedRawValue
    }

    /// 疾病
    public static let illness = DifficultyType(uncheckedRawValue: "illness")
    /// 残疾
    public static let disability = DifficultyType(uncheckedRawValue: "disability")
    /// 就学费用
    public static let schoolingCosts = DifficultyType(uncheckedRawValue: "schoolingCosts")
    /// 自然灾害
    public static let disaster = DifficultyType(uncheckedRawValue: "disaster")
    /// 意外事故
    public static let accident = DifficultyType(uncheckedRawValue: "accident")
    /// 失业或务工收入减少
    public static let lossOfWork = DifficultyType(uncheckedRawValue: "lossOfWork")
    /// 住房安全
    public static let housing = DifficultyType(uncheckedRawValue: "housing")
    /// 饮水安全
    public static let drinkingWater = DifficultyType(uncheckedRawValue: "drinkingWater")
    /// 老人或儿童无人赡养、抚养或照料
    public static let withoutSupport = DifficultyType(uncheckedRawValue: "withoutSupport")
    /// 其他
    public static let other = DifficultyType(uncheckedRawValue: "other")

    /// The values this version knows, in display order.
    public static let knownValues: [DifficultyType] = [
        .illness, .disability, .schoolingCosts, .disaster, .accident, .lossOfWork, .housing, .drinkingWater, .withoutSupport, .other,
    ]

    /// The Chinese name shown to users.
    public var chineseName: String {
        switch self {
        case .illness: "疾病"
        case .disability: "残疾"
        case .schoolingCosts: "就学费用"
        case .disaster: "自然灾害"
        case .accident: "意外事故"
        case .lossOfWork: "失业或收入骤减"
        case .housing: "住房安全"
        case .drinkingWater: "饮水安全"
        case .withoutSupport: "老幼无人照料"
        case .other: "其他"
        default: "未知（\(rawValue)）"
        }
    }
}

/// How a risk was found: the four roads (四路).
public struct DiscoveryRoad: OpenEnumeration {
    /// The value as published.
    public let rawValue: String

    /// Any value, known or not.
    public init(uncheckedRawValue: String) {
        rawValue = uncheckedRawValue
    }

    /// 基层干部排查
    public static let gridReport = DiscoveryRoad(uncheckedRawValue: "gridReport")
    /// 农户自主申请
    public static let selfApplication = DiscoveryRoad(uncheckedRawValue: "selfApplication")
    /// 部门筛查预警
    public static let departmentScreening = DiscoveryRoad(uncheckedRawValue: "departmentScreening")
    /// 信访信息处置
    public static let petitionAndHotline = DiscoveryRoad(uncheckedRawValue: "petitionAndHotline")

    /// The values this version knows, in display order.
    public static let knownValues: [DiscoveryRoad] = [.gridReport, .selfApplication, .departmentScreening, .petitionAndHotline]

    /// The Chinese name shown to users.
    public var chineseName: String {
        switch self {
        case .gridReport: "基层干部排查"
        case .selfApplication: "农户自主申请"
        case .departmentScreening: "部门筛查预警"
        case .petitionAndHotline: "信访信息处置"
        default: "未知（\(rawValue)）"
        }
    }
}

/// A step of identification (认定程序), in order, and the final decision.
public struct ReviewStage: OpenEnumeration {
    /// The value as published.
    public let rawValue: String

    /// Any value, known or not.
    public init(uncheckedRawValue: String) {
        rawValue = uncheckedRawValue
    }

    /// 已提交 (before a case exists)
    public static let submitted = ReviewStage(uncheckedRawValue: "submitted")
    /// 入户核实
    public static let homeVerification = ReviewStage(uncheckedRawValue: "homeVerification")
    /// 民主评议
    public static let democraticAppraisal = ReviewStage(uncheckedRawValue: "democraticAppraisal")
    /// 信息比对
    public static let informationComparison = ReviewStage(uncheckedRawValue: "informationComparison")
    /// 镇级审核 (the town reviews the village's proposal and the comparison)
    public static let townReview = ReviewStage(uncheckedRawValue: "townReview")
    /// 纳入公示 (the village announces the proposal for at least 5 days)
    public static let publicAnnouncement = ReviewStage(uncheckedRawValue: "publicAnnouncement")
    /// 区级录入 (the district approves and enters the household into the national system)
    public static let systemEntry = ReviewStage(uncheckedRawValue: "systemEntry")
    /// 认定结果: the case is decided (monitored or not, eliminated or not)
    public static let decided = ReviewStage(uncheckedRawValue: "decided")

    /// The values this version knows, in display order.
    public static let knownValues: [ReviewStage] = [
        .submitted, .homeVerification, .democraticAppraisal, .informationComparison, .townReview, .publicAnnouncement, .systemEntry, .decided,
    ]

    /// The Chinese name shown to households.
    public var chineseName: String {
        switch self {
        case .submitted: "已提交"
        case .homeVerification: "村级入户核实"
        case .democraticAppraisal: "民主评议"
        case .informationComparison: "信息比对"
        case .townReview: "镇级审核"
        case .publicAnnouncement: "纳入公示"
        case .systemEntry: "区级录入"
        case .decided: "认定结果"
        default: "未知（\(rawValue)）"
        }
    }
}

/// A person's contact details. Personal data: the description never shows the phone number.
public struct ContactDetails: Codable, Sendable, Hashable, CustomStringConvertible {
    /// Full name.
    public var name: String
    /// Mobile number (personal data).
    public var phone: String

    /// Creates contact details.
    public init(name: String, phone: String) {
        self.name = name
        self.phone = phone
    }

    public var description: String { "ContactDetails(redacted)" }
}

/// The hotline or petition channel an item came from.
public struct HotlineChannel: OpenEnumeration {
    /// The value as published.
    public let rawValue: String

    /// Any value, known or not.
    public init(uncheckedRawValue: String) {
        rawValue = uncheckedRawValue
    }

    /// 12345 政务服务便民热线
    public static let hotline12345 = HotlineChannel(uncheckedRawValue: "hotline12345")
    /// 12317 防止返贫监测和乡村振兴咨询服务热线
    public static let hotline12317 = HotlineChannel(uncheckedRawValue: "hotline12317")
    /// 网信办 (online opinion)
    public static let cyberspace = HotlineChannel(uncheckedRawValue: "cyberspace")
    /// 信访局
    public static let petition = HotlineChannel(uncheckedRawValue: "petition")

    /// The values this version knows, in display order.
    public static let knownValues: [HotlineChannel] = [.hotline12345, .hotline12317, .cyberspace, .petition]

    /// The Chinese name shown to users.
    public var chineseName: String {
        switch self {
        case .hotline12345: "12345热线"
        case .hotline12317: "12317热线"
        case .cyberspace: "网信办舆情"
        case .petition: "信访局"
        default: "未知（\(rawValue)）"
        }
    }
}
