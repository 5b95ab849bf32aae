import Foundation
import PostgresNIO

// The outbox's statements that run with every transaction that publishes and with every relay round,
// prepared: PostgreSQL parses and plans each once per connection instead of once per call.

/// Takes the per-key advisory locks of a transaction's outbox entries (in the order given), then
/// writes the rows in the order given; one round trip. The locks are an aggregate over a materialised
/// CTE that the insert's rows are joined with, so every lock is held before the first row is written.
/// Payloads travel as base64 text (arrays of bytea do not bind).
struct OutboxInsertEntries: PostgresPreparedStatement {
    typealias Row = Void
    static let name = "lifeline_outbox_insert"
    static let sql = """
        WITH locked AS MATERIALIZED (SELECT count(pg_advisory_xact_lock(hashtext(key))) AS taken FROM unnest($1::text[]) AS k(key))
        INSERT INTO outbox (event_id, topic, partition_key, headers, payload)
        SELECT r.e, r.t, NULLIF(r.k, ''), r.h::jsonb, decode(r.p, 'base64')
        FROM locked, unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS r(e, t, k, h, p, n)
        ORDER BY r.n
        """
    /// The advisory lock keys, sorted (every writer takes them in the same order).
    var lockKeys: [String] = []
    var eventIds: [String] = []
    var topics: [String] = []
    var keys: [String] = []
    var headers: [String] = []
    var payloads: [String] = []

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 6)
        bindings.append(lockKeys)
        bindings.append(eventIds)
        bindings.append(topics)
        bindings.append(keys)
        bindings.append(headers)
        bindings.append(payloads)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws {}
}

/// The oldest unsent entries, in outbox order, leaving out parked entries and every later entry of a
/// parked entry's key on the same topic.
struct OutboxUnsent: PostgresPreparedStatement {
    typealias Row = (Int64, String, String, String?, String, ByteBuffer, Date)
    static let name = "lifeline_outbox_unsent"
    static let sql = """
        SELECT o.id, o.event_id, o.topic, o.partition_key, o.headers::text, o.payload, o.created_at
        FROM outbox o
        WHERE o.sent_at IS NULL AND o.parked_at IS NULL
          AND NOT EXISTS (
              SELECT 1 FROM outbox p
              WHERE p.sent_at IS NULL AND p.parked_at IS NOT NULL AND p.topic = o.topic AND p.partition_key = o.partition_key AND p.id < o.id)
        ORDER BY o.id LIMIT $1::int8
        """
    var limit: Int

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(limit)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}

/// Marks entries as confirmed by the broker, committed without waiting for the WAL flush.
struct OutboxMarkSent: PostgresPreparedStatement {
    typealias Row = Void
    static let name = "lifeline_outbox_mark_sent"
    static let sql = Database.withoutFlushWait("UPDATE outbox SET sent_at = clock_timestamp() WHERE id = ANY($1::int8[]) RETURNING 1")
    var ids: [Int64]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(ids)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws {}
}
