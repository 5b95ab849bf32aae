/// A kind of difficulty a household reports or a grid member observes (困难类型).
public enum DifficultyType: String, Codable, Sendable, CaseIterable {
    /// 疾病
    case illness
    /// 残疾
    case disability
    /// 就学费用
    case schoolingCosts
    /// 自然灾害
    case disaster
    /// 意外事故
    case accident
    /// 失业或务工收入减少
    case lossOfWork
    /// 住房安全
    case housing
    /// 饮水安全
    case drinkingWater
    /// 其他
    case other

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
        case .other: "其他"
        }
    }
}

/// How a risk was found: the four roads (四路).
public enum DiscoveryRoad: String, Codable, Sendable, CaseIterable {
    /// 基层干部排查
    case gridReport
    /// 农户自主申请
    case selfApplication
    /// 部门筛查预警
    case departmentScreening
    /// 信访信息处置
    case petitionAndHotline

    /// The Chinese name shown to users.
    public var chineseName: String {
        switch self {
        case .gridReport: "基层干部排查"
        case .selfApplication: "农户自主申请"
        case .departmentScreening: "部门筛查预警"
        case .petitionAndHotline: "信访信息处置"
        }
    }
}

/// A step of identification (认定程序), in order, and the final decision.
public enum ReviewStage: String, Codable, Sendable, CaseIterable {
    /// 已提交 (before a case exists)
    case submitted
    /// 入户核实
    case homeVerification
    /// 民主评议
    case democraticAppraisal
    /// 信息比对
    case informationComparison
    /// 纳入公示
    case publicAnnouncement
    /// 录入系统 / 已认定
    case decided

    /// The Chinese name shown to households.
    public var chineseName: String {
        switch self {
        case .submitted: "已提交"
        case .homeVerification: "村级入户核实"
        case .democraticAppraisal: "民主评议"
        case .informationComparison: "信息比对"
        case .publicAnnouncement: "纳入公示"
        case .decided: "认定结果"
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
public enum HotlineChannel: String, Codable, Sendable, CaseIterable {
    /// 12345 政务服务便民热线
    case hotline12345
    /// 12317 防止返贫监测和乡村振兴咨询服务热线
    case hotline12317
    /// 网信办 (online opinion)
    case cyberspace
    /// 信访局
    case petition

    /// The Chinese name shown to users.
    public var chineseName: String {
        switch self {
        case .hotline12345: "12345热线"
        case .hotline12317: "12317热线"
        case .cyberspace: "网信办舆情"
        case .petition: "信访局"
        }
    }
}
