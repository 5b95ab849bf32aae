/// How often and how patiently a consumer retries a failing event before dead-lettering it.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var maximumAttempts: Int
    /// Pause before the second attempt; doubled for each further one.
    public var initialBackoff: Duration
    /// Longest pause between attempts.
    public var maximumBackoff: Duration

    /// Creates a policy.
    public init(maximumAttempts: Int = 5, initialBackoff: Duration = .milliseconds(200), maximumBackoff: Duration = .seconds(10)) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
    }

    /// The pause after `attempt` failed attempts.
    public func backoff(afterAttempt attempt: Int) -> Duration {
        let factor = 1 << min(max(attempt - 1, 0), 16)
        return min(maximumBackoff, initialBackoff * factor)
    }
}
