import Logging

/// Remembers which events a consumer has processed, in the same transaction as the processing, so a
/// redelivered event is recognised and skipped.
public struct Inbox: Sendable {
    private let logger: Logger

    /// Creates an inbox accessor.
    public init(logger: Logger) {
        self.logger = logger
    }

    /// Records `eventId` for `consumer` and returns `true`, or returns `false` when it was already
    /// recorded (a redelivery: do nothing). A concurrent claim of the same id waits for the first
    /// transaction and then returns `false`.
    public func claim(consumer: String, eventId: String, eventType: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("""
            INSERT INTO inbox (consumer, event_id, event_type) VALUES (\(consumer), \(eventId), \(eventType))
            ON CONFLICT DO NOTHING RETURNING 1
            """, logger: logger)
        for try await _ in rows { return true }
        return false
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
