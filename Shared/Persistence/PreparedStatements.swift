import Logging
import PostgresNIO

/// How our code runs a prepared statement (PostgresNIO's `PostgresPreparedStatement`, parsed and
/// planned once per connection): through `run`, never `execute` directly.
///
/// PostgresNIO remembers a failed preparation for the rest of the connection's life and answers every
/// later use of that statement on it with the same error. A preparation fails when it meets a
/// transaction already aborted (25P02), a table not yet migrated (42P01), a lock timeout (55P03), a
/// cancelled statement (57014)…; the connection would then fail that statement forever while the
/// pool's other connections work. So when a prepared statement fails with an error that may come from its preparation, `run`
/// closes the connection (inside a `Database.transaction`, the transaction does when it ends), and the
/// pool replaces it with a fresh one.
extension PostgresConnection {
    /// Runs `statement` and returns its rows (see the type's notes for what a failure does).
    public func run<Statement: PostgresPreparedStatement>(_ statement: Statement, logger: Logger) async throws -> [Statement.Row] {
        do {
            var rows: [Statement.Row] = []
            for try await row in try await execute(statement, logger: logger) { rows.append(row) }
            return rows
        } catch {
            if Self.mayHaveFailedPreparation(error) {
                logger.notice("closing a database connection after a prepared statement failed", metadata: [
                    "statement": "\(Statement.name)", "sqlstate": "\(DatabaseFailure.sqlState(of: error) ?? "none")",
                ])
                // In a `Database.transaction` on this connection, the transaction closes it when it
                // ends: PostgresNIO never answers a query (its ROLLBACK) on a connection closed under it.
                if let marks = TransactionMarks.current, marks.closeAtEnd(self, because: error) {} else { try? await close() }
            }
            throw error
        }
    }

    /// Whether `error` may come from a preparation: any error the server sent but those of the classes
    /// only executing raises (data exceptions 22, constraint violations 23, serialisation failures and
    /// deadlocks 40, errors raised by PL/pgSQL P0). PostgresNIO remembers every failed preparation, and
    /// a preparation can fail in many ways (an aborted transaction 25P02, a table not yet migrated
    /// 42P01, a lock timeout 55P03, a cancelled statement 57014…): closing a good connection costs one
    /// reconnect, keeping a spoiled one fails that statement on it for good. Errors the server did not
    /// send (the connection is gone) leave nothing to close.
    static func mayHaveFailedPreparation(_ error: any Error) -> Bool {
        guard let sqlState = DatabaseFailure.sqlState(of: error) else { return false }
        return !["22", "23", "40", "P0"].contains(String(sqlState.prefix(2)))
    }
}
