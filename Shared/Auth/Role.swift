/// What a user may do. Later issues enforce each endpoint's roles with `AuthenticatedUser.require`.
public enum Role: String, Codable, Sendable, CaseIterable {
    /// Village official (村级: 村网格长, 专职网格员); region is the village code.
    case village
    /// Grid member of a household group (联户长); region is the village code and the token's subject
    /// is the member's grid id, which decides the households the member sees.
    case gridMember = "grid-member"
    /// Town or subdistrict official (镇街).
    case town
    /// District official (区级).
    case district
    /// Department data clerk (卫健, 医保, 民政, …).
    case department
    /// The insurer's claims staff.
    case insurer
    /// Operator of the 12345/12317 hotline systems.
    case hotlineOperator = "hotline-operator"
    /// Platform administrator.
    case admin

    /// The division level a token of this role must name, as digits of its significant prefix:
    /// village and grid member a village (12), town a town (9), the district's roles the district or a
    /// wider region (6 or fewer); an administrator any level.
    public var regionLevel: String {
        switch self {
        case .village, .gridMember: "village (12 digits)"
        case .town: "town (9 digits)"
        case .district, .department, .insurer, .hotlineOperator: "district (6 digits)"
        case .admin: "any"
        }
    }

    /// Whether `region` is of this role's level (a village token with a 9-digit region is refused).
    public func acceptsRegion(_ region: String) -> Bool {
        let significant = DivisionCode.significantPrefix(region).count
        switch self {
        case .village, .gridMember: return region.count == 12 && significant == 12
        case .town: return significant == 9
        case .district, .department, .insurer, .hotlineOperator: return significant <= 6
        case .admin: return true
        }
    }

    /// The role's name as officials say it (村级, 联户长, 镇街, 区级, …), for pages and answers.
    public var chineseName: String {
        switch self {
        case .village: "村级"
        case .gridMember: "联户长"
        case .town: "镇街"
        case .district: "区级"
        case .department: "部门数据专员"
        case .insurer: "保险公司"
        case .hotlineOperator: "热线系统"
        case .admin: "平台管理员"
        }
    }
}
