import Foundation
import Logging
import ServiceLifecycle

/// Runs `tick` every `interval` until graceful shutdown: the loop of the services' clocks and keepers
/// (review's case clock, hotline's work-order clock, the import keepers). A tick that fails (the
/// database is out) is logged and tried again at the next interval, never given up.
public struct PeriodicService: Service {
    let name: String
    let interval: Duration
    let logger: Logger
    let tick: @Sendable () async throws -> Void

    /// Creates the loop; `name` appears in the warning when a tick fails.
    public init(name: String, interval: Duration, logger: Logger, tick: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.interval = interval
        self.logger = logger
        self.tick = tick
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await tick()
                } catch {
                    logger.warning("\(name) could not do its round; trying again", metadata: ["error.type": "\(type(of: error))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
