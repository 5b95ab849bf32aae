import Foundation
import Hummingbird
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime
import Logging

/// Accounts (账号): officials' accounts managed by the district's and towns' administrators, sign-in
/// with mobile number and password (scrypt hashes, lockout, a forced change of initial passwords), and
/// the same short-lived ES256 access tokens every service already verifies. See docs/accounts.md.
public enum AccountsService {
    /// Port when `HTTP_PORT` is not set.
    public static let defaultHTTPPort = 8087

    /// The service's definition.
    public static let definition = ServiceDefinition(
        name: "accounts",
        migrations: AccountsMigrations.all,
        producedTopics: [],
        consumers: [
            ConsumerDefinition(name: "grid", topics: [.intakeGrid]) { dependencies in
                let grid = GridCopy(logger: dependencies.logger)
                var handlers = EventHandlers(unknownTypes: .ignore)
                handlers.on(GridUnitRegistered.self) { unit, context in try await grid.apply(unit, on: context.connection) }
                return handlers
            }
        ],
        checkSettings: { settings in _ = try AccountsSettings(settings: settings) },
        onPrepared: { dependencies in
            let settings = AccountsSettings.from(dependencies)
            try await TokenIssuer(privateKeyPEM: settings.signingKeyPEM, lifetime: settings.accessTokenLifetime).checkMatches(dependencies.tokenKeys)
            guard let bootstrap = settings.bootstrap else { return }
            try await Bootstrap(database: dependencies.database, logger: dependencies.logger).ensure(bootstrap)
        },
        backgroundServices: { dependencies in [SessionSweeper(database: dependencies.database, logger: dependencies.logger)] },
        routes: { router, dependencies in
            let settings = AccountsSettings.from(dependencies)
            let (database, logger) = (dependencies.database, dependencies.logger)
            let hasher = PasswordHasher()
            let audit = AccountAudit(logger: logger)
            let issuer = TokenIssuer(privateKeyPEM: settings.signingKeyPEM, lifetime: settings.accessTokenLifetime)
            SignInRoutes(
                signIn: SignInStore(
                    database: database, hasher: hasher, issuer: issuer, audit: audit, sessionLifetime: settings.sessionLifetime,
                    lockoutFailures: settings.lockoutFailures, lockoutDuration: settings.lockoutDuration, logger: logger),
                clients: settings.clients,
                attempts: SharedRateLimiter(scope: "sign-in", capacity: settings.signInsPerTenMinutes, period: .seconds(600), database: database)
            ).add(to: router)
            let group = router.group("v1").add(middleware: BearerAuthMiddleware(keys: dependencies.tokenKeys))
            AccountRoutes(accounts: AccountStore(database: database, hasher: hasher, audit: audit, logger: logger), clients: settings.clients)
                .add(to: group)
        }
    )
}

/// Creates the first district administrator from the settings when its mobile number has no account.
struct Bootstrap: Sendable {
    let database: Database
    let logger: Logger

    func ensure(_ bootstrap: AccountsSettings.Bootstrap) async throws {
        let existing = try await database.count("SELECT count(*) FROM accounts WHERE mobile = \(bootstrap.mobile)")
        guard existing == 0 else { return }
        let hash = try await PasswordHasher().hash(bootstrap.password)
        try await database.transaction { connection in
            try await connection.query("""
                INSERT INTO accounts (id, name, mobile, role, region, administrator, password_hash, must_change_password, created_by)
                VALUES ('ZH' || \(unescaped: RecordNumberSQL.digits("nextval('account_numbers')", atLeast: 8)), '区管理员', \(bootstrap.mobile), 'district', \(bootstrap.region), true,
                        \(hash), false, 'bootstrap')
                ON CONFLICT (mobile) DO NOTHING
                """, logger: logger)
            try await AccountAudit(logger: logger).record("bootstrapAdministrator", actor: "bootstrap", account: nil, client: nil, on: connection)
        }
        logger.notice("created the bootstrap administrator account", metadata: ["region": "\(bootstrap.region)"])
    }
}
