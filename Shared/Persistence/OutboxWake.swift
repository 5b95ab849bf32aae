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

/// What the transaction in progress on this task has done that matters before and after it commits:
/// outbox entries waiting to be written together just before the commit, and whether any were written.
final class TransactionMarks: Sendable {
    private struct State {
        var connectionId: PostgresConnection.ID?
        var pending: [OutboxEntry] = []
        var pendingStore: OutboxStore?
        var wroteOutbox = false
        var spoiledBy: (any Error)?
    }

    private let state = Mutex(State())

    func markOutboxWritten() { state.withLock { $0.wroteOutbox = true } }
    var outboxWritten: Bool { state.withLock { $0.wroteOutbox } }

    /// Asks for the transaction's connection to be closed when the transaction ends, because a
    /// prepared statement's preparation failed on it with `error`, if `connection` is this
    /// transaction's (`true`); `false` otherwise.
    func closeAtEnd(_ connection: PostgresConnection, because error: any Error) -> Bool {
        state.withLock { state in
            guard state.connectionId == connection.id else { return false }
            state.spoiledBy = state.spoiledBy ?? error
            return true
        }
    }

    /// Why the transaction's connection is to be closed when it ends (nil: it is not).
    var spoiledBy: (any Error)? { state.withLock { $0.spoiledBy } }

    /// The transaction's connection, once the transaction has begun.
    func begin(on connection: PostgresConnection) { state.withLock { $0.connectionId = connection.id } }

    /// Keeps `entry` for the commit when `connection` is this transaction's; `false` otherwise.
    func keepForCommit(_ entry: OutboxEntry, of store: OutboxStore, on connection: PostgresConnection) -> Bool {
        keepForCommit([entry], of: store, on: connection)
    }

    /// Keeps `entries`, in order, for the commit when `connection` is this transaction's; `false` otherwise.
    func keepForCommit(_ entries: [OutboxEntry], of store: OutboxStore, on connection: PostgresConnection) -> Bool {
        state.withLock { state in
            guard state.connectionId == connection.id else { return false }
            state.pending.append(contentsOf: entries)
            state.pendingStore = store
            return true
        }
    }

    /// The entries kept for the commit, handed out once.
    func takePending() -> (OutboxStore, [OutboxEntry])? {
        state.withLock { state in
            guard let store = state.pendingStore, !state.pending.isEmpty else { return nil }
            defer { state.pending = []; state.pendingStore = nil }
            return (store, state.pending)
        }
    }

    /// The marks of the `Database.transaction` running on this task, if any.
    @TaskLocal static var current: TransactionMarks?
}
