import Foundation
import LifelineAuth
import LifelineRuntime

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

    /// Refuses a signing key whose tokens the services would not accept: a token signed with it must
    /// verify with `verifying`, the public key every service holds (`AUTH_PUBLIC_KEY_FILE`). A mismatch
    /// would let officials sign in and then be refused by every service.
    func checkMatches(_ verifying: TokenKeys) async throws {
        if keys == nil { keys = try await TokenKeys.signing(privateKeyPEM: privateKeyPEM) }
        let probe = try await keys!.issue(LifelineClaims(user: "accounts-key-check", role: .admin, region: "370115", lifetime: 60))
        do {
            _ = try await verifying.verify(probe)
        } catch {
            throw ConfigurationError(
                variable: "AUTH_PRIVATE_KEY_FILE", reason: "does not match AUTH_PUBLIC_KEY_FILE: the services would refuse every token accounts signs")
        }
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
