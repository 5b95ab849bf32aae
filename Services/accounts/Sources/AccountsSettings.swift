import Foundation
import LifelineAuth
import LifelineRuntime

/// Accounts' settings, parsed once at start-up (docs/accounts.md lists each with its default).
struct AccountsSettings: Sendable {
    /// The ES256 private key that signs access tokens (`AUTH_PRIVATE_KEY_FILE`).
    var signingKeyPEM: String
    /// `ACCOUNTS_ACCESS_TOKEN_MINUTES` (15): an access token's lifetime.
    var accessTokenLifetime: TimeInterval
    /// `ACCOUNTS_SESSION_HOURS` (12): a signed-in session's lifetime.
    var sessionLifetime: TimeInterval
    /// `ACCOUNTS_LOCKOUT_FAILURES` (5): wrong passwords in a row that lock an account.
    var lockoutFailures: Int
    /// `ACCOUNTS_LOCKOUT_MINUTES` (15): how long the lock lasts.
    var lockoutDuration: TimeInterval
    /// The first administrator, created at start when its mobile number has no account yet
    /// (`ACCOUNTS_BOOTSTRAP_MOBILE`, `ACCOUNTS_BOOTSTRAP_PASSWORD`, `ACCOUNTS_BOOTSTRAP_REGION` 370115).
    var bootstrap: Bootstrap?
    /// Whose `X-Forwarded-For` is believed for the audit's client address and the sign-in limit
    /// (`TRUSTED_PROXIES`: the console's addresses).
    var clients: ClientAddressResolver
    /// `ACCOUNTS_SIGN_INS_PER_10_MINUTES` (30): sign-in attempts per client (an IPv4 address or an
    /// IPv6 /64) per 10 minutes, shared by every instance, beside the per-account lock.
    var signInsPerTenMinutes: Int

    struct Bootstrap: Sendable {
        var mobile: String
        var password: String
        var region: String
    }

    init(settings: ConfigReader) throws {
        guard let file = settings.optionalString("AUTH_PRIVATE_KEY_FILE") else {
            throw ConfigurationError(variable: "AUTH_PRIVATE_KEY_FILE", reason: "is required: the PEM ES256 private key that signs access tokens")
        }
        guard let pem = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw ConfigurationError(variable: "AUTH_PRIVATE_KEY_FILE", reason: "cannot read the file")
        }
        guard TokenKeys.isPrivateKey(pem: pem) else {
            throw ConfigurationError(variable: "AUTH_PRIVATE_KEY_FILE", reason: "is not a PEM P-256 private key")
        }
        signingKeyPEM = pem
        accessTokenLifetime = TimeInterval(try settings.int("ACCOUNTS_ACCESS_TOKEN_MINUTES", default: 15, range: 1...720) * 60)
        sessionLifetime = TimeInterval(try settings.int("ACCOUNTS_SESSION_HOURS", default: 12, range: 1...720) * 3600)
        lockoutFailures = try settings.int("ACCOUNTS_LOCKOUT_FAILURES", default: 5, range: 1...100)
        lockoutDuration = TimeInterval(try settings.int("ACCOUNTS_LOCKOUT_MINUTES", default: 15, range: 1...1440) * 60)
        clients = try ClientAddressResolver(settings: settings)
        signInsPerTenMinutes = try settings.int("ACCOUNTS_SIGN_INS_PER_10_MINUTES", default: 30, range: 1...1_000_000)
        if let mobile = settings.optionalString("ACCOUNTS_BOOTSTRAP_MOBILE") {
            guard let password = settings.optionalString("ACCOUNTS_BOOTSTRAP_PASSWORD") else {
                throw ConfigurationError(variable: "ACCOUNTS_BOOTSTRAP_PASSWORD", reason: "is required with ACCOUNTS_BOOTSTRAP_MOBILE")
            }
            if let problem = PasswordPolicy.problem(with: password, mobile: mobile) {
                throw ConfigurationError(variable: "ACCOUNTS_BOOTSTRAP_PASSWORD", reason: problem)
            }
            let region = settings.string("ACCOUNTS_BOOTSTRAP_REGION", default: "370115")
            guard Role.district.acceptsRegion(region) else {
                throw ConfigurationError(variable: "ACCOUNTS_BOOTSTRAP_REGION", reason: "must be a district's or a wider region's code (at most 6 significant digits)")
            }
            bootstrap = Bootstrap(mobile: mobile, password: password, region: region)
        }
    }

    /// The settings of a running service (checked at start-up, so they parse).
    static func from(_ dependencies: ServiceDependencies) -> AccountsSettings {
        do {
            return try AccountsSettings(settings: dependencies.configuration.settings)
        } catch {
            preconditionFailure("accounts settings were checked at start-up: \(error)")
        }
    }
}
