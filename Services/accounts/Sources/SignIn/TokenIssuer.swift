import Foundation
import LifelineAuth

/// Signs the short-lived access tokens every service already verifies (ES256, `aud` = every service).
/// The key collection is built on first use (building it is asynchronous).
actor TokenIssuer {
    private let privateKeyPEM: String
    private var keys: TokenKeys?
    /// How long an access token lives.
    let lifetime: TimeInterval

    init(privateKeyPEM: String, lifetime: TimeInterval) {
        self.privateKeyPEM = privateKeyPEM
        self.lifetime = lifetime
    }

    /// A token for `account`.
    func issue(for account: Account) async throws -> String {
        if keys == nil { keys = try await TokenKeys.signing(privateKeyPEM: privateKeyPEM) }
        let claims = LifelineClaims(
            user: account.subject, role: account.role, region: account.region, name: account.name, department: account.department,
            lifetime: lifetime)
        return try await keys!.issue(claims)
    }
}
