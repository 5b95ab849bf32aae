import Foundation
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
    /// Age of the oldest unsent entry in seconds (0 when empty).
    public var oldestAgeSeconds: Double
}

/// The outbox table of the service's schema: written in the business transaction, read by the relay.
public struct OutboxStore: Sendable {
    private let database: Database
    private let logger: Logger

    /// The LISTEN/NOTIFY channel that wakes the relay when an entry commits.
    public var channel: String { "lifeline_outbox_" + database.schema }

    /// Creates the store.
    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Appends an entry inside the caller's transaction; the relay is woken when that transaction commits.
    ///
    /// Outbox ids come from a sequence, handed out before commit, so two concurrent transactions could
    /// commit events of one key in the opposite order of their ids. A transaction-scoped advisory lock
    /// per key makes the second writer of a key wait for the first to commit before it takes an id, so
    /// per key, id order is commit order and the relay (which sends in id order) keeps it.
    public func append(_ entry: OutboxEntry, on connection: PostgresConnection) async throws {
        let lockKey = database.schema + "/" + (entry.partitionKey ?? "")
        try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(lockKey)))", logger: logger)
        let headers = String(decoding: try JSONEncoder().encode(entry.headers), as: UTF8.self)
        try await connection.query("""
            INSERT INTO outbox (event_id, topic, partition_key, headers, payload)
            VALUES (\(entry.eventId), \(entry.topic), \(entry.partitionKey), \(headers)::jsonb, \(ByteBuffer(bytes: entry.payload)))
            """, logger: logger)
        try await connection.query("SELECT pg_notify(\(channel), '')", logger: logger)
    }

    /// Appends many entries inside the caller's transaction with three statements, whatever their
    /// number: the per-key locks are taken in key order (no deadlock between two bulk writers), then
    /// the rows go in, in the order given.
    public func appendAll(_ entries: [OutboxEntry], on connection: PostgresConnection) async throws {
        guard !entries.isEmpty else { return }
        let lockKeys = Set(entries.map { database.schema + "/" + ($0.partitionKey ?? "") }).sorted()
        try await connection.query("""
            SELECT pg_advisory_xact_lock(hashtext(key)) FROM unnest(\(lockKeys)::text[]) AS k(key)
            """, logger: logger)
        let encoder = JSONEncoder()
        var eventIds: [String] = [], topics: [String] = [], keys: [String] = [], headers: [String] = [], payloads: [String] = []
        for entry in entries {
            eventIds.append(entry.eventId)
            topics.append(entry.topic)
            keys.append(entry.partitionKey ?? "")
            headers.append(String(decoding: try encoder.encode(entry.headers), as: UTF8.self))
            payloads.append(Data(entry.payload).base64EncodedString())  // arrays of bytea do not bind; base64 text does
        }
        try await connection.query("""
            INSERT INTO outbox (event_id, topic, partition_key, headers, payload)
            SELECT e, t, NULLIF(k, ''), h::jsonb, decode(p, 'base64')
            FROM unnest(\(eventIds)::text[], \(topics)::text[], \(keys)::text[], \(headers)::text[], \(payloads)::text[])
                WITH ORDINALITY AS r(e, t, k, h, p, n)
            ORDER BY n
            """, logger: logger)
        try await connection.query("SELECT pg_notify(\(channel), '')", logger: logger)
    }

    /// The oldest unsent entries, in outbox order.
    public func unsent(limit: Int) async throws -> [OutboxEntry] {
        let rows = try await database.query("""
            SELECT id, event_id, topic, partition_key, headers::text, payload, created_at
            FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT \(limit)
            """)
        var entries: [OutboxEntry] = []
        for try await (id, eventId, topic, key, headers, payload, createdAt) in rows.decode(
            (Int64, String, String, String?, String, ByteBuffer, Date).self
        ) {
            let decoded = try JSONDecoder().decode([String: String].self, from: Data(headers.utf8))
            entries.append(OutboxEntry(id: id, eventId: eventId, topic: topic, partitionKey: key, headers: decoded, payload: Array(payload.readableBytesView), createdAt: createdAt))
        }
        return entries
    }

    /// Marks entries as confirmed by the broker.
    public func markSent(_ ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try await database.query("UPDATE outbox SET sent_at = clock_timestamp() WHERE id = ANY(\(ids))")
    }

    /// Records a failed attempt (the reason must not contain personal data).
    public func recordFailure(_ ids: [Int64], reason: String) async throws {
        guard !ids.isEmpty else { return }
        try await database.query("UPDATE outbox SET attempts = attempts + 1, last_error = \(reason) WHERE id = ANY(\(ids))")
    }

    /// Unsent count and the oldest unsent entry's age.
    public func backlog() async throws -> OutboxBacklog {
        let rows = try await database.query("""
            SELECT count(*)::bigint, COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(created_at)), 0)::float8
            FROM outbox WHERE sent_at IS NULL
            """)
        for try await (count, age) in rows.decode((Int64, Double).self) {
            return OutboxBacklog(count: Int(count), oldestAgeSeconds: age)
        }
        return OutboxBacklog(count: 0, oldestAgeSeconds: 0)
    }

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
