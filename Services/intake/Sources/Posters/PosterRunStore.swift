import Foundation
import LifelinePersistence
import LifelineRuntime
import Logging

/// A poster run as its submitter sees it (no archive bytes: those come from `…/archive`).
struct PosterRunView: Codable, Sendable {
    var id: String
    var region: String
    var format: String
    var status: String
    var submittedAt: Date
    var startedAt: Date?
    var finishedAt: Date?
    var villagesTotal: Int
    var villagesDone: Int
    /// 0–100.
    var percent: Int
    var failure: String?
    var archiveBytes: Int?
}

/// Intake's SQL for poster runs. A run's archive lives in its row, so any instance answers for it;
/// runs are kept for seven days and removed when a later run is submitted, and a completed run is
/// removed when a later one of the same region and format completes.
struct PosterRunStore: KeptJobStore {
    let database: Database
    let logger: Logger

    func create(id: String, region: String, format: String, submittedBy: String) async throws {
        try await database.transaction { connection in
            try await connection.query("DELETE FROM poster_runs WHERE submitted_at < now() - interval '7 days'", logger: logger)
            try await connection.query("""
                INSERT INTO poster_runs (id, region, format, status, submitted_by) VALUES (\(id), \(region), \(format), 'queued', \(submittedBy))
                """, logger: logger)
        }
    }

    /// A run of `region` and `format` not finished yet: asking again joins it instead of queueing another.
    func unfinished(region: String, format: String) async throws -> String? {
        let rows = try await database.query("""
            SELECT id FROM poster_runs WHERE region = \(region) AND format = \(format) AND status IN ('queued', 'running')
            ORDER BY submitted_at DESC LIMIT 1
            """)
        for try await id in rows.decode(String.self) { return id }
        return nil
    }

    func started(_ id: String, villages: Int) async throws {
        try await database.query("UPDATE poster_runs SET status = 'running', started_at = now(), villages_total = \(villages) WHERE id = \(id)")
    }

    func progress(_ id: String, done: Int) async throws {
        try await database.query("UPDATE poster_runs SET villages_done = \(done), heartbeat_at = now() WHERE id = \(id)")
    }

    /// Stores the ZIP and drops the archives of earlier completed runs of the same region and format
    /// (the new one supersedes them), so a region keeps one archive however often it is asked. A run the
    /// job keeper of another instance has already failed as abandoned (after a long database outage)
    /// stays failed and deletes nothing.
    func finish(_ id: String, archive: Data) async throws {
        try await database.transaction { connection in
            let updated = try await connection.query("""
                UPDATE poster_runs SET status = 'completed', archive = \(archive), villages_done = villages_total, finished_at = now()
                WHERE id = \(id) AND status = 'running' RETURNING id
                """, logger: logger)
            var completed = false
            for try await _ in updated.decode(String.self) { completed = true }
            guard completed else { return }
            try await connection.query("""
                DELETE FROM poster_runs p USING poster_runs r
                WHERE r.id = \(id) AND p.id <> r.id AND p.region = r.region AND p.format = r.format AND p.status = 'completed'
                """, logger: logger)
        }
    }

    func fail(_ id: String, failure: String) async throws {
        try await database.query("""
            UPDATE poster_runs SET status = 'failed', failure = \(failure), finished_at = now() WHERE id = \(id) AND status IN ('queued', 'running')
            """)
    }

    /// Keeps the runs this instance holds marked alive.
    func heartbeat(_ ids: [String]) async throws {
        try await JobTable(database: database, table: "poster_runs").heartbeat(ids)
    }

    /// Runs whose instance stopped are failed; submitting again starts a new one.
    func failAbandoned(olderThan age: Duration) async throws -> Int {
        try await JobTable(database: database, table: "poster_runs").failAbandoned(olderThan: age, failure: "海报生成因服务重启而中断，请重新生成")
    }

    func run(_ id: String) async throws -> PosterRunView? {
        let rows = try await database.query("""
            SELECT id, region, format, status, submitted_at, started_at, finished_at, villages_total, villages_done, failure, octet_length(archive)
            FROM poster_runs WHERE id = \(id)
            """)
        for try await row in rows.decode((String, String, String, String, Date, Date?, Date?, Int, Int, String?, Int?).self) {
            let percent = row.3 == "completed" ? 100 : row.7 == 0 ? 0 : min(99, row.8 * 100 / row.7)
            return PosterRunView(
                id: row.0, region: row.1, format: row.2, status: row.3, submittedAt: row.4, startedAt: row.5, finishedAt: row.6,
                villagesTotal: row.7, villagesDone: row.8, percent: percent, failure: row.9, archiveBytes: row.10)
        }
        return nil
    }

    func archive(_ id: String) async throws -> Data? {
        let rows = try await database.query("SELECT archive FROM poster_runs WHERE id = \(id) AND status = 'completed'")
        for try await bytes in rows.decode(Data?.self) { return bytes }
        return nil
    }
}
