import Foundation
import LifelineEvents
import LifelinePersistence
import Logging

/// A claim as answered over HTTP: the account number masked, the payout's breakdown once approved
/// (and, while it waits for the insurer, an estimate by the current rule).
struct ClaimView: Encodable, Sendable {
    struct PayeeView: Encodable, Sendable {
        var name: String
        var bankName: String
        var accountMasked: String
    }

    var claimId: String
    var householdId: String
    var villageCode: String
    var townCode: String
    var year: Int
    var line: String
    var lineName: String
    var lossKind: String
    var incidentDate: String
    var lossFen: Int64
    var otherPayments: [ClaimRequest.OtherPayment]
    var otherPaymentsFen: Int64
    var description: String
    var documents: [String]
    var payee: PayeeView
    /// `monitored`, `registry` or `certified`.
    var coverage: String
    var category: String
    /// `filed` (待审核), `approved` (已核准), `paid` (已支付), `rejected` (已拒赔).
    var status: String
    var statusName: String
    var payoutFen: Int64?
    var breakdown: [PayoutStep]?
    /// While filed: what the current rule would pay today (the insurer's approval decides).
    var estimate: [PayoutStep]?
    var paymentReference: String?
    var reasonCode: String?
    var reason: String?
    var filedBy: String
    var filedAt: Date
    var decidedBy: String?
    var decidedAt: Date?
    var paidAt: Date?
    /// In the answer to a filing: whether it found a claim filed before (same key, or the same loss).
    var duplicate: Bool?

    static let statusNames = ["filed": "待审核", "approved": "已核准", "paid": "已支付", "rejected": "已拒赔"]
}

/// A claim row as the decisions need it.
struct ClaimRecord: Sendable {
    var id: String
    var householdId: String
    var villageCode: String
    var year: Int
    var line: InsuranceLine
    var lossFen: Int64
    var otherPaymentsFen: Int64
    var category: String
    var status: String
    var reservedFen: Int64
    var payoutFen: Int64?
    var paymentReference: String?

    var townCode: String { String(villageCode.prefix(9)) }

    /// Reads the claim, locked for this transaction when `lock`.
    static func load(_ id: String, lock: Bool, on connection: PostgresConnection, logger: Logger) async throws -> ClaimRecord? {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT id, household_id, village_code, year, line, loss_fen, other_payments_fen, category, status, reserved_fen, payout_fen, payment_reference
            FROM claims WHERE id = $1\(lock ? " FOR UPDATE" : "")
            """, binds: { var binds = PostgresBindings(); binds.append(id); return binds }()), logger: logger)
        for try await row in rows.decode((String, String, String, Int, String, Int64, Int64, String, String, Int64, Int64?, String?).self) {
            return ClaimRecord(
                id: row.0, householdId: row.1, villageCode: row.2, year: row.3, line: InsuranceLine(uncheckedRawValue: row.4), lossFen: row.5,
                otherPaymentsFen: row.6, category: row.7, status: row.8, reservedFen: row.9, payoutFen: row.10, paymentReference: row.11)
        }
        return nil
    }
}

extension ClaimView {
    static let columns = """
        id, household_id, village_code, year, line, loss_kind, to_char(incident_date, 'YYYY-MM-DD'), loss_fen, other_payments::text,
        other_payments_fen, description, documents::text, payee_name, bank_name, account_last4, coverage, category, status, payout_fen,
        breakdown::text, payment_reference, reason_code, reason, filed_by, filed_at, decided_by, decided_at, paid_at
        """

    /// Reads claims chosen by `condition` (SQL after WHERE, with its binds).
    static func list(where condition: String, binds: PostgresBindings, on connection: PostgresConnection, logger: Logger) async throws -> [ClaimView] {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT \(columns) FROM claims WHERE \(condition)", binds: binds), logger: logger)
        let decoder = JSONDecoder()
        var list: [ClaimView] = []
        for try await row in rows {
            let c = try row.decode((String, String, String, Int, String, String, String, Int64, String, Int64, String, String, String, String).self)
            let tail = row.makeRandomAccess()
            let d = (
                try tail[14].decode(String.self), try tail[15].decode(String.self), try tail[16].decode(String.self), try tail[17].decode(String.self),
                try tail[18].decode(Int64?.self), try tail[19].decode(String?.self), try tail[20].decode(String?.self), try tail[21].decode(String?.self),
                try tail[22].decode(String?.self), try tail[23].decode(String.self), try tail[24].decode(Date.self), try tail[25].decode(String?.self),
                try tail[26].decode(Date?.self), try tail[27].decode(Date?.self))
            let line = InsuranceLine(uncheckedRawValue: c.4)
            list.append(ClaimView(
                claimId: c.0, householdId: c.1, villageCode: c.2, townCode: String(c.2.prefix(9)), year: c.3, line: c.4, lineName: line.chineseName,
                lossKind: c.5, incidentDate: c.6, lossFen: c.7,
                otherPayments: try decoder.decode([ClaimRequest.OtherPayment].self, from: Data(c.8.utf8)), otherPaymentsFen: c.9, description: c.10,
                documents: try decoder.decode([String].self, from: Data(c.11.utf8)),
                payee: PayeeView(name: c.12, bankName: c.13, accountMasked: BankAccountSealing.masked(last4: d.0)),
                coverage: d.1, category: d.2, status: d.3, statusName: statusNames[d.3] ?? d.3, payoutFen: d.4,
                breakdown: try d.5.map { try decoder.decode([PayoutStep].self, from: Data($0.utf8)) }, estimate: nil, paymentReference: d.6,
                reasonCode: d.7, reason: d.8, filedBy: d.9, filedAt: d.10, decidedBy: d.11, decidedAt: d.12, paidAt: d.13, duplicate: nil))
        }
        return list
    }

    static func one(_ id: String, on connection: PostgresConnection, logger: Logger) async throws -> ClaimView {
        var binds = PostgresBindings()
        binds.append(id)
        guard let view = try await list(where: "id = $1", binds: binds, on: connection, logger: logger).first else {
            throw InsuranceError(.notFound, "未找到该理赔申请")
        }
        return view
    }
}
