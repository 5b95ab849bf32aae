import Foundation
import LifelineEvents
import Logging

/// One event waiting in the outbox.
public struct OutboxEntry: Sendable, Hashable {
    /// Position in the outbox; the relay sends in this order.
    public var id: Int64
    /// The event id (CloudEvents `id`).
    public var eventId: String
    /// Destination topic.
    public var topic: String
    /// Record key.
    public var partitionKey: String?
    /// Record headers.
    public var headers: [String: String]
    /// Record value.
    public var payload: [UInt8]
    /// When the state change that caused it committed.
    public var createdAt: Date

    /// Creates an entry.
    public init(id: Int64 = 0, eventId: String, topic: String, partitionKey: String?, headers: [String: String], payload: [UInt8], createdAt: Date = Date()) {
        self.id = id
        self.eventId = eventId
        self.topic = topic
        self.partitionKey = partitionKey
        self.headers = headers
        self.payload = payload
        self.createdAt = createdAt
    }
}

/// Backlog figures for metrics and readiness.
public struct OutboxBacklog: Sendable, Hashable {
    /// Unsent entries.
    public var count: Int
    /// Age in seconds of the first unsent entry in outbox order, the oldest but for concurrent writers' jitter (0 when empty).
    public var oldestAgeSeconds: Double
    /// Entries parked because the broker refused them for good (they hold back their own key).
    public var parked: Int = 0
}

/// A parked outbox entry, as operators see it (no payload: it may carry personal data).
public struct ParkedOutboxEntry: Sendable, Hashable {
    /// Outbox position.
    public var id: Int64
    /// The event id.
    public var eventId: String
    /// Destination topic.
    public var topic: String
    /// Payload size in bytes.
    public var size: Int
    /// Why the broker refused it.
    public var reason: String
    /// When it was parked.
    public var parkedAt: Date
    /// Later entries of the same key waiting behind it.
    public var waitingBehind: Int
}

/// An outbox write the store refuses.
public struct OutboxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        public var description: String { raw }
        /// The event is larger than the broker would accept.
        public static let eventTooLarge = Code("event_too_large")
        /// No parked entry has that id.
        public static let notParked = Code("not_parked")
    }

    /// What is wrong.
    public let code: Code
    /// Why, without data values.
    public let message: String

    public var description: String { "OutboxError(\(code)): \(message)" }

    /// An event of `type` and `size` bytes over `maximum`.
    public static func eventTooLarge(type: String, size: Int, maximum: Int) -> OutboxError {
        OutboxError(
            code: .eventTooLarge,
            message: "\(type) is \(size) bytes; the largest event the outbox accepts is \(maximum) bytes (OUTBOX_MAX_EVENT_BYTES)")
    }
}

/// The outbox table of the service's schema: written in the business transaction, read by the relay.
public struct OutboxStore: Sendable {
    /// Default largest event (payload and headers), below the broker's default `message.max.bytes` (1 MiB).
    public static let defaultMaximumEventBytes = 1_000_000

    private let database: Database
    /// Where the store's statements are logged (PostgresNIO's debug logging).
    public let logger: Logger
    /// Largest event accepted by `append`; larger ones are refused in the publishing transaction.
    public let maximumEventBytes: Int

    /// The LISTEN/NOTIFY channel that wakes the relay when an entry commits.
    public var channel: String { "lifeline_outbox_" + database.schema }

    /// Creates the store.
    public init(database: Database, logger: Logger, maximumEventBytes: Int = OutboxStore.defaultMaximumEventBytes) {
        self.database = database
        self.logger = logger
        self.maximumEventBytes = maximumEventBytes
    }

    /// Throws `OutboxError.eventTooLarge` when the entry could never be sent.
    private func checkSize(_ entry: OutboxEntry) throws {
        let size = entry.payload.count + entry.headers.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count } + (entry.partitionKey?.utf8.count ?? 0)
        guard size <= maximumEventBytes else {
            let type = entry.headers["ce_type"] ?? "event"
            throw OutboxError.eventTooLarge(type: type, size: size, maximum: maximumEventBytes)
        }
    }

    /// The text before a partition key in the advisory-lock key of `append` (`hashtext(lockNamespace || key)`),
    /// for writers that insert outbox rows with their own SQL and must take the same per-key locks, in
    /// byte order of the keys, before their rows.
    public var lockNamespace: String { database.schema + "/" }

    /// Wakes the relay once the caller's transaction commits: in-process when this process leads the
    /// relay and the transaction runs through `Database.transaction`, otherwise by `pg_notify`
    /// (delivered at commit to whichever instance listens). Called by every append; writers that
    /// insert outbox rows with their own SQL call it themselves.
    public func wakeRelayAfterCommit(on connection: PostgresConnection) async throws {
        if let marks = TransactionMarks.current, database.outboxWake.relayLeaderIsHere {
            marks.markOutboxWritten()
        } else {
            try await connection.query("SELECT pg_notify(\(channel), '')", logger: logger)
        }
    }

    /// Appends an entry inside the caller's transaction; the relay is woken when that transaction commits.
    ///
    /// Outbox ids come from a sequence, handed out before commit, so two concurrent transactions could
    /// commit events of one key in the opposite order of their ids. A transaction-scoped advisory lock
    /// per key makes the second writer of a key wait for the first to commit before it takes an id, so
    /// per key, id order is commit order and the relay (which sends in id order) keeps it.
    ///
    /// Inside `Database.transaction` the entry is kept and written with the transaction's other entries
    /// just before the commit (`insertAll`), which saves two round trips per event.
    public func append(_ entry: OutboxEntry, on connection: PostgresConnection) async throws {
        try checkSize(entry)
        if let marks = TransactionMarks.current, marks.keepForCommit(entry, of: self, on: connection) { return }
        try await insertAll([entry], on: connection)
    }

    /// Appends many entries inside the caller's transaction with one prepared statement, whatever their
    /// number (two when another instance leads the relay and is woken by `pg_notify`): it takes the
    /// per-key locks in key order (no deadlock between two bulk writers), then writes the rows in the
    /// order given. Inside `Database.transaction` they are kept, like `append`'s,
    /// and written with the transaction's other entries just before the commit, in the order appended.
    public func appendAll(_ entries: [OutboxEntry], on connection: PostgresConnection) async throws {
        for entry in entries { try checkSize(entry) }
        if let marks = TransactionMarks.current, marks.keepForCommit(entries, of: self, on: connection) { return }
        try await insertAll(entries, on: connection)
    }

    /// Writes checked entries: per-key locks in key order, then the rows in the order given (one statement).
    func insertAll(_ entries: [OutboxEntry], on connection: PostgresConnection) async throws {
        guard !entries.isEmpty else { return }
        var rows = OutboxInsertEntries(lockKeys: Set(entries.map { database.schema + "/" + ($0.partitionKey ?? "") }).sorted())
        for entry in entries {
            rows.eventIds.append(entry.eventId)
            rows.topics.append(entry.topic)
            rows.keys.append(entry.partitionKey ?? "")
            rows.headers.append(JSONText.object(entry.headers))
            rows.payloads.append(Data(entry.payload).base64EncodedString())
        }
        _ = try await connection.run(rows, logger: logger)
        try await wakeRelayAfterCommit(on: connection)
    }

    private static let headerDecoder = JSONDecoder()

    /// The oldest unsent entries, in outbox order, leaving out parked entries and every later entry of
    /// a parked entry's key on the same topic (so that no household's events overtake each other).
    public func unsent(limit: Int) async throws -> [OutboxEntry] {
        var entries: [OutboxEntry] = []
        for (id, eventId, topic, key, headers, payload, createdAt) in try await database.execute(OutboxUnsent(limit: limit)) {
            let decoded = try Self.headerDecoder.decode([String: String].self, from: Data(headers.utf8))
            entries.append(OutboxEntry(id: id, eventId: eventId, topic: topic, partitionKey: key, headers: decoded, payload: Array(payload.readableBytesView), createdAt: createdAt))
        }
        return entries
    }

    /// Marks entries as confirmed by the broker.
    ///
    /// The mark is committed without waiting for its WAL flush (`Database.writeWithoutFlushWait`): a crash of PostgreSQL may forget the last fraction of a second of
    /// marks, and those entries are then sent again, which consumers' inboxes absorb. So the relay's
    /// round does not wait for an fsync, and adds none of its own for other commits to queue behind.
    public func markSent(_ ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        _ = try await database.execute(OutboxMarkSent(ids: ids))
    }

    /// Records a failed attempt (the reason must not contain personal data).
    public func recordFailure(_ ids: [Int64], reason: String) async throws {
        guard !ids.isEmpty else { return }
        try await database.query("UPDATE outbox SET attempts = attempts + 1, last_error = \(reason) WHERE id = ANY(\(ids))")
    }

    /// Parks an entry the broker refused for good, with the reason (which must carry no personal data).
    /// Later entries of its key wait behind it until an operator releases or skips it.
    public func park(_ id: Int64, reason: String) async throws {
        try await database.query("""
            UPDATE outbox SET parked_at = clock_timestamp(), attempts = attempts + 1, last_error = \(reason) WHERE id = \(id) AND sent_at IS NULL
            """)
    }

    /// Parked entries, oldest first, with how many entries of their key wait behind each.
    public func parked() async throws -> [ParkedOutboxEntry] {
        let rows = try await database.query("""
            SELECT p.id, p.event_id, p.topic, length(p.payload)::bigint, COALESCE(p.last_error, ''), p.parked_at,
                (SELECT count(*) FROM outbox w WHERE w.sent_at IS NULL AND w.topic = p.topic AND w.partition_key = p.partition_key AND w.id > p.id)::bigint
            FROM outbox p WHERE p.sent_at IS NULL AND p.parked_at IS NOT NULL ORDER BY p.id
            """)
        var entries: [ParkedOutboxEntry] = []
        for try await (id, eventId, topic, size, reason, parkedAt, behind) in rows.decode((Int64, String, String, Int64, String, Date, Int64).self) {
            entries.append(ParkedOutboxEntry(
                id: id, eventId: eventId, topic: topic, size: Int(size), reason: reason, parkedAt: parkedAt, waitingBehind: Int(behind)))
        }
        return entries
    }

    /// Puts a parked entry back in line (after the cause was fixed, e.g. the topic's size limit raised).
    public func release(_ id: Int64) async throws {
        let changed = try await database.count("""
            WITH changed AS (UPDATE outbox SET parked_at = NULL WHERE id = \(id) AND parked_at IS NOT NULL AND sent_at IS NULL RETURNING 1)
            SELECT count(*)::bigint FROM changed
            """)
        guard changed == 1 else { throw OutboxError(code: .notParked, message: "no parked outbox entry has id \(id)") }
    }

    /// Gives up on a parked entry: it is marked done without being sent, and its key flows again.
    public func skip(_ id: Int64) async throws {
        let changed = try await database.count("""
            WITH changed AS (
                UPDATE outbox SET sent_at = clock_timestamp(), last_error = 'skipped by an operator: ' || COALESCE(last_error, '')
                WHERE id = \(id) AND parked_at IS NOT NULL AND sent_at IS NULL RETURNING 1)
            SELECT count(*)::bigint FROM changed
            """)
        guard changed == 1 else { throw OutboxError(code: .notParked, message: "no parked outbox entry has id \(id)") }
    }

    /// Unsent count, the age of the first unsent entry (in outbox order), and the parked count.
    ///
    /// Each part reads one of the partial indexes of unsent and parked entries, so the cost follows the
    /// backlog, not the week of sent entries the table keeps (one scan of all of them, every second on
    /// every instance, took 16 ms at 27,000 rows).
    public func backlog() async throws -> OutboxBacklog {
        let rows = try await database.query(PostgresQuery(unsafeSQL: Self.backlogSQL))
        for try await (count, age, parked) in rows.decode((Int64, Double, Int64).self) {
            return OutboxBacklog(count: Int(count), oldestAgeSeconds: age, parked: Int(parked))
        }
        return OutboxBacklog(count: 0, oldestAgeSeconds: 0)
    }

    static let backlogSQL = """
        SELECT (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND parked_at IS NULL)::bigint,
            COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - (
                SELECT created_at FROM outbox WHERE sent_at IS NULL AND parked_at IS NULL ORDER BY id LIMIT 1)), 0)::float8,
            (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND parked_at IS NOT NULL)::bigint
        """

    /// Deletes sent entries older than `age`; returns how many.
    @discardableResult
    public func purgeSent(olderThan age: Duration) async throws -> Int {
        let seconds = Double(age.components.seconds)
        return try await database.count("""
            WITH gone AS (DELETE FROM outbox WHERE sent_at < clock_timestamp() - make_interval(secs => \(seconds)) RETURNING 1)
            SELECT count(*)::bigint FROM gone
            """)
    }
}
