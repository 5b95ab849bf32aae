import Logging
import PostgresNIO

/// Households that intake merged into another: a service's copy of the registry keeps each household's
/// successor in a `superseded_by` column (`supersededBy` of `HouseholdRegistered`). Decisions stay on the
/// household they were made about, so a service asking about a household also asks about those merged
/// into it.
public enum MergeChain {
    /// The households merged into `household`, through any chain of merges (at most 10 steps), nearest
    /// first. `table` is the service's registry copy and `idColumn` its household id column, both fixed
    /// in the service's code (`StaticString`), never input.
    public static func absorbed(
        into household: String, table: StaticString, idColumn: StaticString, on connection: PostgresConnection, logger: Logger
    ) async throws -> [String] {
        var binds = PostgresBindings()
        binds.append(household)
        let rows = try await connection.query(PostgresQuery(unsafeSQL: """
            WITH RECURSIVE absorbed(id, depth) AS (
                SELECT \(idColumn), 1 FROM \(table) WHERE superseded_by = $1
                UNION ALL
                SELECT h.\(idColumn), a.depth + 1 FROM absorbed a JOIN \(table) h ON h.superseded_by = a.id WHERE a.depth < 10
            )
            SELECT id FROM absorbed ORDER BY depth, id
            """, binds: binds), logger: logger)
        var ids: [String] = []
        for try await id in rows.decode(String.self) { ids.append(id) }
        return ids
    }

    /// The household where `household`'s people live now: the last one the copy knows along the chain of
    /// successors (at most 10 steps), `household` itself when it was never merged, `nil` when the copy
    /// does not know `household`. `table` and `idColumn` as for `absorbed`.
    public static func survivor(
        of household: String, table: StaticString, idColumn: StaticString, on connection: PostgresConnection, logger: Logger
    ) async throws -> String? {
        var binds = PostgresBindings()
        binds.append(household)
        let rows = try await connection.query(PostgresQuery(unsafeSQL: """
            WITH RECURSIVE chain(id, successor, depth) AS (
                SELECT \(idColumn), superseded_by, 0 FROM \(table) WHERE \(idColumn) = $1
                UNION ALL
                SELECT h.\(idColumn), h.superseded_by, c.depth + 1 FROM chain c JOIN \(table) h ON h.\(idColumn) = c.successor WHERE c.depth < 10
            )
            SELECT id FROM chain ORDER BY depth DESC LIMIT 1
            """, binds: binds), logger: logger)
        for try await id in rows.decode(String.self) { return id }
        return nil
    }
}
