import Foundation
import JWTKit

/// The claims of a Lifeline access token.
public struct LifelineClaims: JWTPayload, Equatable {
    /// Issuer every Lifeline token carries.
    public static let issuer = "lifeline"

    /// The user id.
    public var sub: SubjectClaim
    /// Issuer (`lifeline`).
    public var iss: IssuerClaim
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

    /// Creates claims valid for `lifetime` from now.
    public init(user: String, role: Role, region: String, name: String? = nil, lifetime: TimeInterval = 8 * 3600, now: Date = Date()) {
        self.sub = SubjectClaim(value: user)
        self.iss = IssuerClaim(value: Self.issuer)
        self.exp = ExpirationClaim(value: now.addingTimeInterval(lifetime))
        self.iat = IssuedAtClaim(value: now)
        self.role = role
        self.region = region
        self.name = name
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        guard iss.value == Self.issuer else {
            throw AuthError(code: .invalidToken, message: "token issuer is not lifeline")
        }
        guard DivisionCode.isValid(region) else {
            throw AuthError(code: .invalidToken, message: "token region is not a division code")
        }
    }
}
