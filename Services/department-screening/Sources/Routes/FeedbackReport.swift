import Foundation
import Hummingbird
import LifelineAuth
import LifelineEvents
import LifelineFiles
import LifelinePersistence
import LifelineRuntime

/// The monthly feedback report per department (月度反馈报告): every record of the month with what
/// became of it, the same content as `department-screening.feedback`, as CSV (UTF-8 with BOM) or XLSX.
/// `GET /v1/feedback-report?department=&period=YYYY-MM&format=csv|xlsx`; a clerk gets their own
/// department's, the district any. No ID numbers or names: the department knows its records by id.
struct FeedbackReport: Sendable {
    let database: Database

    static let header = ["部门", "记录编号", "数据月份", "事实类型", "处理结果", "原因", "预警编号", "核实与认定结果"]

    func add(to group: RouterGroup<LifelineRequestContext>) {
        group.get("feedback-report") { request, context -> Response in
            let user = try context.requireUser()
            try user.require([.department, .district])
            let clerks = try RecordImportRoutes.clerksDepartment(user)
            let department = request.uri.queryParameters.get("department").map { String($0) } ?? clerks ?? ""
            let period = request.uri.queryParameters.get("period").map { String($0) } ?? ""
            let format = request.uri.queryParameters.get("format").map { String($0) } ?? "csv"
            var problems: [APIError.FieldProblem] = []
            if !RecordChecks.departments.contains(department) { problems.append(.init(field: "department", message: "未知的部门")) }
            if !RecordChecks.isPeriod(period) { problems.append(.init(field: "period", message: "应为年月（YYYY-MM）")) }
            if !["csv", "xlsx"].contains(format) { problems.append(.init(field: "format", message: "应为 csv 或 xlsx")) }
            if !problems.isEmpty { throw APIError.validation(problems) }
            guard clerks == nil || clerks == department else { throw APIError(status: .forbidden, code: "forbidden", message: "another department's report") }
            let rows = try await lines(department: department, period: period)
            let name = "feedback-\(period)"
            if format == "xlsx" {
                let url = FileManager.default.temporaryDirectory.appendingPathComponent("feedback-\(UUID().uuidString).xlsx")
                defer { try? FileManager.default.removeItem(at: url) }
                try XLSXWriter.write(rows: ([Self.header] + rows).map { $0.map(XLSXWriter.Cell.text) }, to: url)
                return DownloadResponse.make(try Data(contentsOf: url), contentType: DownloadResponse.xlsx, fileName: name + ".xlsx")
            }
            let text = CSVWriter.byteOrderMark + CSVWriter.line(Self.header) + rows.map(CSVWriter.line).joined()
            return DownloadResponse.make(Data(text.utf8), contentType: DownloadResponse.csv, fileName: name + ".csv")
        }
    }

    private func lines(department: String, period: String) async throws -> [[String]] {
        let rows = try await database.query("""
            SELECT r.department, r.record_id, r.period, r.kind, r.status, coalesce(r.reason, ''), coalesce(r.warning_id, ''), w.outcome
            FROM department_records r LEFT JOIN warnings w ON w.id = r.warning_id
            WHERE r.department = \(department) AND r.period = \(period) ORDER BY r.record_id
            """)
        var lines: [[String]] = []
        for try await c in rows.decode((String, String, String, String, String, String, String, String?).self) {
            let outcome: RecordFeedback.Outcome =
                switch c.4 {
                case "rejected": .rejected
                case "unmatched": .unmatched
                case "warned": .warningRaised
                default: .matchedWithoutWarning
                }
            lines.append([
                c.0, c.1, c.2, FactKind(uncheckedRawValue: c.3).chineseName, outcome.chineseName, c.5, c.6,
                c.7.map { RecordFeedback.Outcome(uncheckedRawValue: $0).chineseName } ?? "",
            ])
        }
        return lines
    }
}
