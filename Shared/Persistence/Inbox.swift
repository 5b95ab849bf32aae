import Logging

/// Remembers which events a consumer has processed, in the same transaction as the processing, so a
/// redelivered event is recognised and skipped. An event is identified by its CloudEvents `source` and
/// `id` together: two outside systems writing to one topic may use the same ids. Records written before
/// the source was kept (migration 3, `source = ''`) still count for their id until they are purged.
public struct Inbox: Sendable {
    /// One event to claim.
    public struct Key: Sendable, Hashable {
        /// CloudEvents `source`.
        public var source: String
        /// CloudEvents `id`.
        public var id: String

        /// Creates a key.
        public init(source: String, id: String) {
            self.source = source
            self.id = id
        }
    }

    private let logger: Logger

    /// Creates an inbox accessor.
    public init(logger: Logger) {
        self.logger = logger
    }

    /// Records the event for `consumer` and returns `true`, or returns `false` when it was already
    /// recorded (a redelivery: do nothing). A concurrent claim of the same event waits for the first
    /// transaction and then returns `false`.
    public func claim(consumer: String, source: String, eventId: String, eventType: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("""
            INSERT INTO inbox (consumer, source, event_id, event_type)
            SELECT \(consumer), \(source), \(eventId), \(eventType)
            WHERE NOT EXISTS (SELECT 1 FROM inbox WHERE consumer = \(consumer) AND source = '' AND event_id = \(eventId))
            ON CONFLICT DO NOTHING RETURNING 1
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Claims many events with one statement and returns the keys that were new (the rest were
    /// processed before). `types` must be parallel to `keys`. Repeated keys in one call count once.
    public func claimAll(consumer: String, keys: [Key], types: [String], on connection: PostgresConnection) async throws -> Set<Key> {
        precondition(keys.count == types.count, "one type per key")
        guard !keys.isEmpty else { return [] }
        let rows = try await connection.query("""
            INSERT INTO inbox (consumer, source, event_id, event_type)
            SELECT \(consumer), s, i, t FROM unnest(\(keys.map(\.source))::text[], \(keys.map(\.id))::text[], \(types)::text[]) AS k(s, i, t)
            WHERE NOT EXISTS (SELECT 1 FROM inbox l WHERE l.consumer = \(consumer) AND l.source = '' AND l.event_id = k.i)
            ON CONFLICT DO NOTHING RETURNING source, event_id
            """, logger: logger)
        var fresh = Set<Key>()
        for try await (source, id) in rows.decode((String, String).self) { fresh.insert(Key(source: source, id: id)) }
        return fresh
    }

    /// Deletes records older than `age`; returns how many. `age` must exceed the longest time a
    /// message can be redelivered (the topics' retention), or an old redelivery would run again.
    @discardableResult
    public func purge(olderThan age: Duration, in database: Database) async throws -> Int {
        let seconds = Double(age.components.seconds)
        return try await database.count("""
            WITH gone AS (DELETE FROM inbox WHERE received_at < now() - make_interval(secs => \(seconds)) RETURNING 1)
            SELECT count(*)::bigint FROM gone
            """)
    }
}
