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
}
