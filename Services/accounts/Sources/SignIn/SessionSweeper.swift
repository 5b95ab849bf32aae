import Foundation
import LifelinePersistence
import LifelineRuntime
import Logging
import ServiceLifecycle

/// Deletes sessions that ended (expired or revoked) more than a day ago, every hour: a session row
/// holds only a token hash, but nothing needs it once it has ended, and the table would otherwise grow
/// by every sign-in for ever. The audit log keeps the sign-ins themselves.
struct SessionSweeper: Service {
    let database: Database
    let logger: Logger
    var interval: Duration = .seconds(3600)

    func run() async throws {
        try await PeriodicService(name: "session sweeper", interval: interval, logger: logger) {
            let swept = try await sweep()
            if swept > 0 { logger.info("swept ended sessions", metadata: ["sessions": "\(swept)"]) }
        }.run()
    }

    /// Deletes the sessions that ended over a day ago; answers how many.
    func sweep() async throws -> Int {
        try await database.count("""
            WITH swept AS (
                DELETE FROM sessions WHERE least(expires_at, coalesce(revoked_at, expires_at)) < now() - interval '1 day' RETURNING 1)
            SELECT count(*) FROM swept
            """)
    }
}
