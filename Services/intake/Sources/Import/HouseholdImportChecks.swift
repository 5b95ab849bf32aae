import LifelineAuth
import LifelineEvents
import Logging
import LifelinePersistence

/// The checks of a household import that need more than one row, run as set-based SQL over the staged
/// rows, in the order a clerk reads them. Each refused row gets its column (`field`) and reason; later
/// checks see only the rows still accepted.
///
/// 1. An ID number seen on an earlier line: the later rows are refused.
/// 2. A household's rows must agree with its first row on village, household group, 脱贫户 and 监测对象.
/// 3. One head per household: later heads are refused.
/// 4. A household without a head is refused whole.
/// 5. A household number registered in a village outside the caller's region is refused whole (an
///    import may not take over another town's household).
/// 6. An ID number registered in another household may move only if that household is inside the
///    region and either is in this file too (a member changing households) or was created by a
///    self-application (the district's file now places the applicant: that household is merged into
///    the imported one, `merge_from`); otherwise the row is refused.
/// 7. A household whose head was refused by 6 is refused whole.
///
/// Between 4 and 5 the households still in the file are numbered in file order into chunks of
/// `chunkSize`, each written later in one transaction; at the end the accepted rows are copied, in
/// chunk order, to the table the chunks are written from.
struct HouseholdImportChecks {
    let staging: HouseholdStaging
    let logger: Logger

    func run(region: String, chunkSize: Int, on connection: PostgresConnection) async throws {
        let rows = staging.rows
        let inside = DivisionCode.significantPrefix(region) + "%"
        // Fresh statistics first: without them the planner takes a file of rows for a handful. A small
        // sample does: the plans only need the sizes.
        try await connection.query("SET LOCAL default_statistics_target = 10", logger: logger)
        // The rules' aggregates and sorts span the whole file: in memory rather than in temporary files.
        try await connection.query("SET LOCAL work_mem = '64MB'", logger: logger)
        try await connection.query("ANALYZE \(unescaped: rows)", logger: logger)
        // Each rule first finds the few households or people concerned with one hash aggregate, then
        // names the refused rows among those only: a file's rows are scanned once per rule, not sorted.
        try await connection.query("""
            UPDATE \(unescaped: rows) s SET field = '证件号码', reason = '与第' || d.first || '行的证件号码重复'
            FROM (SELECT id_number, min(line) AS first FROM \(unescaped: rows) GROUP BY id_number HAVING count(*) > 1) d
            WHERE s.id_number = d.id_number AND s.line > d.first
            """, logger: logger)
        try await connection.query("""
            WITH disagreeing AS (
                SELECT household FROM \(unescaped: rows) WHERE reason IS NULL GROUP BY household
                HAVING min(village) <> max(village) OR min(grp) <> max(grp) OR bool_or(poor) <> bool_and(poor)
                    OR count(category) NOT IN (0, count(*)) OR min(category) <> max(category)
            ), first AS (
                SELECT DISTINCT ON (household) household, line, village, grp, poor, category
                FROM \(unescaped: rows) WHERE reason IS NULL AND household IN (SELECT household FROM disagreeing) ORDER BY household, line
            )
            UPDATE \(unescaped: rows) s
            SET field = CASE WHEN s.village <> f.village THEN '村代码' WHEN s.grp <> f.grp THEN '联户网格编号'
                             WHEN s.poor <> f.poor THEN '是否脱贫户' ELSE '监测对象类别' END,
                reason = '与本户第' || f.line || CASE WHEN s.village <> f.village THEN '行的村代码不一致'
                                                  WHEN s.grp <> f.grp THEN '行的联户网格不一致' ELSE '行不一致' END
            FROM first f
            WHERE s.household = f.household AND s.reason IS NULL AND s.line <> f.line
              AND (s.village, s.grp, s.poor, s.category) IS DISTINCT FROM (f.village, f.grp, f.poor, f.category)
            """, logger: logger)
        try await connection.query("""
            WITH heads AS (
                SELECT household, count(*) FILTER (WHERE is_head) AS heads, min(line) FILTER (WHERE is_head) AS first
                FROM \(unescaped: rows) WHERE reason IS NULL GROUP BY household
                HAVING count(*) FILTER (WHERE is_head) <> 1
            )
            UPDATE \(unescaped: rows) s
            SET field = '与户主关系',
                reason = CASE WHEN h.heads = 0 THEN '该户没有户主（与户主关系为“户主”的成员），整户未导入' ELSE '本户已有户主（第' || h.first || '行）' END
            FROM heads h
            WHERE s.household = h.household AND s.reason IS NULL AND (h.heads = 0 OR (s.is_head AND s.line <> h.first))
            """, logger: logger)
        try await connection.query("""
            CREATE UNLOGGED TABLE \(unescaped: staging.households) WITH (autovacuum_enabled = false) AS
            SELECT household, ((row_number() OVER (ORDER BY min(line))) - 1) / \(chunkSize) AS chunk
            FROM \(unescaped: rows) WHERE reason IS NULL GROUP BY household
            """, logger: logger)
        try await connection.query("ALTER TABLE \(unescaped: staging.households) ADD PRIMARY KEY (household)", logger: logger)
        try await connection.query("CREATE INDEX ON \(unescaped: staging.households) (chunk)", logger: logger)
        try await connection.query("""
            UPDATE \(unescaped: rows) s SET field = '户编号', reason = '该户编号已登记在本账号管辖范围以外的村'
            FROM households h WHERE h.id = s.household AND s.reason IS NULL AND h.village_code NOT LIKE \(inside)
            """, logger: logger)
        var headsLost = 0
        for try await count in try await connection.query("""
            WITH other AS (
                SELECT s.line, m.household_id, h.source = 'self-application' AS self, h.village_code LIKE \(inside) AS inside,
                    EXISTS (SELECT 1 FROM \(unescaped: staging.households) f WHERE f.household = m.household_id) AS in_file
                FROM \(unescaped: rows) s
                JOIN household_members m ON m.id_number = s.id_number AND m.household_id <> s.household
                JOIN households h ON h.id = m.household_id
                WHERE s.reason IS NULL
            ), marked AS (
                UPDATE \(unescaped: rows) s
                SET merge_from = CASE WHEN o.self AND NOT o.in_file AND o.inside THEN o.household_id END,
                    moving = (o.in_file OR o.self) AND o.inside,
                    field = CASE WHEN (o.in_file OR o.self) AND o.inside THEN NULL ELSE '证件号码' END,
                    reason = CASE WHEN (o.in_file OR o.self) AND o.inside THEN NULL ELSE '该证件号码已登记在其他户' END
                FROM other o
                WHERE s.line = o.line
                RETURNING s.is_head AND s.reason IS NOT NULL AS head_refused
            )
            SELECT count(*) FILTER (WHERE head_refused) FROM marked
            """, logger: logger).decode(Int.self) {
            headsLost = count
        }
        if headsLost > 0 {
            try await connection.query("""
                UPDATE \(unescaped: rows) s SET field = '与户主关系', reason = '本户户主未能导入，整户未导入'
                WHERE s.reason IS NULL AND EXISTS (
                    SELECT 1 FROM \(unescaped: rows) x WHERE x.household = s.household AND x.is_head AND x.reason = '该证件号码已登记在其他户')
                """, logger: logger)
        }
        try await connection.query("""
            CREATE UNLOGGED TABLE \(unescaped: staging.accepted) WITH (autovacuum_enabled = false) AS
            SELECT s.household, s.line, s.village, s.grp, s.poor, s.category, s.id_number, s.is_head, s.name, s.relation, s.birth, s.sex,
                s.phone, s.labour, s.health, s.allowance, s.extreme, s.member_json, s.canon, s.merge_from, s.moving, h.chunk
            FROM \(unescaped: rows) s JOIN \(unescaped: staging.households) h USING (household)
            WHERE s.reason IS NULL ORDER BY h.chunk
            """, logger: logger)
        try await connection.query("CREATE INDEX ON \(unescaped: staging.accepted) (chunk)", logger: logger)
        try await connection.query("ANALYZE \(unescaped: staging.accepted)", logger: logger)
    }
}
