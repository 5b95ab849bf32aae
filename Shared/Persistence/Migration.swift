/// One versioned schema change. Statements run in one transaction, in order.
public struct Migration: Sendable {
    /// Unique, increasing version. 1-99 are reserved for the shared tables (outbox, inbox).
    public var version: Int
    /// A short name for the history table.
    public var name: String
    /// The SQL statements (one statement each: the extended protocol runs them one by one).
    public var statements: [String]

    /// Creates a migration.
    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}
