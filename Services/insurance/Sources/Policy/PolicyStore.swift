import Foundation
import LifelineAuth
import LifelineEvents
import LifelinePersistence
import Logging

/// Reads and sets policy years. A year's fund may be raised or lowered, never below what is already
/// reserved or paid from it (the CHECK of `policy_years` would refuse it; the store says why first).
struct PolicyStore: Sendable {
    let database: Database
    let audit: InsuranceAudit
    let logger: Logger

    func years() async throws -> [PolicyYearView] {
        try await database.transaction { connection in
            var list: [PolicyYearView] = []
            for year in try await Self.yearNumbers(on: connection, logger: logger) {
                if let view = try await Self.view(year, on: connection, logger: logger) { list.append(view) }
            }
            return list
        }
    }

    func year(_ year: Int) async throws -> PolicyYearView {
        try await database.transaction { connection in
            guard let view = try await Self.view(year, on: connection, logger: logger) else {
                throw InsuranceError(.notFound, "\(year)年度的保险方案尚未设置", field: "year")
            }
            return view
        }
    }

    /// Creates or replaces the year's fund and rules (rules of lines left out are removed; claims
    /// already approved keep the breakdown they were approved with).
    func set(_ policy: PolicyYear, by user: AuthenticatedUser) async throws -> PolicyYearView {
        try await audit.refusals("policyYear.set", by: .init(user), subject: String(policy.year), database: database) {
            try await replace(policy, by: user)
        }
    }

    private func replace(_ policy: PolicyYear, by user: AuthenticatedUser) async throws -> PolicyYearView {
        try await database.transaction { connection in
            let rows = try await connection.query(
                "SELECT reserved_fen + paid_fen FROM policy_years WHERE year = \(policy.year) FOR UPDATE", logger: logger)
            for try await committed in rows.decode(Int64.self) where committed > policy.fundFen {
                throw InsuranceError(
                    .fundBelowCommitted, "资金不能低于已预留和已支付的 \(Money.yuan(committed)) 元", field: "fundFen")
            }
            try await connection.query("""
                INSERT INTO policy_years (year, name, fund_fen, thresholds_bp, updated_by, updated_at)
                VALUES (\(policy.year), \(policy.name), \(policy.fundFen), \(policy.thresholdsBasisPoints.sorted()), \(user.id), now())
                ON CONFLICT (year) DO UPDATE SET name = EXCLUDED.name, fund_fen = EXCLUDED.fund_fen, thresholds_bp = EXCLUDED.thresholds_bp,
                    updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
                """, logger: logger)
            try await connection.query("DELETE FROM line_rules WHERE year = \(policy.year)", logger: logger)
            for rule in policy.lines {
                let ratios = String(decoding: try JSONEncoder.sorted.encode(rule.categoryRatios), as: UTF8.self)
                let kinds = String(decoding: try JSONEncoder.sorted.encode(rule.lossKinds), as: UTF8.self)
                try await connection.query("""
                    INSERT INTO line_rules (year, line, deductible_fen, ratio_bp, category_ratios, claim_cap_fen, year_cap_fen, loss_kinds, deduct_other_payments)
                    VALUES (\(policy.year), \(rule.line.rawValue), \(rule.deductibleFen), \(rule.ratioBasisPoints), \(ratios)::jsonb, \(rule.claimCapFen),
                            \(rule.yearCapFen), \(kinds)::jsonb, \(rule.deductOtherPayments))
                    """, logger: logger)
            }
            let detail = String(decoding: try JSONEncoder.sorted.encode(policy), as: UTF8.self)
            try await audit.record("policyYear.set", by: .init(user), subject: String(policy.year), detail: ["policy": detail], on: connection)
            guard let view = try await Self.view(policy.year, on: connection, logger: logger) else {
                throw InsuranceError(.recordMissing, "保险方案写入后未能读取")
            }
            return view
        }
    }

    static func yearNumbers(on connection: PostgresConnection, logger: Logger) async throws -> [Int] {
        var years: [Int] = []
        for try await year in try await connection.query("SELECT year FROM policy_years ORDER BY year", logger: logger).decode(Int.self) {
            years.append(year)
        }
        return years
    }

    /// The year's rules as the payout computation needs them; `nil` when the year is not set.
    static func policy(_ year: Int, on connection: PostgresConnection, logger: Logger) async throws -> PolicyYear? {
        let rows = try await connection.query(
            "SELECT name, fund_fen, thresholds_bp FROM policy_years WHERE year = \(year)", logger: logger)
        var found: PolicyYear?
        for try await (name, fund, thresholds) in rows.decode((String, Int64, [Int]).self) {
            found = PolicyYear(year: year, name: name, fundFen: fund, thresholdsBasisPoints: thresholds, lines: [])
        }
        guard var policy = found else { return nil }
        let rules = try await connection.query("""
            SELECT line, deductible_fen, ratio_bp, category_ratios::text, claim_cap_fen, year_cap_fen, loss_kinds::text, deduct_other_payments
            FROM line_rules WHERE year = \(year) ORDER BY array_position(ARRAY['medical', 'accident', 'property', 'industry'], line), line
            """, logger: logger)
        let decoder = JSONDecoder()
        for try await row in rules.decode((String, Int64, Int, String, Int64, Int64, String, Bool).self) {
            policy.lines.append(PayoutRule(
                line: InsuranceLine(uncheckedRawValue: row.0), deductibleFen: row.1, ratioBasisPoints: row.2,
                categoryRatios: try decoder.decode([String: Int].self, from: Data(row.3.utf8)), claimCapFen: row.4, yearCapFen: row.5,
                lossKinds: try decoder.decode([PayoutRule.LossKind].self, from: Data(row.6.utf8)), deductOtherPayments: row.7))
        }
        return policy
    }

    static func view(_ year: Int, on connection: PostgresConnection, logger: Logger) async throws -> PolicyYearView? {
        guard let policy = try await policy(year, on: connection, logger: logger) else { return nil }
        let rows = try await connection.query("""
            SELECT reserved_fen, paid_fen, updated_by, updated_at,
                   coalesce((SELECT array_agg(threshold_bp ORDER BY threshold_bp) FROM fund_thresholds_reached r WHERE r.year = p.year), '{}')
            FROM policy_years p WHERE year = \(year)
            """, logger: logger)
        for try await (reserved, paid, by, at, reached) in rows.decode((Int64, Int64, String, Date, [Int]).self) {
            return PolicyYearView(
                year: year, name: policy.name, fundFen: policy.fundFen, reservedFen: reserved, paidFen: paid, committedFen: reserved + paid,
                remainingFen: policy.fundFen - reserved - paid, thresholdsBasisPoints: policy.thresholdsBasisPoints, thresholdsReached: reached,
                lines: policy.lines.map(PolicyYearView.LineView.init), updatedBy: by, updatedAt: at)
        }
        return nil
    }
}
