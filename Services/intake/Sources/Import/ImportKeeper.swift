import Foundation
import Logging
import ServiceLifecycle

/// Every 30 seconds: refreshes the heartbeat of the imports this instance holds, and fails imports
/// whose instance went away (no heartbeat for two minutes), so that no job shows "running" forever.
struct ImportKeeper: Service {
    let jobs: ImportJobStore
    let queue: ImportQueue
    let logger: Logger
    var interval: Duration = .seconds(30)
    var abandonedAfter: Duration = .seconds(120)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await jobs.heartbeat(await queue.heldJobs)
                    let failed = try await jobs.failAbandoned(olderThan: abandonedAfter)
                    if failed > 0 { logger.warning("failed abandoned imports", metadata: ["imports": "\(failed)"]) }
                } catch {
                    logger.warning("import keeper could not reach the database", metadata: ["error.type": "\(type(of: error))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
