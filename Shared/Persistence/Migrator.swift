import Logging

/// Applies migrations at start-up. Several instances of a service may start at once: an advisory lock
/// per schema lets one of them migrate while the others wait, then find nothing left to do.
public struct Migrator: Sendable {
    private let database: Database
    private let logger: Logger

    /// Creates a migrator for the service's own schema.
    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Applies every migration not yet recorded in `schema_migrations`; returns the versions applied.
    @discardableResult
    public func migrate(_ migrations: [Migration]) async throws -> [Int] {
        let versions = migrations.map(\.version)
        precondition(Set(versions).count == versions.count, "migration versions must be unique")
        let lockKey = "lifeline.migrations." + database.schema
        let logger = self.logger
        return try await database.client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(hashtext(\(lockKey)))", logger: logger)
            do {
                let applied = try await Self.applyPending(migrations.sorted { $0.version < $1.version }, on: connection, logger: logger)
                try await connection.query("SELECT pg_advisory_unlock(hashtext(\(lockKey)))", logger: logger)
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(hashtext(\(lockKey)))", logger: logger)
                throw error
            }
        }
    }

    private static func applyPending(_ migrations: [Migration], on connection: PostgresConnection, logger: Logger) async throws -> [Int] {
        try await connection.query("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, logger: logger)
        var done = Set<Int>()
        for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger).decode(Int.self) {
            done.insert(version)
        }
        var applied: [Int] = []
        for migration in migrations where !done.contains(migration.version) {
            try await connection.withTransaction(logger: logger) { connection in
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))", logger: logger)
            }
            logger.info("applied migration", metadata: ["db.migration": "\(migration.version) \(migration.name)"])
            applied.append(migration.version)
        }
        return applied
    }
}
