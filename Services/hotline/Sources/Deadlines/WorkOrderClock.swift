import Foundation
import LifelinePersistence
import Logging
import LifelineRuntime

/// Run every `HOTLINE_CLOCK_SECONDS` (a `PeriodicService`): flags open orders (no final answer yet) due within
/// `HOTLINE_DUE_SOON_HOURS` (临期) and past due (超期), each once, so that the towns' lists show them.
struct WorkOrderClock: Sendable {
    let database: Database
    let settings: DeadlineSettings
    let logger: Logger

    /// Flags what is due; returns how many orders became due soon and overdue.
    @discardableResult
    func tick(now: Date = Date()) async throws -> (dueSoon: Int, overdue: Int) {
        let soon = now.addingTimeInterval(TimeInterval(settings.dueSoonHours * 3600))
        let overdue = try await database.count("""
            WITH flagged AS (
                UPDATE work_orders SET overdue_flagged_at = \(now)
                WHERE final_outcome IS NULL AND overdue_flagged_at IS NULL AND due_at <= \(now) RETURNING 1)
            SELECT count(*) FROM flagged
            """)
        let dueSoon = try await database.count("""
            WITH flagged AS (
                UPDATE work_orders SET due_soon_flagged_at = \(now)
                WHERE final_outcome IS NULL AND due_soon_flagged_at IS NULL AND due_at <= \(soon) AND due_at > \(now) RETURNING 1)
            SELECT count(*) FROM flagged
            """)
        if overdue + dueSoon > 0 {
            logger.notice("work orders flagged", metadata: ["orders.due_soon": "\(dueSoon)", "orders.overdue": "\(overdue)"])
        }
        return (dueSoon, overdue)
    }
}
