import Foundation
import Logging
import ServiceLifecycle

/// The store of long jobs (file imports) that a `JobKeeper` looks after.
public protocol KeptJobStore: Sendable {
    /// Marks the jobs this instance holds (queued or running) alive.
    func heartbeat(_ ids: [String]) async throws
    /// Fails the jobs whose instance went away (no heartbeat for `age`); returns how many.
    func failAbandoned(olderThan age: Duration) async throws -> Int
}

/// Every `interval`: refreshes the heartbeat of the jobs this instance's queue holds, and fails jobs
/// whose instance went away (no heartbeat for `abandonedAfter`), so that no job shows "running" for
/// ever after a crash or a restart.
public struct JobKeeper<Store: KeptJobStore>: Service {
    let jobs: Store
    let queue: SerialJobQueue
    let logger: Logger
    let interval: Duration
    let abandonedAfter: Duration

    /// Creates a keeper of `jobs` held in `queue`.
    public init(jobs: Store, queue: SerialJobQueue, logger: Logger, interval: Duration = .seconds(30), abandonedAfter: Duration = .seconds(120)) {
        self.jobs = jobs
        self.queue = queue
        self.logger = logger
        self.interval = interval
        self.abandonedAfter = abandonedAfter
    }

    public func run() async throws {
        try await PeriodicService(name: "job keeper", interval: interval, logger: logger) {
            try await jobs.heartbeat(await queue.heldJobs)
            let failed = try await jobs.failAbandoned(olderThan: abandonedAfter)
            if failed > 0 { logger.warning("failed abandoned jobs", metadata: ["jobs": "\(failed)"]) }
        }.run()
    }
}
