import Foundation
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging

/// Filing and reading claims. A filing is answered once: the same `Idempotency-Key` from the same
/// town gets the first claim again, and the same loss (household, line, kind of loss, incident date
/// and amount) filed again while the first is not rejected finds the first one.
struct ClaimStore: Sendable {
    let database: Database
    let publisher: EventPublisher
    let audit: InsuranceAudit
    let accounts: BankAccountSealing
    let logger: Logger

    /// Whether `user` may see a claim, or the coverage, of a household in `village`: the insurer everywhere
    /// (it serves the district's one fund), an official only within their region, so a district token
    /// of another district does not reach this one's households (as the lists already refuse it).
    static func sees(_ user: AuthenticatedUser, village: String) -> Bool {
        user.role == .insurer || user.covers(region: village)
    }

    func file(_ request: ClaimRequest, idempotencyKey: String, by user: AuthenticatedUser) async throws -> ClaimView {
        try await audit.refusals("claim.file", by: .init(user), householdId: request.householdId, database: database) {
            try await record(request, idempotencyKey: idempotencyKey, by: user)
        }
    }

    private func record(_ request: ClaimRequest, idempotencyKey: String, by user: AuthenticatedUser) async throws -> ClaimView {
        let fingerprint = try fingerprint(of: request)
        return try await database.transaction { connection in
            try await connection.query(
                "SELECT pg_advisory_xact_lock(hashtext(\("insurance.claim-key:" + user.region + ":" + idempotencyKey)))", logger: logger)
            let earlier = try await connection.query("""
                SELECT id, request_hash FROM claims WHERE filed_region = \(user.region) AND idempotency_key = \(idempotencyKey)
                """, logger: logger)
            for try await (id, hash) in earlier.decode((String, String).self) {
                guard hash == fingerprint else {
                    throw InsuranceError(.idempotencyKeyReused, "该 Idempotency-Key 已用于另一份理赔申请", field: "Idempotency-Key")
                }
                var view = try await ClaimView.one(id, on: connection, logger: logger)
                view.duplicate = true
                return view
            }
            let household = try await CoveredHousehold.find(request.householdId, for: user, on: connection, logger: logger)
            if let merged = household.supersededBy {
                throw InsuranceError(.householdMerged, "该户已并入 \(merged)，请为合并后的户申请", field: "householdId")
            }
            let line = InsuranceLine(uncheckedRawValue: request.line)
            guard let rule = try await PolicyStore.policy(request.year, on: connection, logger: logger)?.rule(line) else {
                throw InsuranceError(.noPolicy, "\(request.year)年度未设置\(line.chineseName)的赔付规则", field: "incidentDate")
            }
            guard rule.lossKinds.contains(where: { $0.code == request.lossKind }) else {
                let kinds = rule.lossKinds.map { "\($0.code)（\($0.name)）" }.joined(separator: "、")
                throw InsuranceError(.validationFailed, "\(line.chineseName)保障的损失为：\(kinds)", field: "lossKind")
            }
            guard let coverage = try await household.coverage(on: request.incidentDate, connection: connection, logger: logger) else {
                throw InsuranceError(
                    .notCovered, "出险时该户既不是监测对象，也没有镇街的困难认定，不在防返贫综合保险保障范围内", field: "householdId")
            }
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\("insurance.claim-household:" + household.householdId)))", logger: logger)
            let same = try await connection.query("""
                SELECT id FROM claims
                WHERE household_id = \(household.householdId) AND line = \(line.rawValue) AND loss_kind = \(request.lossKind)
                  AND incident_date = \(request.incidentDate)::date AND loss_fen = \(request.lossFen) AND status <> 'rejected'
                ORDER BY filed_at LIMIT 1
                """, logger: logger)
            for try await id in same.decode(String.self) {
                var view = try await ClaimView.one(id, on: connection, logger: logger)
                view.duplicate = true
                return view
            }
            let id = try await InsuranceNumbers.next("LP", sequence: "claim_number_seq", on: connection, logger: logger)
            let account = BankAccountSealing.normalized(request.payee.accountNumber)
            let sealed = try accounts.seal(account)
            let otherPayments = String(decoding: try JSONEncoder.sorted.encode(request.otherPayments), as: UTF8.self)
            let documents = String(decoding: try JSONEncoder.sorted.encode(request.documents), as: UTF8.self)
            try await connection.query("""
                INSERT INTO claims (id, household_id, village_code, year, line, loss_kind, incident_date, loss_fen, other_payments, other_payments_fen,
                                    description, documents, payee_name, bank_name, account_sealed, account_last4, coverage, category, status,
                                    filed_by, filed_region, idempotency_key, request_hash)
                VALUES (\(id), \(household.householdId), \(household.villageCode), \(request.year), \(line.rawValue), \(request.lossKind),
                        \(request.incidentDate)::date, \(request.lossFen), \(otherPayments)::jsonb, \(request.otherPaymentsFen), \(request.description),
                        \(documents)::jsonb, \(request.payee.name), \(request.payee.bankName), \(sealed), \(String(account.suffix(4))),
                        \(coverage.basis.rawValue), \(coverage.category), 'filed', \(user.id), \(user.region), \(idempotencyKey), \(fingerprint))
                """, logger: logger)
            try await publisher.publish(ClaimFiled(
                claimId: id, householdId: household.householdId, villageCode: household.villageCode, line: line, lossKind: request.lossKind,
                incidentDate: request.incidentDate, lossFen: request.lossFen, otherPaymentsFen: request.otherPaymentsFen,
                coverage: coverage.basis.rawValue, filedAt: Date()), on: connection)
            try await audit.record("claim.file", by: .init(user), subject: id, householdId: household.householdId,
                                   detail: ["line": line.rawValue, "lossFen": String(request.lossFen), "coverage": coverage.basis.rawValue], on: connection)
            var view = try await ClaimView.one(id, on: connection, logger: logger)
            let used = try await HouseholdUsage.committed(year: request.year, household: household.householdId, line: line, on: connection, logger: logger)
            view.estimate = rule.payout(
                lossFen: request.lossFen, otherPaymentsFen: request.otherPaymentsFen, category: coverage.category, usedThisYearFen: used)
            view.duplicate = false
            return view
        }
    }

    /// One claim, if the caller's jurisdiction includes its household.
    func claim(_ id: String, for user: AuthenticatedUser) async throws -> ClaimView {
        try await database.transaction { connection in
            var view = try await ClaimView.one(id, on: connection, logger: logger)
            guard Self.sees(user, village: view.villageCode) else {
                throw InsuranceError(.notFound, "未找到该理赔申请")
            }
            if view.status == "filed" { view.estimate = try await estimate(view, on: connection) }
            return view
        }
    }

    /// Claims in the region (a division prefix, empty for all), newest first, optionally of one status or household.
    func claims(regionPrefix: String, status: String?, householdId: String?, limit: Int) async throws -> [ClaimView] {
        try await database.transaction { connection in
            var binds = PostgresBindings()
            binds.append(regionPrefix + "%")
            var condition = "village_code LIKE $1"
            if let status {
                binds.append(status)
                condition += " AND status = $\(binds.count)"
            }
            if let householdId {
                binds.append(householdId)
                condition += " AND household_id = $\(binds.count)"
            }
            return try await ClaimView.list(where: condition + " ORDER BY filed_at DESC, id DESC LIMIT \(limit)", binds: binds, on: connection, logger: logger)
        }
    }

    /// What the current rule would pay for a filed claim today, given what the household has committed.
    private func estimate(_ view: ClaimView, on connection: PostgresConnection) async throws -> [PayoutStep]? {
        let line = InsuranceLine(uncheckedRawValue: view.line)
        guard let rule = try await PolicyStore.policy(view.year, on: connection, logger: logger)?.rule(line) else { return nil }
        let used = try await HouseholdUsage.committed(year: view.year, household: view.householdId, line: line, on: connection, logger: logger)
        return rule.payout(lossFen: view.lossFen, otherPaymentsFen: view.otherPaymentsFen, category: view.category, usedThisYearFen: used)
    }

    /// A keyed digest of the request (never the request itself, which holds the account number).
    private func fingerprint(of request: ClaimRequest) throws -> String {
        var normalized = request
        normalized.payee.accountNumber = BankAccountSealing.normalized(request.payee.accountNumber)
        return accounts.fingerprint(try JSONEncoder.sorted.encode(normalized))
    }
}
