/// The columns of a household-member file, one row per person, as a district exports it from the
/// national monitoring system and the household register. Files are matched by header name (any
/// order; the aliases cover the spellings seen in exports), so extra columns are ignored.
enum HouseholdFileColumn: String, CaseIterable, Sendable {
    case householdNumber = "户编号"
    case villageCode = "村代码"
    case householdGroupCode = "联户网格编号"
    case name = "姓名"
    case idNumber = "证件号码"
    case relation = "与户主关系"
    case birthDate = "出生日期"
    case sex = "性别"
    case phone = "联系电话"
    case formerlyPoor = "是否脱贫户"
    case labourAbility = "劳动能力"
    case healthStatus = "健康状况"
    case minimumLivingAllowance = "是否享受低保"
    case extremePovertySupport = "是否特困供养"
    case monitoringCategory = "监测对象类别"

    /// Other header spellings accepted for the column.
    var aliases: [String] {
        switch self {
        case .householdNumber: ["户编码", "户码", "家庭编号"]
        case .villageCode: ["行政村代码", "村行政区划代码", "行政区划代码"]
        case .householdGroupCode: ["联户编号", "网格编号"]
        case .name: ["成员姓名"]
        case .idNumber: ["身份证号", "身份证号码", "公民身份号码"]
        case .relation: ["与户主关系（名称）"]
        case .birthDate: ["出生年月日"]
        case .sex: []
        case .phone: ["手机号码", "联系方式"]
        case .formerlyPoor: ["脱贫户", "是否脱贫人口"]
        case .labourAbility: ["劳动技能"]
        case .healthStatus: ["健康状态"]
        case .minimumLivingAllowance: ["是否低保", "低保", "是否低保对象"]
        case .extremePovertySupport: ["是否特困", "特困供养", "是否特困人员"]
        case .monitoringCategory: ["监测对象类型", "监测对象"]
        }
    }

    /// The column's place in `allCases`, without hashing its Chinese name (looked up for every cell).
    var ordinal: Int {
        switch self {
        case .householdNumber: 0
        case .villageCode: 1
        case .householdGroupCode: 2
        case .name: 3
        case .idNumber: 4
        case .relation: 5
        case .birthDate: 6
        case .sex: 7
        case .phone: 8
        case .formerlyPoor: 9
        case .labourAbility: 10
        case .healthStatus: 11
        case .minimumLivingAllowance: 12
        case .extremePovertySupport: 13
        case .monitoringCategory: 14
        }
    }

    /// Whether a file must have the column.
    var isRequired: Bool {
        switch self {
        case .phone, .birthDate, .sex, .formerlyPoor, .labourAbility, .healthStatus, .minimumLivingAllowance, .extremePovertySupport,
            .monitoringCategory: false
        default: true
        }
    }

    /// The header line the demo generator and the tests use (the original ten columns; the optional
    /// registry columns after 是否脱贫户 are added by files that have them).
    static let canonicalHeader: [String] = allCases.prefix(10).map(\.rawValue)
}
