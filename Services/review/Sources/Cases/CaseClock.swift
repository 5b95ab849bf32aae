import Foundation
import LifelineEvents
import LifelinePersistence
import Logging

/// Run every `REVIEW_CLOCK_SECONDS` (a `PeriodicService`): flags cases near (`REVIEW_DUE_SOON_DAYS`) and past their 15-day
/// deadline, once each (`CaseOverdue`), and sends announced cases whose period ended without open
/// objections to the district. Each flag is claimed by an UPDATE … RETURNING, so several instances may
/// run the clock at once; a database outage is waited out.
struct CaseClock: Sendable {
    let cases: CaseStore
    let logger: Logger

    func tick(now: Date = Date()) async throws {
        let soon = now.addingTimeInterval(TimeInterval(cases.settings.dueSoonDays * 86_400))
        try await flag(column: "overdue_flagged_at", dueBefore: now, overdue: true, now: now)
        try await flag(column: "due_soon_flagged_at", dueBefore: soon, overdue: false, now: now)
        let announced = try await cases.database.transaction { connection in
            try await CaseRecord.list(
                where: "WHERE closed_at IS NULL AND stage = \(ReviewStage.publicAnnouncement.rawValue) AND announcement_ends_on < (now() AT TIME ZONE 'Asia/Shanghai')::date LIMIT 500",
                on: connection, logger: logger)
        }
        for record in announced {
            try await cases.database.transaction { connection in
                guard let current = try await CaseRecord.load(record.id, forUpdate: true, on: connection, logger: logger) else { return }
                try await cases.finishAnnouncementIfDue(current, by: "review", on: connection)
            }
        }
    }

    private func flag(column: String, dueBefore: Date, overdue: Bool, now: Date) async throws {
        try await cases.database.transaction { connection in
            let rows = try await connection.query(PostgresQuery(unsafeSQL: """
                UPDATE cases SET \(column) = $1
                WHERE id IN (SELECT id FROM cases WHERE closed_at IS NULL AND \(column) IS NULL AND due_by <= $2\(overdue ? "" : " AND due_by > $1") ORDER BY due_by LIMIT 500 FOR UPDATE SKIP LOCKED)
                RETURNING \(CaseRecord.columns)
                """, binds: try Self.binds(now, dueBefore)), logger: logger)
            for record in try await CaseRecord.decode(rows) {
                try await cases.publisher.publish(CaseOverdue(
                    caseId: record.id, householdId: record.householdId, villageCode: record.villageCode, stage: record.stage, dueBy: record.dueBy,
                    overdue: overdue
                ), on: connection)
            }
        }
    }

    private static func binds(_ first: Date, _ second: Date) throws -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(first)
        binds.append(second)
        return binds
    }
}
