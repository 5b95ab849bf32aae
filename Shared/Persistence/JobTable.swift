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

    /// The failure shown for a job its instance left: the file went with the instance.
    public static let abandonedFailure = "导入因服务重启而中断，请重新上传文件（重复导入不会产生重复数据）"
}
