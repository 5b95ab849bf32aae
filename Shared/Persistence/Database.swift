import Logging
import ServiceLifecycle

/// A service's connection pool. Run it as the first `Service` of the group (it must be running for
/// queries to lease connections) so that it is the last to stop.
public final class Database: Service, Sendable {
    /// The configuration it connects with.
    public let configuration: DatabaseConfiguration
    /// The underlying PostgresNIO client.
    public let client: PostgresClient
    /// The logger statements of this database log to.
    public let logger: Logger
    private let started = StartGate()
    /// Wakes the outbox relay of this process after commits that wrote outbox entries.
    public let outboxWake = OutboxWake()

    /// Creates the pool; nothing connects until `run()`.
    public init(configuration: DatabaseConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.client = PostgresClient(configuration: configuration.clientConfiguration, backgroundLogger: logger)
    }

    /// Runs the pool until the task is cancelled (graceful shutdown cancels it after the services after it).
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            // Opened here, in the task that runs the pool (`cancelWhenGracefulShutdown` starts a child
            // task), right before it: opened earlier, a waiter could lease before the pool ran, and
            // PostgresNIO then warns that `run()` has not been called.
            self.started.open()
            await self.client.run()
        }
    }

    /// Waits until `run()` has started, so that start-up work does not lease before the pool runs.
    public func waitUntilRunning() async {
        _ = await started.wait()
        await Task.yield()
    }

    /// The schema this service owns.
    public var schema: String { configuration.schema }

    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws; what `body`
    /// threw (or the failed BEGIN or COMMIT) is what the caller sees.
    /// Outbox entries appended in `body` are written together just before the commit (one statement
    /// takes their locks and writes the rows); after a commit that wrote any, this process's relay is woken.
    /// A connection that a prepared statement's failed preparation spoiled (`PostgresConnection.run`)
    /// is closed instead of rolled back, which ends the transaction as well.
    public func transaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let marks = TransactionMarks()
        let result = try await TransactionMarks.$current.withValue(marks) {
            try await client.withConnection { connection in
                try await connection.query("BEGIN;", logger: logger)
                marks.begin(on: connection)
                let result: Result
                do {
                    result = try await body(connection)
                    // Outbox entries of the transaction go in together, just before the commit.
                    if let (store, entries) = marks.takePending() {
                        try await store.insertAll(entries, on: connection)
                    }
                } catch {
                    if marks.spoiledBy != nil {
                        try? await connection.close()
                    } else {
                        _ = try? await connection.query("ROLLBACK;", logger: logger)
                    }
                    throw error
                }
                // A body that caught the spoiling error itself: its transaction is aborted, so COMMIT
                // would roll back and answer as if it had committed.
                if let spoiledBy = marks.spoiledBy {
                    try? await connection.close()
                    throw spoiledBy
                }
                try await connection.query("COMMIT;", logger: logger)
                return result
            }
        }
        if marks.outboxWritten { outboxWake.committed.signal() }
        return result
    }

    /// Runs one statement outside an explicit transaction.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await client.query(query, logger: logger)
    }

    /// Runs one writing statement, which must end in `RETURNING …`, as its own transaction committed
    /// without waiting for the WAL flush, and returns how many rows it wrote. `set_config(…, true)`
    /// turns `synchronous_commit` off for just this statement's transaction: one round trip, no fsync
    /// wait, and the connection's own setting untouched. Only for writes a PostgreSQL crash may forget
    /// (they are redone or merely approximate), never for a fact someone was told is stored.
    @discardableResult
    public func writeWithoutFlushWait(_ statement: PostgresQuery) async throws -> Int {
        var query = PostgresQuery(unsafeSQL: Self.withoutFlushWait(statement.sql))
        query.binds = statement.binds
        var rows = 0
        for try await _ in try await client.query(query, logger: logger) { rows += 1 }
        return rows
    }

    /// The SQL that `writeWithoutFlushWait` runs for `sql` (a writing statement ending in `RETURNING …`):
    /// for a prepared statement that commits the same way; each row it returns is one row written.
    public static func withoutFlushWait(_ sql: String) -> String {
        "WITH lifeline_async AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true)), lifeline_write AS ("
            + sql + ") SELECT 1 FROM lifeline_write, lifeline_async"
    }

    /// Runs a prepared statement outside an explicit transaction and returns its rows. PostgreSQL parses
    /// and plans a prepared statement once per connection instead of once per call: for the short
    /// statements a request runs, that is most of their cost (a rate limit's take: 0.33 ms as an unnamed
    /// statement, 0.08 ms prepared, by pgbench on the bench machine).
    public func execute<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [Statement.Row] {
        try await client.withConnection { connection in try await connection.run(statement, logger: logger) }
    }

    /// Runs a query whose first row's first column is a `bigint` count (0 when no row).
    public func count(_ query: PostgresQuery) async throws -> Int {
        for try await value in try await client.query(query, logger: logger).decode(Int64.self) { return Int(value) }
        return 0
    }

    /// Throws unless the database answers `SELECT 1` within the pool's connect timeout.
    public func checkReachable() async throws {
        try await client.query("SELECT 1", logger: logger)
    }
}
