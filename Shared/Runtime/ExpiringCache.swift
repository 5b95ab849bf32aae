import Synchronization

/// Values remembered for a while per key: what a hot path reads often and sees change rarely (a
/// village's names, the grid's villages), so that it does not query for them each time. An entry older
/// than `lifetime` is not answered; past `capacity` entries all are forgotten at once (a bound for keys
/// that come and go, not an eviction policy).
public final class ExpiringCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let lifetime: Duration
    private let capacity: Int
    private let entries = Mutex<[Key: (value: Value, at: ContinuousClock.Instant)]>([:])

    /// Creates an empty cache whose entries live for `lifetime`, holding at most `capacity` of them.
    public init(lifetime: Duration, capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The value remembered for `key`, nil when there is none or it is older than the lifetime.
    public func value(for key: Key) -> Value? {
        entries.withLock { entries in
            guard let entry = entries[key], ContinuousClock.now - entry.at < lifetime else { return nil }
            return entry.value
        }
    }

    /// Remembers `value` for `key` from now.
    public func remember(_ value: Value, for key: Key) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll() }
            entries[key] = (value, ContinuousClock.now)
        }
    }

    /// Forgets `key`'s value.
    public func forget(_ key: Key) {
        entries.withLock { _ = $0.removeValue(forKey: key) }
    }
}
