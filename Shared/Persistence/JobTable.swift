import Foundation
import PostgresNIO

/// A service's table of long jobs (file imports): rows with `id`, `status` (`queued`, `running`,
/// `completed`, `failed`), `heartbeat_at`, `finished_at` and `failure`. The statements a job keeper
/// needs, the same for every such table.
public struct JobTable: Sendable {
    let database: Database
    let table: String

    /// `table` is a name fixed in the service's code (a `StaticString`), never input.
    public init(database: Database, table: StaticString) {
        self.database = database
        self.table = table.description
    }

    /// Marks the jobs this instance holds (queued or running) alive.
    public func heartbeat(_ ids: [String]) async throws {
        guard !ids.isEmpty else { return }
        var binds = PostgresBindings()
        binds.append(ids)
        try await database.query(PostgresQuery(
            unsafeSQL: "UPDATE \(table) SET heartbeat_at = now() WHERE id = ANY($1) AND status IN ('queued', 'running')", binds: binds))
    }

    /// Fails the jobs whose instance went away (no heartbeat for `age`) with `failure` (shown to the
    /// submitter); returns how many.
    public func failAbandoned(olderThan age: Duration, failure: String) async throws -> Int {
        var binds = PostgresBindings()
        binds.append(failure)
        binds.append(Double(age.components.seconds))
        return try await database.count(PostgresQuery(unsafeSQL: """
            WITH failed AS (
                UPDATE \(table) SET status = 'failed', finished_at = now(), failure = $1
                WHERE status IN ('queued', 'running') AND heartbeat_at < now() - make_interval(secs => $2)
                RETURNING 1)
            SELECT count(*) FROM failed
            """, binds: binds))
    }

    /// Runs again a job that a keeper failed as abandoned (`failure`) while its instance was in fact
    /// alive: its heartbeats were lost in a database outage longer than the keeper's patience, or it is
    /// a command line's import, which has no keeper. Called with each sign of life of the job (its
    /// progress, its end), so that an outage makes an import late, never failed. A job failed for any
    /// other reason stays failed.
    public func revive(_ id: String, failure: String = JobTable.abandonedFailure) async throws {
        var binds = PostgresBindings()
        binds.append(id)
        binds.append(failure)
        try await database.query(PostgresQuery(unsafeSQL: """
            UPDATE \(table) SET status = 'running', failure = NULL, finished_at = NULL, heartbeat_at = now()
            WHERE id = $1 AND status = 'failed' AND failure = $2
            """, binds: binds))
    }

    /// The failure shown for a job its instance left: the file went with the instance.
    public static let abandonedFailure = "导入因服务重启而中断，请重新上传文件（重复导入不会产生重复数据）"
}
