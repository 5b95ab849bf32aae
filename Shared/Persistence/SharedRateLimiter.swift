import Foundation
import Logging
import PostgresNIO

/// A token-bucket rate limit kept in the service's own schema (`rate_limit_buckets`), so that every
/// instance of the service draws from the same buckets: each key (a client network, an application
/// number with its client) gets `capacity` requests at once and `capacity` more per `period`.
///
/// Atomic under concurrency (the row lock serialises takers of one key); the takes of one instance
/// that arrive together share one statement (`TokenTakeQueue`), each answered as if it came alone.
/// Committed without waiting for the WAL flush (`synchronous_commit = off`): a crash may forget the
/// last few hundred milliseconds of counting, which is harmless for a rate limit, and a public request
/// does not pay an fsync before its real work.
/// Buckets that have filled up again are deleted now and then, so the table holds only keys active
/// within the last period however many clients come and go.
public struct SharedRateLimiter: Sendable {
    /// What the limiter decided for one request.
    public struct Decision: Sendable, Hashable {
        /// Whether the request may go on.
        public var allowed: Bool
        /// When refused: whole seconds until one more request would be allowed.
        public var retryAfterSeconds: Int
    }

    /// The limit's name; buckets of different scopes never mix.
    public let scope: String
    /// Requests allowed at once.
    public let capacity: Int
    /// The time in which a bucket refills completely.
    public let period: Duration
    private let database: Database
    /// Concurrent takes go to the database together (see `TokenTakeQueue`).
    let takes: TokenTakeQueue

    /// Creates a limit of `capacity` requests per `period` per key, stored in `database`'s schema.
    public init(scope: String, capacity: Int, period: Duration, database: Database) {
        precondition(capacity > 0, "a rate limit needs a capacity of at least 1")
        self.scope = scope
        self.capacity = capacity
        self.period = period
        self.database = database
        takes = TokenTakeQueue(
            scope: scope, capacity: capacity,
            refillPerSecond: Self.refillPerSecond(capacity: capacity, period: period), database: database)
    }

    private var refillPerSecond: Double { Self.refillPerSecond(capacity: capacity, period: period) }

    private static func refillPerSecond(capacity: Int, period: Duration) -> Double {
        Double(capacity) / max(0.001, Double(period.components.seconds) + Double(period.components.attoseconds) / 1e18)
    }

    /// Takes `cost` tokens (one by default) for `key` if there are that many, all or none: a sender
    /// that wants a batch through asks once for the batch instead of once per item. A cost above the
    /// capacity is never allowed.
    public func acquire(_ key: String, cost: Int = 1) async throws -> Decision {
        precondition(cost >= 1, "a rate limit takes at least one token")
        let capacity = Double(self.capacity), rate = refillPerSecond, tokens = Double(cost)
        guard cost <= self.capacity else {
            return Decision(allowed: false, retryAfterSeconds: max(1, Int((tokens / rate).rounded(.up))))
        }
        if try await takes.take(key, cost: cost) {
            if Int.random(in: 0..<500) == 0 { try? await pruneFullBuckets() }
            return Decision(allowed: true, retryAfterSeconds: 0)
        }
        let missing = try await database.query("""
            SELECT \(tokens) - LEAST(\(capacity), tokens + EXTRACT(EPOCH FROM clock_timestamp() - updated_at)::float8 * \(rate))
            FROM rate_limit_buckets WHERE scope = \(scope) AND key = \(key)
            """)
        var wait = 1.0
        for try await value in missing.decode(Double.self) { wait = max(0, value) / rate }
        return Decision(allowed: false, retryAfterSeconds: max(1, Int(wait.rounded(.up))))
    }

    /// Whether `key` has a token left, without taking it.
    public func check(_ key: String) async throws -> Bool {
        let capacity = Double(self.capacity), rate = refillPerSecond
        let rows = try await database.query("""
            SELECT LEAST(\(capacity), tokens + EXTRACT(EPOCH FROM clock_timestamp() - updated_at)::float8 * \(rate)) >= 1
            FROM rate_limit_buckets WHERE scope = \(scope) AND key = \(key)
            """)
        for try await allowed in rows.decode(Bool.self) { return allowed }
        return true
    }

    /// Takes a token for `key` even when none is left (for counting failures after the fact); a bucket
    /// goes at most `capacity` tokens into debt.
    public func penalize(_ key: String) async throws {
        let capacity = Double(self.capacity), rate = refillPerSecond
        _ = try await write("""
            INSERT INTO rate_limit_buckets AS b (scope, key, tokens, updated_at) VALUES (\(scope), \(key), \(capacity - 1), clock_timestamp())
            ON CONFLICT (scope, key) DO UPDATE SET
                tokens = GREATEST(\(-capacity), LEAST(\(capacity), b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at)::float8 * \(rate)) - 1),
                updated_at = clock_timestamp()
            RETURNING 1
            """)
    }

    /// Gives back a token taken by `acquire` (for a request that turned out not to count).
    public func refund(_ key: String) async throws {
        let capacity = Double(self.capacity)
        _ = try await write("""
            UPDATE rate_limit_buckets SET tokens = LEAST(\(capacity), tokens + 1) WHERE scope = \(scope) AND key = \(key) RETURNING 1
            """)
    }

    /// Deletes this scope's buckets that are full again (they mean the same as no row).
    public func pruneFullBuckets() async throws {
        let capacity = Double(self.capacity), rate = refillPerSecond
        _ = try await write("""
            DELETE FROM rate_limit_buckets
            WHERE scope = \(scope) AND tokens + EXTRACT(EPOCH FROM clock_timestamp() - updated_at)::float8 * \(rate) >= \(capacity) RETURNING 1
            """)
    }

    /// Runs one writing statement as its own transaction, committed without waiting for the WAL flush
    /// (`Database.writeWithoutFlushWait`), so the bucket's row lock is held only while the statement runs.
    private func write(_ statement: PostgresQuery) async throws -> Int {
        try await database.writeWithoutFlushWait(statement)
    }
}

extension PostgresRowSequence {
    /// Reads and drops every row (for statements whose result does not matter).
    func consume() async throws {
        for try await _ in self {}
    }
}
