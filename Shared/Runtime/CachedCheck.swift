import Foundation

/// The result of an expensive check (a database query, a broker round trip), reused for `maximumAge`
/// and shared by concurrent callers, so that a public endpoint polled in a loop costs at most one check
/// per `maximumAge` however often it is called.
actor CachedCheck<Value: Sendable> {
    private let maximumAge: Duration
    private let check: @Sendable () async -> Value
    private let clock = ContinuousClock()
    private var last: (value: Value, at: ContinuousClock.Instant)?
    private var running: Task<Value, Never>?

    /// Creates a cache around `check`.
    init(maximumAge: Duration, check: @escaping @Sendable () async -> Value) {
        self.maximumAge = maximumAge
        self.check = check
    }

    /// The last result if younger than `maximumAge`, otherwise a fresh one (one check for all waiting callers).
    func value() async -> Value {
        if let last, last.at.duration(to: clock.now) < maximumAge { return last.value }
        if let running { return await running.value }
        let task = Task { await check() }
        running = task
        let value = await task.value
        last = (value, clock.now)
        running = nil
        return value
    }
}
