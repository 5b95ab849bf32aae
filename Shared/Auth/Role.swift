/// What a user may do. Later issues enforce each endpoint's roles with `AuthenticatedUser.require`.
public enum Role: String, Codable, Sendable, CaseIterable {
    /// Village official or grid member (村级/联户网格员).
    case village
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
