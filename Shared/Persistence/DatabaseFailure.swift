/// Decides whether a database failure may succeed when tried again.
public enum DatabaseFailure {
    /// SQLSTATE classes that describe a passing condition: connection exceptions (08), transaction
    /// rollbacks such as serialization failures and deadlocks (40), insufficient resources (53),
    /// operator intervention such as a server restart (57).
    private static let retriableClasses: Set<String> = ["08", "40", "53", "57"]

    /// `true` for connection problems and transient server conditions; `false` for errors in the data or
    /// the SQL (constraint violations, syntax), which would fail the same way every time.
    public static func isRetriable(_ error: any Error) -> Bool {
        if let transactionError = error as? PostgresTransactionError {
            return isRetriable(transactionError.closureError ?? transactionError.commitError ?? transactionError.beginError ?? transactionError)
        }
        guard let error = error as? PSQLError else { return false }
        if let sqlState = error.serverInfo?[.sqlState] {
            return retriableClasses.contains(String(sqlState.prefix(2)))
        }
        return true  // client-side: connection closed, timeouts, pool shut down
    }

    /// SQLSTATE classes that mean the database itself is unavailable rather than this statement being
    /// wrong: connection exceptions (08), insufficient resources (53), operator intervention (57).
    private static let infrastructureClasses: Set<String> = ["08", "53", "57"]

    /// Client-side failures that mean the server cannot be reached or the connection went away.
    private static let connectionCodes: Set<PSQLError.Code> = [
        .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed, .queryCancelled,
        .listenFailed, .unlistenFailed, .failedToAddSSLHandler,
    ]

    /// `true` when the database is unreachable or unavailable (a connection refused, cut or closed,
    /// a pool that cannot connect, the server shutting down or out of resources): waiting helps, and
    /// the work must never be given up for it. `false` for errors in the data or the SQL, and for
    /// passing conflicts such as deadlocks (see `isRetriable`).
    public static func isInfrastructure(_ error: any Error) -> Bool {
        if error is DeadlineExceeded { return true }
        if let transactionError = error as? PostgresTransactionError {
            let inner = transactionError.closureError ?? transactionError.commitError ?? transactionError.beginError
            return inner.map(isInfrastructure) ?? true
        }
        if let error = error as? PSQLError {
            if let sqlState = error.serverInfo?[.sqlState] {
                return infrastructureClasses.contains(String(sqlState.prefix(2)))
            }
            return connectionCodes.contains(error.code)
        }
        // The pool's own errors (circuit breaker tripped while the server is down) and NIO's socket
        // errors are not PSQLErrors; they are recognised by their module.
        let typeName = String(reflecting: type(of: error))
        return typeName.contains("ConnectionPoolError") || typeName.hasPrefix("NIOCore.") || typeName.hasPrefix("NIOPosix.")
    }

    /// `true` when the client's pool was closed (this service shutting down): the database may be
    /// fine, but this process will not reach it again.
    public static func isPoolClosed(_ error: any Error) -> Bool {
        if let transactionError = error as? PostgresTransactionError {
            return isPoolClosed(transactionError.closureError ?? transactionError.commitError ?? transactionError.beginError ?? transactionError)
        }
        return (error as? PSQLError)?.code == .poolClosed
    }

    /// The SQLSTATE of a server error, if it is one. Safe to log (it carries no data).
    public static func sqlState(of error: any Error) -> String? {
        if let transactionError = error as? PostgresTransactionError {
            return sqlState(of: transactionError.closureError ?? transactionError.commitError ?? transactionError)
        }
        return (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// The table and constraint a server error names, e.g. `applications/applications_pkey`. Safe to
    /// log: unlike the server's message and detail, which can quote row values, these are schema names.
    public static func objectNames(of error: any Error) -> String? {
        if let transactionError = error as? PostgresTransactionError {
            return objectNames(of: transactionError.closureError ?? transactionError.commitError ?? transactionError)
        }
        guard let info = (error as? PSQLError)?.serverInfo else { return nil }
        let names = [info[.tableName], info[.constraintName]].compactMap { $0 }
        return names.isEmpty ? nil : names.joined(separator: "/")
    }
}
