import Foundation
import LifelinePersistence
import LifelineRuntime
import Logging

/// An import as its submitter sees it.
struct ImportJobView: Codable, Sendable {
    var id: String
    var fileName: String
    var format: String?
    var status: String
    var submittedAt: Date
    var startedAt: Date?
    var finishedAt: Date?
    /// Rows estimated from the file's lines (CSV), for a progress bar.
    var rowsEstimated: Int?
    /// 0–100, while running and at the end.
    var percent: Int
    var counts: ImportCounts
    var failure: String?
    /// The first problems (all of them through `GET /v1/imports/{id}/errors`).
    var errors: [RowProblem]
    var errorCount: Int
}

/// Intake's SQL for import jobs and their row problems.
struct ImportJobStore: KeptJobStore {
    let database: Database
    let logger: Logger

    func create(id: String, fileName: String, submittedBy: String, region: String) async throws {
        try await database.query("""
            INSERT INTO import_jobs (id, file_name, status, submitted_by, submitted_region) VALUES (\(id), \(fileName), 'queued', \(submittedBy), \(region))
            """)
    }

    func started(_ id: String, format: String, estimatedRows: Int?) async throws {
        try await database.query("""
            UPDATE import_jobs SET status = 'running', started_at = now(), format = \(format), rows_estimated = \(estimatedRows) WHERE id = \(id)
            """)
    }

    /// Saves the counts; a job failed as abandoned while in fact alive runs again (`JobTable.revive`).
    func progress(_ id: String, _ counts: ImportCounts) async throws {
        try await JobTable(database: database, table: "import_jobs").revive(id)
        try await database.query("""
            UPDATE import_jobs SET rows_read = \(counts.rowsRead), rows_accepted = \(counts.rowsAccepted), rows_rejected = \(counts.rowsRejected),
                households_created = \(counts.householdsCreated), households_updated = \(counts.householdsUpdated),
                households_unchanged = \(counts.householdsUnchanged), heartbeat_at = now()
            WHERE id = \(id)
            """)
    }

    func addProblems(_ id: String, _ problems: [RowProblem]) async throws {
        guard !problems.isEmpty else { return }
        try await database.query("""
            INSERT INTO import_errors (job_id, line, field, reason)
            SELECT \(id), l, f, r FROM unnest(\(problems.map(\.line))::int8[], \(problems.map(\.field))::text[], \(problems.map(\.reason))::text[]) AS p(l, f, r)
            ON CONFLICT DO NOTHING
            """)
    }

    /// Ends the job, also one failed as abandoned while in fact alive (`JobTable.revive`).
    func finish(_ id: String, failure: String?) async throws {
        try await JobTable(database: database, table: "import_jobs").revive(id)
        try await database.query("""
            UPDATE import_jobs SET status = \(failure == nil ? "completed" : "failed"), failure = \(failure), finished_at = now()
            WHERE id = \(id) AND status IN ('queued', 'running')
            """)
    }

    /// Keeps the jobs this instance holds (queued or running) marked alive.
    func heartbeat(_ ids: [String]) async throws {
        try await JobTable(database: database, table: "import_jobs").heartbeat(ids)
    }

    /// Jobs whose instance stopped (no heartbeat for `age`) are failed: their file went with the
    /// instance. Sending it again is safe (unchanged households are skipped).
    func failAbandoned(olderThan age: Duration) async throws -> Int {
        let failed = try await JobTable(database: database, table: "import_jobs").failAbandoned(olderThan: age, failure: JobTable.abandonedFailure)
        // The staging tables of a vanished instance's import go too (they hold personal data). A sweep
        // that fails is tried again next round; it never holds up the jobs.
        do {
            try await database.query(PostgresQuery(unsafeSQL: HouseholdStaging.sweepSQL()))
        } catch {
            logger.warning("import staging sweep failed", metadata: [
                "error.type": "\(type(of: error))", "error.sqlstate": "\(DatabaseFailure.sqlState(of: error) ?? "-")",
            ])
        }
        return failed
    }

    func job(_ id: String) async throws -> (view: ImportJobView, region: String)? {
        let rows = try await database.query("""
            SELECT file_name, format, status, submitted_at, started_at, finished_at, rows_estimated, rows_read, rows_accepted, rows_rejected,
                households_created, households_updated, households_unchanged, failure, submitted_region,
                (SELECT count(*) FROM import_errors e WHERE e.job_id = j.id)::int
            FROM import_jobs j WHERE id = \(id)
            """)
        for try await row in rows {
            let r = try row.decode(
                (String, String?, String, Date, Date?, Date?, Int?, Int, Int, Int, Int, Int, Int, String?, String, Int).self)
            let counts = ImportCounts(
                rowsRead: r.7, rowsAccepted: r.8, rowsRejected: r.9, householdsCreated: r.10, householdsUpdated: r.11, householdsUnchanged: r.12)
            let percent: Int
            switch r.2 {
            case "completed", "failed": percent = 100
            case "queued": percent = 0
            default: percent = Self.percent(counts, estimatedRows: r.6)
            }
            let view = ImportJobView(
                id: id, fileName: r.0, format: r.1, status: r.2, submittedAt: r.3, startedAt: r.4, finishedAt: r.5, rowsEstimated: r.6,
                percent: percent, counts: counts, failure: r.13, errors: try await problems(id, offset: 0, limit: 100), errorCount: r.15)
            return (view, r.14)
        }
        return nil
    }

    /// How far a running import is: reading the file counts for 30% (rows read against the file's
    /// line count; nothing for an XLSX, which has no estimate), and writing for 70% (rows accepted or
    /// refused against the rows of the file); at most 99 until it ends.
    static func percent(_ counts: ImportCounts, estimatedRows: Int?) -> Int {
        let rows = max(counts.rowsRead, estimatedRows ?? 0)
        guard rows > 0 else { return 0 }
        let read = estimatedRows.map { $0 > 0 ? min(1, Double(counts.rowsRead) / Double($0)) : 0 } ?? 0
        let done = min(1, Double(counts.rowsAccepted + counts.rowsRejected) / Double(rows))
        return min(99, Int(30 * read + 70 * done))
    }

    func problems(_ id: String, offset: Int, limit: Int) async throws -> [RowProblem] {
        let rows = try await database.query("""
            SELECT line, field, reason FROM import_errors WHERE job_id = \(id) ORDER BY line, field OFFSET \(offset) LIMIT \(limit)
            """)
        var problems: [RowProblem] = []
        for try await (line, field, reason) in rows.decode((Int, String, String).self) {
            problems.append(RowProblem(line: line, field: field, reason: reason))
        }
        return problems
    }
}
