import Foundation
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging

/// The insurer's decisions on a claim (核赔): approval reserves the payout computed by the year's rule
/// in the fund; payment records the payment reference and turns the reservation into a payout;
/// rejection gives any reservation back. Each takes the claim's row lock first, so a double click or
/// a second instance acting on the same claim finds it decided; repeating a decision answers the
/// claim as it is.
struct ClaimDecisions: Sendable {
    let database: Database
    let publisher: EventPublisher
    let audit: InsuranceAudit
    let logger: Logger

    private var ledger: FundLedger { FundLedger(publisher: publisher, logger: logger) }

    /// Why a claim was rejected.
    enum RejectionReason: String, Sendable {
        case insurerDecision, fundInsufficient, yearCapReached, nothingPayable
    }

    func approve(_ id: String, by user: AuthenticatedUser) async throws -> ClaimView {
        try await audit.refusals("claim.approve", by: .init(user), subject: id, database: database) { try await reserve(id, by: user) }
    }

    func pay(_ id: String, reference: String, by user: AuthenticatedUser) async throws -> ClaimView {
        try await audit.refusals("claim.pay", by: .init(user), subject: id, database: database) { try await settle(id, reference: reference, by: user) }
    }

    /// The insurer rejects a filed claim, or an approved one before it is paid (its reservation goes back).
    func reject(_ id: String, reason: String, by user: AuthenticatedUser) async throws -> ClaimView {
        try await audit.refusals("claim.reject", by: .init(user), subject: id, database: database) { try await decline(id, reason: reason, by: user) }
    }

    private func reserve(_ id: String, by user: AuthenticatedUser) async throws -> ClaimView {
        try await database.transaction { connection in
            let claim = try await lockedClaim(id, on: connection)
            switch claim.status {
            case "approved", "paid": return try await ClaimView.one(id, on: connection, logger: logger)
            case "rejected": throw InsuranceError(.wrongStatus, "该申请已拒赔，不能核准")
            default: break
            }
            // The year's rules stay as read until this approval commits: KEY SHARE waits for a replacement
            // of the policy year (FOR UPDATE) and makes one wait, but not other approvals' reservations.
            try await connection.query("SELECT 1 FROM policy_years WHERE year = \(claim.year) FOR KEY SHARE", logger: logger)
            guard let rule = try await PolicyStore.policy(claim.year, on: connection, logger: logger)?.rule(claim.line) else {
                throw InsuranceError(.noPolicy, "\(claim.year)年度未设置\(claim.line.chineseName)的赔付规则")
            }
            let used = try await HouseholdUsage.lock(year: claim.year, household: claim.householdId, line: claim.line, on: connection, logger: logger)
            let steps = rule.payout(lossFen: claim.lossFen, otherPaymentsFen: claim.otherPaymentsFen, category: claim.category, usedThisYearFen: used)
            let payout = steps.last?.amountFen ?? 0
            let entry = FundLedger.Entry(
                year: claim.year, claimId: id, householdId: claim.householdId, townCode: claim.townCode, line: claim.line, by: user.id)
            if payout == 0 {
                let capReached = used >= rule.yearCapFen
                return try await reject(
                    claim, because: capReached ? .yearCapReached : .nothingPayable,
                    reason: capReached
                        ? "本户\(claim.line.chineseName)本年度赔付已达限额 \(Money.yuan(rule.yearCapFen)) 元"
                        : "按赔付规则计算无可赔付金额（扣除其他已支付金额和免赔额后为零）",
                    steps: steps, by: user, on: connection)
            }
            guard try await ledger.reserve(payout, for: entry, yearCapFen: rule.yearCapFen, on: connection) else {
                let remaining = try await FundLedger.remaining(year: claim.year, on: connection, logger: logger)
                return try await reject(
                    claim, because: .fundInsufficient,
                    reason: "防返贫综合保险资金余额不足：应赔付 \(Money.yuan(payout)) 元，可用余额 \(Money.yuan(remaining)) 元，不作部分赔付",
                    steps: steps, by: user, on: connection)
            }
            let breakdown = String(decoding: try JSONEncoder.sorted.encode(steps), as: UTF8.self)
            try await connection.query("""
                UPDATE claims SET status = 'approved', payout_fen = \(payout), reserved_fen = \(payout), breakdown = \(breakdown)::jsonb,
                                  decided_by = \(user.id), decided_at = now()
                WHERE id = \(id)
                """, logger: logger)
            try await publisher.publish(ClaimApproved(
                claimId: id, householdId: claim.householdId, villageCode: claim.villageCode, line: claim.line, payoutFen: payout, breakdown: steps,
                approvedAt: Date()), on: connection)
            try await audit.record("claim.approve", by: .init(user), subject: id, householdId: claim.householdId,
                                   detail: ["payoutFen": String(payout)], on: connection)
            return try await ClaimView.one(id, on: connection, logger: logger)
        }
    }

    private func settle(_ id: String, reference: String, by user: AuthenticatedUser) async throws -> ClaimView {
        try await database.transaction { connection in
            let claim = try await lockedClaim(id, on: connection)
            switch claim.status {
            case "paid" where claim.paymentReference == reference: return try await ClaimView.one(id, on: connection, logger: logger)
            case "paid": throw InsuranceError(.wrongStatus, "该申请已支付（支付凭证号不同）")
            case "approved": break
            default: throw InsuranceError(.wrongStatus, claim.status == "filed" ? "该申请尚未核准，不能支付" : "该申请已拒赔，不能支付")
            }
            let used = try await connection.query(
                "SELECT id FROM claims WHERE payment_reference = \(reference) AND id <> \(id) LIMIT 1", logger: logger)
            for try await other in used.decode(String.self) {
                throw InsuranceError(.wrongStatus, "支付凭证号已用于理赔申请 \(other)", field: "paymentReference")
            }
            let entry = FundLedger.Entry(
                year: claim.year, claimId: id, householdId: claim.householdId, townCode: claim.townCode, line: claim.line, by: user.id)
            try await ledger.pay(claim.reservedFen, for: entry, on: connection)
            do {
                try await connection.query("""
                    UPDATE claims SET status = 'paid', reserved_fen = 0, payment_reference = \(reference), paid_by = \(user.id), paid_at = now()
                    WHERE id = \(id)
                    """, logger: logger)
            } catch where DatabaseFailure.sqlState(of: error) == "23505" {
                // Another claim paid with the same reference at the same moment (the check above saw neither).
                throw InsuranceError(.wrongStatus, "支付凭证号已用于其他理赔申请", field: "paymentReference")
            }
            try await publisher.publish(ClaimPaid(
                claimId: id, householdId: claim.householdId, villageCode: claim.villageCode, line: claim.line, paidFen: claim.reservedFen,
                paymentReference: reference, paidAt: Date()), on: connection)
            try await audit.record("claim.pay", by: .init(user), subject: id, householdId: claim.householdId,
                                   detail: ["paidFen": String(claim.reservedFen), "paymentReference": reference], on: connection)
            return try await ClaimView.one(id, on: connection, logger: logger)
        }
    }

    private func decline(_ id: String, reason: String, by user: AuthenticatedUser) async throws -> ClaimView {
        try await database.transaction { connection in
            let claim = try await lockedClaim(id, on: connection)
            switch claim.status {
            case "rejected": throw InsuranceError(.wrongStatus, "该申请已拒赔")
            case "paid": throw InsuranceError(.wrongStatus, "该申请已支付，不能拒赔")
            default: break
            }
            return try await reject(claim, because: .insurerDecision, reason: reason, steps: nil, by: user, on: connection)
        }
    }

    private func reject(
        _ claim: ClaimRecord, because code: RejectionReason, reason: String, steps: [PayoutStep]?, by user: AuthenticatedUser,
        on connection: PostgresConnection
    ) async throws -> ClaimView {
        let released = claim.status == "approved" ? claim.reservedFen : 0
        if released > 0 {
            let entry = FundLedger.Entry(
                year: claim.year, claimId: claim.id, householdId: claim.householdId, townCode: claim.townCode, line: claim.line, by: user.id)
            try await ledger.release(released, for: entry, on: connection)
        }
        let breakdown = try steps.map { String(decoding: try JSONEncoder.sorted.encode($0), as: UTF8.self) }
        try await connection.query("""
            UPDATE claims SET status = 'rejected', reserved_fen = 0, reason_code = \(code.rawValue), reason = \(reason),
                              breakdown = coalesce(\(breakdown)::jsonb, breakdown), decided_by = \(user.id), decided_at = now()
            WHERE id = \(claim.id)
            """, logger: logger)
        try await publisher.publish(ClaimRejected(
            claimId: claim.id, householdId: claim.householdId, villageCode: claim.villageCode, line: claim.line, reasonCode: code.rawValue,
            reason: reason, releasedFen: released, rejectedAt: Date()), on: connection)
        try await audit.record("claim.reject", by: .init(user), subject: claim.id, householdId: claim.householdId,
                               detail: ["reasonCode": code.rawValue, "reason": reason, "releasedFen": String(released)], on: connection)
        return try await ClaimView.one(claim.id, on: connection, logger: logger)
    }

    private func lockedClaim(_ id: String, on connection: PostgresConnection) async throws -> ClaimRecord {
        guard let claim = try await ClaimRecord.load(id, lock: true, on: connection, logger: logger) else {
            throw InsuranceError(.notFound, "未找到该理赔申请")
        }
        return claim
    }
}
