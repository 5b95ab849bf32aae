import PostgresNIO

/// Combines the concurrent takes of one `SharedRateLimiter` into one statement.
///
/// Every request of a limited route takes a token before its work, so under load the takes were the
/// statements a service ran most (one transaction each). Takes that arrive while a statement is on
/// its way wait for it and then go together: one statement takes, for each key, the whole batch's
/// tokens if the bucket has them all. A key whose bucket cannot give its batch everything is then
/// decided request by request, in arrival order, exactly as if they had come one at a time; a take
/// alone uses the single-key statement as before.
actor TokenTakeQueue {
    private struct Waiting {
        var key: String
        var cost: Int
        var continuation: CheckedContinuation<Bool, any Error>
    }

    private let scope: String
    private let capacity: Int
    private let refillPerSecond: Double
    private let database: Database
    private var waiting: [Waiting] = []
    private var draining = false
    /// Statements run and takes decided by them so far (for tests).
    private(set) var statements = 0
    private(set) var takes = 0

    init(scope: String, capacity: Int, refillPerSecond: Double, database: Database) {
        self.scope = scope
        self.capacity = capacity
        self.refillPerSecond = refillPerSecond
        self.database = database
    }

    /// Takes `cost` tokens (at most the capacity) for `key`; whether they were taken.
    func take(_ key: String, cost: Int) async throws -> Bool {
        try await withCheckedThrowingContinuation { continuation in
            waiting.append(Waiting(key: key, cost: cost, continuation: continuation))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !waiting.isEmpty {
            let batch = waiting
            waiting.removeAll(keepingCapacity: true)
            takes += batch.count
            do {
                let taken = try await decide(batch)
                for (item, result) in zip(batch, taken) { item.continuation.resume(returning: result) }
            } catch {
                for item in batch { item.continuation.resume(throwing: error) }
            }
        }
        draining = false
    }

    private func decide(_ batch: [Waiting]) async throws -> [Bool] {
        if batch.count == 1 { return [try await takeOne(batch[0].key, cost: batch[0].cost)] }
        var costs: [String: Int] = [:]
        var requests: [String: Int] = [:]
        for item in batch {
            costs[item.key, default: 0] += item.cost
            requests[item.key, default: 0] += 1
        }
        // Sorted keys: two instances' statements lock shared buckets in the same order.
        let together = costs.filter { $0.value <= capacity }.keys.sorted()
        var granted: Set<String> = []
        if !together.isEmpty {
            statements += 1
            granted = Set(try await database.execute(TakeTokensTogether(
                scope: scope, keys: together, costs: together.map { Double(costs[$0]!) },
                capacity: Double(capacity), refillPerSecond: refillPerSecond)))
        }
        var taken: [Bool] = []
        for item in batch {
            if granted.contains(item.key) {
                taken.append(true)
            } else if requests[item.key]! > 1 {
                taken.append(try await takeOne(item.key, cost: item.cost))
            } else {
                taken.append(false)
            }
        }
        return taken
    }

    private func takeOne(_ key: String, cost: Int) async throws -> Bool {
        statements += 1
        return try await !database.execute(TakeTokens(
            scope: scope, key: key, capacity: Double(capacity), refillPerSecond: refillPerSecond, tokens: Double(cost))).isEmpty
    }
}

/// One key's take: the tokens if the bucket has them (after refilling it for the time since its last
/// take), committed without waiting for the WAL flush; a row comes back only when they were taken.
struct TakeTokens: PostgresPreparedStatement {
    typealias Row = Void
    static let name = "lifeline_rate_limit_take"
    static let sql = Database.withoutFlushWait("""
        INSERT INTO rate_limit_buckets AS b (scope, key, tokens, updated_at) VALUES ($1::text, $2::text, $3::float8 - $5::float8, clock_timestamp())
        ON CONFLICT (scope, key) DO UPDATE SET
            tokens = LEAST($3::float8, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at)::float8 * $4::float8) - $5::float8,
            updated_at = clock_timestamp()
        WHERE LEAST($3::float8, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at)::float8 * $4::float8) >= $5::float8
        RETURNING tokens
        """)
    var scope: String
    var key: String
    var capacity: Double
    var refillPerSecond: Double
    var tokens: Double

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 5)
        bindings.append(scope)
        bindings.append(key)
        bindings.append(capacity)
        bindings.append(refillPerSecond)
        bindings.append(tokens)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws {}
}

/// Several keys' takes in one statement, each all or none: the keys (distinct, sorted) whose buckets
/// had their cost come back. A new key's bucket starts full (`capacity - cost` left); the cost of an
/// existing one is read back from the row proposed for insertion (`capacity - EXCLUDED.tokens`).
struct TakeTokensTogether: PostgresPreparedStatement {
    typealias Row = String
    static let name = "lifeline_rate_limit_take_together"
    static let sql = """
        WITH lifeline_async AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true)),
        taken AS (
            INSERT INTO rate_limit_buckets AS b (scope, key, tokens, updated_at)
            SELECT $1::text, k, $4::float8 - c, clock_timestamp() FROM unnest($2::text[], $3::float8[]) AS t(k, c) ORDER BY k
            ON CONFLICT (scope, key) DO UPDATE SET
                tokens = LEAST($4::float8, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at)::float8 * $5::float8)
                    - ($4::float8 - EXCLUDED.tokens),
                updated_at = clock_timestamp()
            WHERE LEAST($4::float8, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at)::float8 * $5::float8)
                >= $4::float8 - EXCLUDED.tokens
            RETURNING b.key)
        SELECT key FROM taken, lifeline_async
        """
    var scope: String
    var keys: [String]
    var costs: [Double]
    var capacity: Double
    var refillPerSecond: Double

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 5)
        bindings.append(scope)
        bindings.append(keys)
        bindings.append(costs)
        bindings.append(capacity)
        bindings.append(refillPerSecond)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> String { try row.decode(String.self) }
}
