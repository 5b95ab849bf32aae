import Foundation
import LifelinePersistence
import LifelineRuntime
import Logging

/// An upload of a monthly file as its submitter sees it: progress, what became of the rows, problems.
struct RecordImportView: Codable, Sendable {
    struct Counts: Codable, Sendable, Hashable {
        var rowsRead = 0
        var rejected = 0
        var unmatched = 0
        var matchedWithoutWarning = 0
        var warned = 0
        var warningsRaised = 0
        var alreadyReceived = 0
    }

    var id: String
    var fileName: String
    var format: String?
    var status: String
    var submittedAt: Date
    var finishedAt: Date?
    var counts: Counts
    var failure: String?
    var problems: Int
}

/// SQL for record imports and their row problems.
struct RecordImportJobs: KeptJobStore {
    let database: Database

    func create(id: String, fileName: String, submittedBy: String) async throws {
        try await database.query("""
            INSERT INTO record_imports (id, file_name, submitted_by, status) VALUES (\(id), \(fileName), \(submittedBy), 'queued')
            """)
    }

    func started(_ id: String, format: String) async throws {
        try await database.query("UPDATE record_imports SET status = 'running', format = \(format), started_at = now(), heartbeat_at = now() WHERE id = \(id)")
    }

    /// Keeps the jobs this instance holds (queued or running) marked alive.
    func heartbeat(_ ids: [String]) async throws {
        try await JobTable(database: database, table: "record_imports").heartbeat(ids)
    }

    /// Jobs whose instance stopped (no heartbeat for `age`) are failed: their file went with the
    /// instance. Sending it again is safe (records received before are not screened twice).
    func failAbandoned(olderThan age: Duration) async throws -> Int {
        try await JobTable(database: database, table: "record_imports").failAbandoned(olderThan: age, failure: JobTable.abandonedFailure)
    }

    /// Saves the counts after a batch; a job failed as abandoned while in fact alive runs again
    /// (`JobTable.revive`).
    func progress(_ id: String, _ counts: RecordImportView.Counts, problems: [RowIssue]) async throws {
        try await JobTable(database: database, table: "record_imports").revive(id)
        let json = String(decoding: try JSONEncoder().encode(counts), as: UTF8.self)
        try await database.query("UPDATE record_imports SET counts = \(json)::jsonb, heartbeat_at = now() WHERE id = \(id)")
        guard !problems.isEmpty else { return }
        try await database.query("""
            INSERT INTO record_import_problems (job_id, line, field, message)
            SELECT \(id), l, f, m FROM unnest(\(problems.map(\.line))::int8[], \(problems.map(\.field))::text[], \(problems.map(\.message))::text[]) AS p(l, f, m)
            ON CONFLICT DO NOTHING
            """)
    }

    /// Ends the job, also one failed as abandoned while in fact alive (`JobTable.revive`).
    func finish(_ id: String, failure: String?) async throws {
        try await JobTable(database: database, table: "record_imports").revive(id)
        try await database.query("""
            UPDATE record_imports SET status = \(failure == nil ? "completed" : "failed"), failure = \(failure), finished_at = now()
            WHERE id = \(id) AND status IN ('queued', 'running')
            """)
    }

    func view(_ id: String) async throws -> (view: RecordImportView, submittedBy: String)? {
        let rows = try await database.query("""
            SELECT id, file_name, format, status, submitted_at, finished_at, counts::text, failure, submitted_by,
                   (SELECT count(*)::int FROM record_import_problems p WHERE p.job_id = i.id)
            FROM record_imports i WHERE id = \(id)
            """)
        for try await c in rows.decode((String, String, String?, String, Date, Date?, String, String?, String, Int).self) {
            let counts = (try? JSONDecoder().decode(RecordImportView.Counts.self, from: Data(c.6.utf8))) ?? .init()
            return (RecordImportView(
                id: c.0, fileName: c.1, format: c.2, status: c.3, submittedAt: c.4, finishedAt: c.5, counts: counts, failure: c.7, problems: c.9), c.8)
        }
        return nil
    }

    func problems(_ id: String, offset: Int, limit: Int) async throws -> [RowIssue] {
        var list: [RowIssue] = []
        let rows = try await database.query("""
            SELECT line, field, message FROM record_import_problems WHERE job_id = \(id) ORDER BY line, field OFFSET \(offset) LIMIT \(limit)
            """)
        for try await (line, field, message) in rows.decode((Int, String, String).self) { list.append(RowIssue(line: line, field: field, message: message)) }
        return list
    }
}
