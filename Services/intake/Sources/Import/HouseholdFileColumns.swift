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
        }
    }

    /// Whether a file must have the column.
    var isRequired: Bool {
        switch self {
        case .phone, .birthDate, .sex, .formerlyPoor: false
        default: true
        }
    }

    /// The header line the demo generator and the documentation use.
    static let canonicalHeader: [String] = allCases.map(\.rawValue)
}
