import Foundation
import JWTKit

/// The claims of a Lifeline access token.
public struct LifelineClaims: JWTPayload, Equatable {
    /// Issuer every Lifeline token carries.
    public static let issuer = "lifeline"
    /// The audiences of Lifeline's services: each service accepts a token only if its own name is in
    /// `aud`, so a token issued for one service (say the insurer's) is refused by the others.
    public static let allAudiences = ["intake", "department-screening", "hotline", "review", "insurance", "notification", "accounts", "console"]
    /// The longest lifetime (`exp` − `iat`) any service accepts: one working shift plus margin.
    public static let maximumLifetime: TimeInterval = 12 * 3600
    /// How far a token's `iat` may lie in the future (clock skew between issuer and service).
    public static let allowedClockSkew: TimeInterval = 300

    /// The user id.
    public var sub: SubjectClaim
    /// Issuer (`lifeline`).
    public var iss: IssuerClaim
    /// The services this token is for.
    public var aud: AudienceClaim
    /// Expiry.
    public var exp: ExpirationClaim
    /// Issued at.
    public var iat: IssuedAtClaim
    /// The user's role.
    public var role: Role
    /// The division code of the user's jurisdiction.
    public var region: String
    /// Display name.
    public var name: String?
    /// For a department clerk (role `department`): the department the clerk works for (卫健, 医保, …),
    /// which limits the records the clerk may send and read. Absent for every other role.
    public var department: String?

    /// Creates claims valid for `lifetime` from now, for `audience` (by default every service).
    public init(
        user: String, role: Role, region: String, name: String? = nil, department: String? = nil,
        audience: [String] = LifelineClaims.allAudiences, lifetime: TimeInterval = 8 * 3600, now: Date = Date()
    ) {
        self.department = department
        self.sub = SubjectClaim(value: user)
        self.iss = IssuerClaim(value: Self.issuer)
        self.aud = AudienceClaim(value: audience)
        self.exp = ExpirationClaim(value: now.addingTimeInterval(lifetime))
        self.iat = IssuedAtClaim(value: now)
        self.role = role
        self.region = region
        self.name = name
    }

    /// Checks what holds for every service: signature (by the caller), expiry, issuer, a lifetime of at
    /// most `maximumLifetime`, and a region of the role's level. The audience is checked by `TokenKeys`.
    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        guard iss.value == Self.issuer else {
            throw AuthError(code: .invalidToken, message: "token issuer is not lifeline")
        }
        guard iat.value.timeIntervalSinceNow <= Self.allowedClockSkew else {
            throw AuthError(code: .invalidToken, message: "token is issued in the future")
        }
        guard exp.value.timeIntervalSince(iat.value) <= Self.maximumLifetime else {
            throw AuthError(code: .invalidToken, message: "token lifetime exceeds \(Int(Self.maximumLifetime / 3600)) hours")
        }
        guard DivisionCode.isValid(region) else {
            throw AuthError(code: .invalidToken, message: "token region is not a division code")
        }
        guard department == nil || role == .department else {
            throw AuthError(code: .invalidToken, message: "only a department clerk's token names a department")
        }
        guard role.acceptsRegion(region) else {
            throw AuthError(code: .invalidToken, message: "token region is not of the \(role.rawValue) role's level (\(role.regionLevel))")
        }
    }
}
