import Foundation
import Synchronization

/// A token-bucket rate limiter held in memory by one service instance: each key (a client address, an
/// application number) gets `capacity` requests at once and `capacity` more per `period`.
///
/// Limits are per instance; with N instances behind a balancer a client gets at most N times the
/// limit, which still slows guessing by orders of magnitude. Idle keys are forgotten once their bucket
/// is full again, so memory stays bounded by the keys active within one period.
public final class RateLimiter: Sendable {
    /// What the limiter decided for one request.
    public struct Decision: Sendable, Hashable {
        /// Whether the request may go on.
        public var allowed: Bool
        /// When refused: whole seconds until one more request would be allowed.
        public var retryAfterSeconds: Int
    }

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    /// Requests allowed at once.
    public let capacity: Int
    /// The time in which a bucket refills completely.
    public let period: Duration
    private struct State {
        var buckets: [String: Bucket] = [:]
        var lastPrune: ContinuousClock.Instant
    }

    private let state: Mutex<State>
    private let clock = ContinuousClock()

    /// Creates a limiter of `capacity` requests per `period` per key.
    public init(capacity: Int, period: Duration) {
        precondition(capacity > 0, "a rate limit needs a capacity of at least 1")
        self.capacity = capacity
        self.period = period
        self.state = Mutex(State(lastPrune: ContinuousClock().now))
    }

    private var refillPerSecond: Double {
        Double(capacity) / max(0.001, Double(period.components.seconds) + Double(period.components.attoseconds) / 1e18)
    }

    /// Takes one token for `key`, if there is one.
    public func acquire(_ key: String) -> Decision {
        take(key, cost: 1, consume: true)
    }

    /// Whether `key` has a token left, without taking it.
    public func check(_ key: String) -> Decision {
        take(key, cost: 1, consume: false)
    }

    /// Takes a token for `key` even when none is left (for counting failures after the fact).
    public func penalize(_ key: String) {
        _ = take(key, cost: 1, consume: true, force: true)
    }

    /// Gives back a token taken by `acquire` (for requests that turned out not to count).
    public func refund(_ key: String) {
        _ = take(key, cost: -1, consume: true, force: true)
    }

    private func take(_ key: String, cost: Double, consume: Bool, force: Bool = false) -> Decision {
        let now = clock.now
        let rate = refillPerSecond
        let capacity = Double(self.capacity)
        let period = self.period
        return state.withLock { state in
            // Forget idle keys at most once a period, so a flood of keys cannot make every call a scan.
            if state.buckets.count > 10_000, state.lastPrune.duration(to: now) > period {
                Self.forgetFull(&state.buckets, now: now, rate: rate, capacity: capacity)
                state.lastPrune = now
            }
            var bucket = state.buckets[key] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = bucket.updated.duration(to: now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(capacity, bucket.tokens + seconds * rate)
            bucket.updated = now
            let allowed = bucket.tokens >= cost
            if consume && (allowed || force) { bucket.tokens = min(capacity, max(-capacity, bucket.tokens - cost)) }
            state.buckets[key] = bucket
            let missing = max(0, cost - bucket.tokens)
            return Decision(allowed: allowed, retryAfterSeconds: allowed ? 0 : max(1, Int((missing / rate).rounded(.up))))
        }
    }

    private static func forgetFull(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant, rate: Double, capacity: Double) {
        buckets = buckets.filter { _, bucket in
            let elapsed = bucket.updated.duration(to: now)
            return bucket.tokens + Double(elapsed.components.seconds) * rate < capacity
        }
    }
}
