import Foundation
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import Logging
import LifelinePersistence

/// Writes one chunk of checked households from the staging tables into the registry, in one
/// transaction, set-based: people moving in leave their old households, new and changed households
/// are upserted (a household whose content hash is unchanged is not written and publishes nothing),
/// their members replaced, their `HouseholdRegistered` events built in SQL into the outbox, and the
/// self-application households whose applicants the file placed are merged.
///
/// Writing a chunk again changes nothing more, so an outage in the middle is waited out by trying it again.
struct HouseholdChunkWriter: Sendable {
    let staging: HouseholdStaging
    /// The importing account's region.
    let region: String
    let publisher: EventPublisher
    let logger: Logger

    struct Written: Sendable {
        var accepted = 0
        var created = 0
        var updated = 0
        var unchanged = 0
    }

    /// Writes chunk `chunk`, which the checks left with `expected` households.
    func write(chunk: Int, households expected: Int, on connection: PostgresConnection) async throws -> Written {
        let rows = staging.accepted
        var written = Written()
        var households = 0
        for try await (accepted, count) in try await connection.query("""
            SELECT count(*)::int8, count(DISTINCT household)::int8 FROM \(unescaped: rows) WHERE chunk = \(chunk)
            """, logger: logger).decode((Int, Int).self) {
            written.accepted = accepted
            households = count
        }
        guard households == expected else {
            // Unlogged tables are emptied when PostgreSQL recovers from a crash.
            throw HouseholdImporter.stagingLost
        }
        // People moving in from another household leave it: those the checks found, and anyone a
        // self-application registered since (inside the region: that household is merged into this one,
        // as the checks would have decided). The households they leave no longer match their stored
        // content: forget it, so the next import of those households rewrites them whatever this file
        // says about them. Each person is looked up by the ID number index (`OFFSET 0` keeps the
        // planner from joining the chunk with the whole registry).
        var movingIds: [String] = [], movingTo: [String] = []
        var lateMerges: [(provisional: String, into: String)] = []
        for try await (id, household, foundByChecks, other, selfApplied, inside) in try await connection.query("""
            SELECT s.id_number, s.household, s.moving, o.household_id, o.self_applied, o.inside
            FROM \(unescaped: rows) s CROSS JOIN LATERAL (
                SELECT m.household_id, h.source = 'self-application' AS self_applied, h.village_code LIKE \(DivisionCode.significantPrefix(region) + "%") AS inside
                FROM household_members m JOIN households h ON h.id = m.household_id
                WHERE m.id_number = s.id_number AND m.household_id <> s.household OFFSET 0) o
            WHERE s.chunk = \(chunk)
            """, logger: logger).decode((String, String, Bool, String, Bool, Bool).self) {
            if !foundByChecks {
                // Registered since the checks ran: only a self-application can have done that here.
                guard selfApplied, inside else { throw Self.registeredMeanwhile }
                lateMerges.append((other, household))
            }
            movingIds.append(id)
            movingTo.append(household)
        }
        if !movingIds.isEmpty {
            try await connection.query("""
                WITH left_behind AS (
                    DELETE FROM household_members m USING unnest(\(movingIds)::text[], \(movingTo)::text[]) AS s(id_number, household)
                    WHERE m.id_number = s.id_number AND m.household_id <> s.household
                    RETURNING m.household_id)
                UPDATE households SET content_hash = NULL WHERE id IN (SELECT household_id FROM left_behind)
                """, logger: logger)
        }
        var changed: [String] = [], updated: [String] = []
        for try await (id, created) in try await connection.query("""
            INSERT INTO households (id, village_code, household_group_id, provisional, formerly_poor, monitoring_category, source, content_hash,
                created_at, updated_at)
            SELECT household, min(village), min(grp), false, bool_or(poor), min(category), 'import',
                md5(min(village) || E'\\x1E' || min(grp) || E'\\x1E' || CASE WHEN bool_or(poor) THEN '1' ELSE '0' END
                    || coalesce('|' || min(category), '') || E'\\x1E' || string_agg(canon, E'\\x1E' ORDER BY NOT is_head, line)),
                now(), now()
            FROM \(unescaped: rows) s WHERE s.chunk = \(chunk)
            GROUP BY household
            ON CONFLICT (id) DO UPDATE SET village_code = EXCLUDED.village_code, household_group_id = EXCLUDED.household_group_id,
                formerly_poor = EXCLUDED.formerly_poor, monitoring_category = EXCLUDED.monitoring_category, provisional = false,
                source = 'import', content_hash = EXCLUDED.content_hash, updated_at = now()
            WHERE households.content_hash IS DISTINCT FROM EXCLUDED.content_hash
            RETURNING id, (xmax = 0)
            """, logger: logger).decode((String, Bool).self) {
            changed.append(id)
            if created { written.created += 1 } else { written.updated += 1; updated.append(id) }
        }
        written.unchanged = households - changed.count
        guard !changed.isEmpty else { return written }
        if !updated.isEmpty {
            try await connection.query("DELETE FROM household_members WHERE household_id = ANY(\(updated))", logger: logger)
        }
        try await connection.query("""
            INSERT INTO household_members (household_id, id_number, name, relation, birth_date, sex, phone, position,
                labour_ability, health_status, minimum_living_allowance, extreme_poverty_support)
            SELECT household, id_number, name, relation, birth::date, sex, phone,
                row_number() OVER (PARTITION BY household ORDER BY NOT is_head, line) - 1, labour, health, allowance, extreme
            FROM \(unescaped: rows) s WHERE s.chunk = \(chunk) AND s.household = ANY(\(changed))
            """, logger: logger)
        let now = Date()
        let changedList = "SELECT unnest(\(Self.arrayLiteral(changed))::text[])"
        _ = try await publisher.publishBuilt(
            HouseholdRegistered.self, keys: "SELECT household AS key FROM (\(changedList)) c(household)",
            rows: """
                SELECT household AS key, min(line) AS position,
                    '{"formerlyPoor":' || CASE WHEN bool_or(poor) THEN 'true' ELSE 'false' END
                    || ',"householdGroupId":' || to_json(min(grp))::text || ',"householdId":' || to_json(household)::text
                    || ',"members":[' || string_agg(member_json, ',' ORDER BY NOT is_head, line) || ']'
                    || coalesce(',"monitoringCategory":' || to_json(min(category))::text, '')
                    || ',"provisional":false,"source":"import","updatedAt":"\(EventJSON.formatTimestamp(now))"'
                    || ',"villageCode":' || to_json(min(village))::text || '}' AS payload
                FROM \(rows) s WHERE s.chunk = \(chunk) AND s.household IN (\(changedList))
                GROUP BY household
                """,
            on: connection, time: now)
        var merges: [(provisional: String, into: String)] = []
        for try await (old, successor) in try await connection.query("""
            SELECT DISTINCT merge_from, household FROM \(unescaped: rows) s
            WHERE s.chunk = \(chunk) AND s.merge_from IS NOT NULL
            ORDER BY 1, 2
            """, logger: logger).decode((String, String).self) {
            merges.append((old, successor))
        }
        for merge in lateMerges where !merges.contains(where: { $0 == merge }) { merges.append(merge) }
        try await SelfApplicationMerge(publisher: publisher, logger: logger).merge(merges, on: connection, at: now)
        return written
    }

    /// A person of the chunk was registered in another household by something other than a
    /// self-application after the checks ran (another import at the same time): the file is checked again.
    static let registeredMeanwhile = ImportFailure(
        code: .interrupted, message: "导入期间有成员在其他户登记（可能另有导入同时进行），请重新上传文件，以便重新核对")

    /// `ids` as an SQL array literal, each element quoted (an unquoted `null` would be NULL). Household
    /// numbers are letters, digits and `-` (the row checks refuse anything else), so nothing inside the
    /// quotes needs escaping.
    static func arrayLiteral(_ ids: [String]) -> String {
        precondition(ids.allSatisfy { $0.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 } })
        return "'{" + ids.map { "\"" + $0 + "\"" }.joined(separator: ",") + "}'"
    }
}
