import Synchronization

/// Wakes this process's outbox relay when a transaction that wrote to the outbox commits, without a
/// round trip through PostgreSQL. `pg_notify` is used only when the relay leader is another instance
/// (or the writer did not go through `Database.transaction`), so a request transaction does not pay
/// for a notification in the common case.
public final class OutboxWake: Sendable {
    private let leaderHere = Mutex(false)
    /// Signalled after each commit that wrote outbox entries.
    public let committed = WakeSignal()

    /// Creates the wake for one `Database`.
    public init() {}

    /// Whether this process holds the relay lock of the schema right now.
    public var relayLeaderIsHere: Bool {
        get { leaderHere.withLock { $0 } }
    }

    /// Set by the relay when it takes or gives up leadership.
    public func setRelayLeaderHere(_ value: Bool) {
        leaderHere.withLock { $0 = value }
    }
}

/// What the transaction in progress on this task has done that matters after it commits.
final class TransactionMarks: Sendable {
    private let wroteOutbox = Mutex(false)

    func markOutboxWritten() { wroteOutbox.withLock { $0 = true } }
    var outboxWritten: Bool { wroteOutbox.withLock { $0 } }

    /// The marks of the `Database.transaction` running on this task, if any.
    @TaskLocal static var current: TransactionMarks?
}
