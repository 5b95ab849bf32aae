import Foundation
import LifelineEvents
import LifelineFiles
import LifelinePersistence
import Logging

/// Use of a year's fund (资金使用情况) per line, per town or per month, derived from the ledger, with
/// the balance row beside it: `ledgerConsistent` says the two agree.
struct FundReport: Encodable, Sendable {
    enum Grouping: String, Sendable, CaseIterable {
        case line, town, month
    }

    struct Row: Encodable, Sendable {
        var key: String
        var name: String
        var claims: Int
        var reservedFen: Int64
        var paidFen: Int64
        var committedFen: Int64
    }

    var year: Int
    var by: String
    var fundFen: Int64
    var reservedFen: Int64
    var paidFen: Int64
    var remainingFen: Int64
    var ledgerConsistent: Bool
    var rows: [Row]

    static let header = ["分组", "名称", "涉及理赔件数", "已预留（元）", "已支付（元）", "合计使用（元）"]

    func csv() -> Data {
        var text = CSVWriter.byteOrderMark + CSVWriter.line(Self.header)
        for row in rows { text += CSVWriter.line(cells(row)) }
        text += CSVWriter.line(totalCells)
        return Data(text.utf8)
    }

    func xlsx() throws -> Data {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fund-\(UUID().uuidString).xlsx")
        defer { try? FileManager.default.removeItem(at: url) }
        let cells = [Self.header.map(XLSXWriter.Cell.text)] + (rows.map(cells) + [totalCells]).map { $0.map(XLSXWriter.Cell.text) }
        try XLSXWriter.write(rows: cells, to: url)
        return try Data(contentsOf: url)
    }

    private func cells(_ row: Row) -> [String] {
        [row.key, row.name, String(row.claims), Money.yuan(row.reservedFen), Money.yuan(row.paidFen), Money.yuan(row.committedFen)]
    }

    private var totalCells: [String] {
        ["合计", "资金 \(Money.yuan(fundFen)) 元，余额 \(Money.yuan(remainingFen)) 元", String(rows.reduce(0) { $0 + $1.claims }),
         Money.yuan(reservedFen), Money.yuan(paidFen), Money.yuan(reservedFen + paidFen)]
    }
}

extension PolicyStore {
    func report(year: Int, by grouping: FundReport.Grouping) async throws -> FundReport {
        try await database.transaction { connection in
            guard let view = try await Self.view(year, on: connection, logger: logger) else {
                throw InsuranceError(.notFound, "\(year)年度的保险方案尚未设置", field: "year")
            }
            let key =
                switch grouping {
                case .line: "e.line"
                case .town: "e.town_code"
                case .month: "to_char(e.at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"
                }
            let rows = try await connection.query(PostgresQuery(unsafeSQL: """
                SELECT \(key), coalesce(min(g.name), ''), count(DISTINCT e.claim_id)::int,
                       coalesce(sum(CASE e.kind WHEN 'reservation' THEN e.amount_fen WHEN 'release' THEN -e.amount_fen ELSE 0 END), 0)::bigint,
                       coalesce(sum(CASE e.kind WHEN 'payout' THEN e.amount_fen ELSE 0 END), 0)::bigint
                FROM ledger_entries e LEFT JOIN grid_units g ON g.code = e.town_code
                WHERE e.year = $1 GROUP BY 1 ORDER BY 1
                """, binds: { var binds = PostgresBindings(); binds.append(year); return binds }()), logger: logger)
            var list: [FundReport.Row] = []
            for try await (group, townName, claims, reserved, paid) in rows.decode((String, String, Int, Int64, Int64).self) {
                let name =
                    switch grouping {
                    case .line: InsuranceLine(uncheckedRawValue: group).chineseName
                    case .town: townName.isEmpty ? group : townName
                    case .month: group
                    }
                list.append(.init(key: group, name: name, claims: claims, reservedFen: reserved, paidFen: paid, committedFen: reserved + paid))
            }
            let derivedReserved = list.reduce(0) { $0 + $1.reservedFen }
            let derivedPaid = list.reduce(0) { $0 + $1.paidFen }
            return FundReport(
                year: year, by: grouping.rawValue, fundFen: view.fundFen, reservedFen: view.reservedFen, paidFen: view.paidFen,
                remainingFen: view.remainingFen, ledgerConsistent: derivedReserved == view.reservedFen && derivedPaid == view.paidFen, rows: list)
        }
    }
}
