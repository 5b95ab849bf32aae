import Foundation
import LifelineEvents
import LifelineEventBus
import LifelinePersistence
import Logging

/// What a household has committed (reserved or paid) per line and year. Its row is locked by the
/// approving transaction, so concurrent approvals for one household are decided one after the other.
///
/// The row belongs to the household the family lives in now: a claim of a household intake merged into
/// another counts against the absorbing household's caps, and what the merged household had committed
/// moves there when the merge arrives (`fold`), so one family never gets two yearly caps.
enum HouseholdUsage {
    /// Whose yearly caps `household`'s claims count against: the last household of its merge chain the
    /// copy knows, or `household` itself.
    static func holder(of household: String, on connection: PostgresConnection, logger: Logger) async throws -> String {
        try await MergeChain.survivor(of: household, table: "households", idColumn: "household_id", on: connection, logger: logger) ?? household
    }

    /// `holder(of:)`, kept until the transaction ends: the registry rows of `household` and of its holder
    /// are locked (FOR SHARE), so a merge of either waits for this transaction, and this transaction
    /// reads a merge that committed first. A merge's `fold` then finds every row this transaction wrote.
    static func lockedHolder(of household: String, on connection: PostgresConnection, logger: Logger) async throws -> String {
        var holder = try await holder(of: household, on: connection, logger: logger)
        for _ in 0..<10 {
            try await connection.query(
                "SELECT 1 FROM households WHERE household_id = ANY(\([household, holder])) ORDER BY household_id FOR SHARE", logger: logger)
            let current = try await self.holder(of: household, on: connection, logger: logger)
            if current == holder { return holder }
            holder = current
        }
        throw InsuranceError(.recordMissing, "该户的合并记录正在变化，请稍后重试")
    }

    static func committed(year: Int, household: String, line: InsuranceLine, on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        let holder = try await holder(of: household, on: connection, logger: logger)
        let rows = try await connection.query("""
            SELECT committed_fen FROM household_usage WHERE year = \(year) AND household_id = \(holder) AND line = \(line.rawValue)
            """, logger: logger)
        for try await value in rows.decode(Int64.self) { return value }
        return 0
    }

    /// Locks the household's row of the line and year (creating it) and returns what it has committed.
    static func lock(year: Int, household: String, line: InsuranceLine, on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        let holder = try await lockedHolder(of: household, on: connection, logger: logger)
        try await connection.query("""
            INSERT INTO household_usage (year, household_id, line) VALUES (\(year), \(holder), \(line.rawValue)) ON CONFLICT DO NOTHING
            """, logger: logger)
        let rows = try await connection.query("""
            SELECT committed_fen FROM household_usage WHERE year = \(year) AND household_id = \(holder) AND line = \(line.rawValue) FOR UPDATE
            """, logger: logger)
        for try await value in rows.decode(Int64.self) { return value }
        throw InsuranceError(.recordMissing, "额度记录未能读取")
    }

    /// Adds `amount` (negative to give back) to the household's row, within `capFen` when given; returns
    /// whether the row took it.
    static func add(
        _ amount: Int64, year: Int, household: String, line: InsuranceLine, capFen: Int64?, on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        let holder = try await lockedHolder(of: household, on: connection, logger: logger)
        let rows = try await connection.query("""
            UPDATE household_usage SET committed_fen = committed_fen + \(amount)
            WHERE year = \(year) AND household_id = \(holder) AND line = \(line.rawValue) AND (\(capFen)::bigint IS NULL OR committed_fen + \(amount) <= \(capFen))
            RETURNING 1
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Moves what `household` (when `merged`), and every household merged into it, committed in any year
    /// to the household the family lives in now. Deleting the rows waits for an approval holding one; a second
    /// call finds nothing. A household neither merged nor absorbing costs one index probe.
    static func fold(_ household: String, merged: Bool, on connection: PostgresConnection, logger: Logger) async throws {
        let absorbed = try await MergeChain.absorbed(into: household, table: "households", idColumn: "household_id", on: connection, logger: logger)
        guard merged || !absorbed.isEmpty else { return }
        let holder = try await holder(of: household, on: connection, logger: logger)
        let sources = ([household] + absorbed).filter { $0 != holder }
        guard !sources.isEmpty else { return }
        try await connection.query("""
            WITH moved AS (DELETE FROM household_usage WHERE household_id = ANY(\(sources)) RETURNING year, line, committed_fen)
            INSERT INTO household_usage (year, household_id, line, committed_fen)
            SELECT year, \(holder), line, sum(committed_fen) FROM moved GROUP BY year, line
            ON CONFLICT (year, household_id, line) DO UPDATE SET committed_fen = household_usage.committed_fen + EXCLUDED.committed_fen
            """, logger: logger)
    }
}

/// The fund's ledger (资金台账): every reservation, release and payout is an entry, and the year's
/// balance row holds their sums. Every change goes through one conditional UPDATE of the balance row,
/// which waits for the row's lock and refuses what would take reserved plus paid above the fund, so
/// approvals from any number of instances can never overspend it; the CHECK of the table guards the same.
struct FundLedger: Sendable {
    let publisher: EventPublisher
    let logger: Logger

    /// What the claim touches.
    struct Entry: Sendable {
        var year: Int
        var claimId: String
        var householdId: String
        var townCode: String
        var line: InsuranceLine
        var by: String
    }

    /// Reserves `amount` for an approval unless the fund cannot cover it; returns whether it did.
    func reserve(_ amount: Int64, for entry: Entry, yearCapFen: Int64, on connection: PostgresConnection) async throws -> Bool {
        let reserved = try await connection.query("""
            UPDATE policy_years SET reserved_fen = reserved_fen + \(amount)
            WHERE year = \(entry.year) AND reserved_fen + paid_fen + \(amount) <= fund_fen
            RETURNING fund_fen, reserved_fen + paid_fen, thresholds_bp
            """, logger: logger)
        var balance: (fund: Int64, committed: Int64, thresholds: [Int])?
        for try await row in reserved.decode((Int64, Int64, [Int]).self) { balance = row }
        guard let balance else { return false }
        let capHeld = try await HouseholdUsage.add(
            amount, year: entry.year, household: entry.householdId, line: entry.line, capFen: yearCapFen, on: connection, logger: logger)
        // The caller computed the amount under the row's lock, within the cap: anything else is a bug, and the transaction rolls back.
        guard capHeld else { throw InsuranceError(.recordMissing, "本户年度限额校验失败") }
        try await record(.reservation, amount, entry, on: connection)
        try await thresholdsCrossed(year: entry.year, fund: balance.fund, committed: balance.committed, thresholds: balance.thresholds, on: connection)
        return true
    }

    /// Pays a reserved amount: the reservation is released and the payout recorded.
    func pay(_ amount: Int64, for entry: Entry, on connection: PostgresConnection) async throws {
        try await connection.query("""
            UPDATE policy_years SET reserved_fen = reserved_fen - \(amount), paid_fen = paid_fen + \(amount) WHERE year = \(entry.year)
            """, logger: logger)
        try await record(.release, amount, entry, on: connection)
        try await record(.payout, amount, entry, on: connection)
    }

    /// Gives a reservation back to the fund and to the household's yearly cap.
    func release(_ amount: Int64, for entry: Entry, on connection: PostgresConnection) async throws {
        // The household's row before the balance row, as approvals lock them: no two transactions wait for each other.
        _ = try await HouseholdUsage.add(
            -amount, year: entry.year, household: entry.householdId, line: entry.line, capFen: nil, on: connection, logger: logger)
        try await connection.query("UPDATE policy_years SET reserved_fen = reserved_fen - \(amount) WHERE year = \(entry.year)", logger: logger)
        try await record(.release, amount, entry, on: connection)
    }

    /// What is left of the year's fund now (read under the caller's transaction).
    static func remaining(year: Int, on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        let rows = try await connection.query("SELECT fund_fen - reserved_fen - paid_fen FROM policy_years WHERE year = \(year)", logger: logger)
        for try await value in rows.decode(Int64.self) { return value }
        return 0
    }

    private enum Kind: String { case reservation, release, payout }

    private func record(_ kind: Kind, _ amount: Int64, _ entry: Entry, on connection: PostgresConnection) async throws {
        guard amount > 0 else { return }
        try await connection.query("""
            INSERT INTO ledger_entries (year, claim_id, household_id, town_code, line, kind, amount_fen, by_user)
            VALUES (\(entry.year), \(entry.claimId), \(entry.householdId), \(entry.townCode), \(entry.line.rawValue), \(kind.rawValue), \(amount), \(entry.by))
            """, logger: logger)
    }

    /// Publishes `FundThresholdReached` once per year and threshold when committed money crosses it
    /// (the balance row is locked by this transaction, so no two approvals see the same crossing).
    private func thresholdsCrossed(year: Int, fund: Int64, committed: Int64, thresholds: [Int], on connection: PostgresConnection) async throws {
        guard fund > 0 else { return }
        for threshold in thresholds.sorted() where committed * 10_000 >= fund * Int64(threshold) {
            let inserted = try await connection.query("""
                INSERT INTO fund_thresholds_reached (year, threshold_bp, committed_fen) VALUES (\(year), \(threshold), \(committed))
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: logger)
            var fresh = false
            for try await _ in inserted { fresh = true }
            guard fresh else { continue }
            logger.notice("fund threshold reached", metadata: ["year": "\(year)", "thresholdBasisPoints": "\(threshold)"])
            try await publisher.publish(FundThresholdReached(
                year: year, thresholdBasisPoints: threshold, fundFen: fund, committedFen: committed, remainingFen: fund - committed, reachedAt: Date()),
                on: connection)
        }
    }
}
