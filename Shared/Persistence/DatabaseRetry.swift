import Logging

/// Repeats a piece of database work through outages and passing conflicts instead of giving it up.
///
/// Long jobs (a file import, a poster run) write as they go: a batch, a progress row, the result.
/// When PostgreSQL goes away in the middle, failing the job would make its submitter start again; a
/// `DatabaseRetry` tries each write again until the database answers. Failures that waiting can cure
/// are tried again: the database unreachable or shutting down, a connection cut, a pool that cannot
/// connect (`DatabaseFailure.isInfrastructure`), and deadlocks or serialization failures
/// (`DatabaseFailure.isRetriable`). Any other error (a constraint, the SQL) is thrown at once.
///
/// Between tries it pauses from 100 ms, doubling up to `maximumPause`, with jitter, and logs the first
/// failure of a run and every tenth (the work's name, the error's type and SQLSTATE; never data).
///
/// Each try runs under a `Deadline` of `attemptLimit`: a call can hang rather than fail when the
/// server goes away at the wrong moment, and such a try is abandoned and made again, up to ten
/// times in a row (work that always takes longer is not hung: after the tenth its failure is thrown). A closed
/// pool (the service shutting down) and client-side protocol errors are not waited out.
///
/// The work must be safe to repeat: a transaction that either committed or did not, whose repetition
/// changes nothing more, or a statement that sets a value.
public struct DatabaseRetry: Sendable {
    /// Where waiting and recovery are logged.
    public var logger: Logger
    /// The longest pause between two tries.
    public var maximumPause: Duration
    /// How long to keep trying before the last failure is thrown; `nil` waits for as long as it takes
    /// (until the calling task is cancelled).
    public var patience: Duration?
    /// The longest one try may take before it is abandoned as hung (and made again).
    public var attemptLimit: Duration

    /// A retry that waits for as long as the database is away (`patience` nil) unless told otherwise.
    public init(logger: Logger, maximumPause: Duration = .seconds(5), patience: Duration? = nil, attemptLimit: Duration = .seconds(60)) {
        self.logger = logger
        self.maximumPause = maximumPause
        self.patience = patience
        self.attemptLimit = attemptLimit
    }

    /// `true` for the failures a retry waits out: the database unavailable (`DatabaseFailure.isInfrastructure`,
    /// except a pool closed by this service's shutdown) and passing conflicts (SQLSTATE class 40:
    /// deadlocks, serialization failures; a `PassingConflict` the work threw).
    public static func isPassing(_ error: any Error) -> Bool {
        if error is CancellationError || DatabaseFailure.isPoolClosed(error) { return false }
        if error is PassingConflict { return true }
        return DatabaseFailure.isInfrastructure(error) || DatabaseFailure.sqlState(of: error)?.hasPrefix("40") == true
    }

    /// Runs `work`, trying again after each passing failure; `name` says in the log what waits.
    public func run<T: Sendable>(_ name: String, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let clock = ContinuousClock()
        let giveUpAt = patience.map { clock.now + $0 }
        var pause = min(Duration.milliseconds(100), maximumPause)
        var attempt = 0
        var timedOutInARow = 0
        while true {
            attempt += 1
            do {
                let result = try await Deadline.run(limit: attemptLimit, work)
                if attempt > 1 {
                    logger.notice("database work went through after waiting", metadata: ["work": "\(name)", "attempts": "\(attempt)"])
                }
                return result
            } catch where Self.isPassing(error) && !Task.isCancelled && (giveUpAt.map { clock.now + pause < $0 } ?? true)
                && !(error is DeadlineExceeded && timedOutInARow >= 9)
            {
                timedOutInARow = error is DeadlineExceeded ? timedOutInARow + 1 : 0
                if attempt == 1 || attempt.isMultiple(of: 10) {
                    logger.warning("database unavailable or busy; waiting to try again", metadata: [
                        "work": "\(name)", "attempt": "\(attempt)", "error.type": "\(String(reflecting: type(of: error)))",
                        "error.sqlstate": "\(DatabaseFailure.sqlState(of: error) ?? "-")",
                    ])
                }
                try await Task.sleep(for: pause * Double.random(in: 0.5...1.0))
                pause = min(pause * 2, maximumPause)
            }
        }
    }
}
