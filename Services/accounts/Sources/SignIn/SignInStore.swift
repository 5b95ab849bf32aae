import Crypto
import Foundation
import LifelineAuth
import LifelinePersistence
import Logging

/// Sign-in with mobile number and password, sessions, and password changes.
///
/// A sign-in opens a session: a random session token whose SHA-256 alone is stored. The session token
/// buys access tokens (`refresh`) until it expires, is signed out, or its account is disabled, so that
/// disabling an account stops new tokens at once. A session opened with an initial (or reset)
/// password can only change the password. Wrong passwords count per account; after
/// `lockoutFailures` in a row the account is locked for `lockoutDuration`.
struct SignInStore: Sendable {
    let database: Database
    let hasher: PasswordHasher
    let issuer: TokenIssuer
    let audit: AccountAudit
    let sessionLifetime: TimeInterval
    let lockoutFailures: Int
    let lockoutDuration: TimeInterval
    let logger: Logger

    /// What a sign-in, a refresh or a password change answers.
    struct Signed: Encodable, Sendable {
        /// Absent while the initial password must be changed.
        var accessToken: String?
        var tokenType = "Bearer"
        var expiresIn: Int?
        var sessionToken: String
        var sessionExpiresAt: Date
        var passwordChangeRequired: Bool
        var account: AccountView
    }

    func signIn(mobile: String, password: String, client: String?) async throws -> Signed {
        guard let (account, hash) = try await find(mobile: mobile) else {
            await hasher.spendOneCheck()
            try await database.transaction { connection in
                try await audit.record("signIn", actor: "anonymous", account: nil, outcome: "unknownMobile", client: client, on: connection)
            }
            throw AccountsError(.invalidCredentials, "手机号码或密码不正确")
        }
        if account.isLocked() {
            try await database.transaction { connection in
                try await audit.record("signIn", actor: account.id, account: account.id, outcome: "locked", client: client, on: connection)
            }
            throw lockedError(account)
        }
        let matches = await hasher.verify(password, against: hash)
        return try await database.transaction { connection -> Result<Signed, AccountsError> in
            // Re-read under a row lock: two wrong passwords at once must both count.
            guard let current = try await lockedRow(account.id, on: connection) else { throw AccountsError(.invalidCredentials, "手机号码或密码不正确") }
            if current.isLocked() { throw lockedError(current) }
            guard matches else {
                let failures = current.failedAttempts + 1
                let lockUntil = failures >= lockoutFailures ? Date().addingTimeInterval(lockoutDuration) : nil
                try await connection.query("""
                    UPDATE accounts SET failed_attempts = \(lockUntil == nil ? failures : 0), locked_until = \(lockUntil) WHERE id = \(current.id)
                    """, logger: logger)
                try await audit.record(
                    "signIn", actor: current.id, account: current.id, outcome: lockUntil == nil ? "wrongPassword" : "wrongPasswordLocked",
                    detail: ["failures": String(failures)], client: client, on: connection)
                if lockUntil != nil {
                    var locked = current
                    locked.lockedUntil = lockUntil
                    return .failure(lockedError(locked))
                }
                // The same answer as for an unknown number: it must not tell whether the number has an account.
                return .failure(AccountsError(.invalidCredentials, "手机号码或密码不正确"))
            }
            guard current.disabledAt == nil else {
                try await audit.record("signIn", actor: current.id, account: current.id, outcome: "disabled", client: client, on: connection)
                return .failure(AccountsError(.disabled, "账号已停用，请联系管理员"))
            }
            try await connection.query("""
                UPDATE accounts SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = now() WHERE id = \(current.id)
                """, logger: logger)
            try await audit.record("signIn", actor: current.id, account: current.id, outcome: "done", client: client, on: connection)
            return .success(try await openSession(for: current, passwordChangeOnly: current.mustChangePassword, on: connection))
        }.get()
    }

    /// A new access token for a live session of an enabled account.
    func refresh(sessionToken: String) async throws -> Signed {
        try await database.transaction { connection in
            let (account, passwordChangeOnly, expiresAt) = try await liveSession(sessionToken, on: connection)
            if passwordChangeOnly { throw AccountsError(.passwordChangeRequired, "请先修改初始密码") }
            return try await signed(account, sessionToken: sessionToken, expiresAt: expiresAt, passwordChangeOnly: false)
        }
    }

    /// The account of a live session and whether it may only change its password.
    func account(sessionToken: String) async throws -> (Account, Bool) {
        try await database.transaction { connection in
            let (account, passwordChangeOnly, _) = try await liveSession(sessionToken, on: connection)
            return (account, passwordChangeOnly)
        }
    }

    func signOut(sessionToken: String, client: String?) async throws {
        try await database.transaction { connection in
            let rows = try await connection.query("""
                UPDATE sessions SET revoked_at = now() WHERE token_hash = \(Self.digest(sessionToken)) AND revoked_at IS NULL RETURNING account_id
                """, logger: logger)
            for try await account in rows.decode(String.self) {
                try await audit.record("signOut", actor: account, account: account, client: client, on: connection)
            }
        }
    }

    /// Changes the password of a session's account: the current password is checked again, every
    /// other session of the account ends, and a normal session replaces this one.
    func changePassword(sessionToken: String, current: String, new: String, client: String?) async throws -> Signed {
        let (account, _) = try await account(sessionToken: sessionToken)
        guard let (_, hash) = try await find(mobile: account.mobile) else { throw AccountsError(.sessionInvalid, "登录已失效，请重新登录") }
        guard await hasher.verify(current, against: hash) else {
            try await database.transaction { connection in
                try await audit.record("changePassword", actor: account.id, account: account.id, outcome: "wrongPassword", client: client, on: connection)
            }
            throw AccountsError(.validationFailed, "当前密码不正确", field: "currentPassword")
        }
        if let problem = PasswordPolicy.problem(with: new, mobile: account.mobile) {
            throw AccountsError(.validationFailed, problem, field: "newPassword")
        }
        guard new != current else { throw AccountsError(.validationFailed, "新密码不能与当前密码相同", field: "newPassword") }
        let newHash = try await hasher.hash(new)
        return try await database.transaction { connection in
            try await connection.query("""
                UPDATE accounts SET password_hash = \(newHash), must_change_password = false, updated_at = now() WHERE id = \(account.id)
                """, logger: logger)
            try await connection.query("UPDATE sessions SET revoked_at = now() WHERE account_id = \(account.id) AND revoked_at IS NULL", logger: logger)
            try await audit.record("changePassword", actor: account.id, account: account.id, client: client, on: connection)
            var changed = account
            changed.mustChangePassword = false
            return try await openSession(for: changed, passwordChangeOnly: false, on: connection)
        }
    }

    // MARK: Pieces

    private func lockedError(_ account: Account) -> AccountsError {
        let minutes = max(1, Int(((account.lockedUntil ?? Date()).timeIntervalSinceNow / 60).rounded(.up)))
        return AccountsError(.locked, "密码错误次数过多，账号已锁定，请\(minutes)分钟后再试或联系管理员重置")
    }

    private func find(mobile: String) async throws -> (Account, String)? {
        let rows = try await database.query("SELECT \(unescaped: Account.columns), password_hash FROM accounts WHERE mobile = \(mobile)")
        for try await row in rows.decode((String, String, String, String, String, String?, String?, Bool, Bool, Int, Date?, Date?, Date?, Date, String).self) {
            return (Account((row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10, row.11, row.12, row.13)), row.14)
        }
        return nil
    }

    private func lockedRow(_ id: String, on connection: PostgresConnection) async throws -> Account? {
        let rows = try await connection.query("SELECT \(unescaped: Account.columns) FROM accounts WHERE id = \(id) FOR UPDATE", logger: logger)
        for try await row in rows.decode(Account.Row.self) { return Account(row) }
        return nil
    }

    private func liveSession(_ token: String, on connection: PostgresConnection) async throws -> (Account, Bool, Date) {
        let rows = try await connection.query("""
            SELECT s.account_id, s.password_change_only, s.expires_at FROM sessions s
            WHERE s.token_hash = \(Self.digest(token)) AND s.revoked_at IS NULL AND s.expires_at > now()
            """, logger: logger)
        for try await (accountId, passwordChangeOnly, expiresAt) in rows.decode((String, Bool, Date).self) {
            guard let account = try await lockedRow(accountId, on: connection) else { break }
            if account.disabledAt != nil { throw AccountsError(.disabled, "账号已停用，请联系管理员") }
            return (account, passwordChangeOnly, expiresAt)
        }
        throw AccountsError(.sessionInvalid, "登录已失效，请重新登录")
    }

    private func openSession(for account: Account, passwordChangeOnly: Bool, on connection: PostgresConnection) async throws -> Signed {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let token = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        let expiresAt = Date().addingTimeInterval(sessionLifetime)
        try await connection.query("""
            INSERT INTO sessions (token_hash, account_id, password_change_only, expires_at)
            VALUES (\(Self.digest(token)), \(account.id), \(passwordChangeOnly), \(expiresAt))
            """, logger: logger)
        return try await signed(account, sessionToken: token, expiresAt: expiresAt, passwordChangeOnly: passwordChangeOnly)
    }

    private func signed(_ account: Account, sessionToken: String, expiresAt: Date, passwordChangeOnly: Bool) async throws -> Signed {
        Signed(
            accessToken: passwordChangeOnly ? nil : try await issuer.issue(for: account),
            expiresIn: passwordChangeOnly ? nil : Int(await issuer.lifetime), sessionToken: sessionToken, sessionExpiresAt: expiresAt,
            passwordChangeRequired: passwordChangeOnly, account: AccountView(account, regionName: try await regionName(account.region), showMobile: false))
    }

    /// The name of the account's region from the grid (邢家村, 垛石镇), nil while unknown.
    private func regionName(_ code: String) async throws -> String? {
        for try await name in try await database.query("SELECT name FROM grid_units WHERE code = \(code)").decode(String.self) { return name }
        return nil
    }

    static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
