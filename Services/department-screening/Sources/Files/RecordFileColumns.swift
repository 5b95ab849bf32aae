import Foundation
import LifelineEvents
import LifelineFiles

/// The monthly file's columns (docs/department-screening.md): the same fields as the pushed record,
/// under their Chinese headers (or the English field names). A row becomes a `DepartmentRecordPushed`,
/// or problems naming the line and the field.
enum RecordFileColumn: String, CaseIterable, Sendable {
    case department, recordId, period, idNumber, name, kind, date, amountFen, amountYuan, details

    /// Headers accepted for the column, the first being the one files should use.
    var headers: [String] {
        switch self {
        case .department: ["部门", "department"]
        case .recordId: ["记录编号", "recordId"]
        case .period: ["数据月份", "period"]
        case .idNumber: ["公民身份号码", "身份证号", "idNumber"]
        case .name: ["姓名", "name"]
        case .kind: ["事实类型", "kind"]
        case .date: ["发生日期", "date"]
        case .amountFen: ["金额（分）", "amountFen"]
        case .amountYuan: ["金额（元）", "amountYuan"]
        case .details: ["详情", "details"]
        }
    }

    static let required: [RecordFileColumn] = [.department, .recordId, .period, .idNumber, .name, .kind, .date]

    /// The header a file should start with.
    static var canonicalHeader: [String] {
        ([.department, .recordId, .period, .idNumber, .name, .kind, .date, .amountFen, .details] as [RecordFileColumn]).map { $0.headers[0] }
    }
}

/// Where each column is in a file.
struct RecordColumnMap: Sendable {
    var index: [RecordFileColumn: Int]

    /// The map of a header row, or the required columns it lacks.
    static func make(header: [String]) -> Result<RecordColumnMap, MissingColumns> {
        var index: [RecordFileColumn: Int] = [:]
        for (position, text) in header.enumerated() {
            let name = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "(", with: "（").replacingOccurrences(of: ")", with: "）")
            if let column = RecordFileColumn.allCases.first(where: { $0.headers.contains(name) }), index[column] == nil { index[column] = position }
        }
        let missing = RecordFileColumn.required.filter { index[$0] == nil }
        return missing.isEmpty ? .success(RecordColumnMap(index: index)) : .failure(MissingColumns(columns: missing.map { $0.headers[0] }))
    }

    struct MissingColumns: Error, Sendable {
        var columns: [String]
    }

    func text(_ row: TabularRow, _ column: RecordFileColumn) -> String {
        index[column].map { row[$0].trimmingWhitespace() } ?? ""
    }

    /// The row as a record, or what is wrong with its cells (the record's own checks come later).
    func record(_ row: TabularRow) -> Result<DepartmentRecordPushed, RowIssues> {
        var issues: [RowIssue] = []
        let kindText = text(row, .kind)
        let kind = FactKind(rawValue: kindText) ?? FactKind.knownValues.first { $0.chineseName == kindText }
        if kind == nil { issues.append(.init(line: row.line, field: "事实类型", message: "未知的事实类型")) }
        var amount: Int64?
        let fen = text(row, .amountFen), yuan = text(row, .amountYuan)
        if !fen.isEmpty {
            if let value = Int64(fen) { amount = value } else { issues.append(.init(line: row.line, field: "金额（分）", message: "应为整数（分）")) }
        } else if !yuan.isEmpty {
            if let value = Self.fen(fromYuan: yuan) {
                amount = value
            } else {
                issues.append(.init(line: row.line, field: "金额（元）", message: "应为金额（元），最多两位小数"))
            }
        }
        var details: [String: String] = [:]
        for pair in text(row, .details).split(whereSeparator: { $0 == ";" || $0 == "；" }) {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
            if parts.count == 2, !parts[0].isEmpty { details[parts[0]] = parts[1] } else {
                issues.append(.init(line: row.line, field: "详情", message: "应为「名称=值」，以分号分隔"))
            }
        }
        guard issues.isEmpty, let kind else { return .failure(RowIssues(issues: issues)) }
        return .success(DepartmentRecordPushed(
            department: text(row, .department), recordId: text(row, .recordId), period: Self.period(text(row, .period)),
            idNumber: text(row, .idNumber), name: text(row, .name), kind: kind, date: Self.day(text(row, .date)), amountFen: amount,
            details: details.isEmpty ? nil : details))
    }

    /// `1234`, `1234.5`, `1234.56` yuan → fen; anything else (signs, letters, a third decimal, a
    /// thousands separator) is nil rather than read loosely.
    static func fen(fromYuan text: String) -> Int64? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.count <= 12, whole.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let cents = parts.count == 2 ? parts[1] : ""
        guard cents.count <= 2, cents.allSatisfy({ $0.isASCII && $0.isNumber }), parts.count == 1 || !cents.isEmpty else { return nil }
        return Int64(whole)! * 100 + (Int64(cents.padding(toLength: 2, withPad: "0", startingAt: 0)) ?? 0)
    }

    /// `2026-11`, `2026/11`, `202611` → `2026-11`.
    static func period(_ text: String) -> String {
        let digits = text.filter(\.isNumber)
        guard digits.count == 6 || (digits.count == 5 && text.contains(where: { $0 == "-" || $0 == "/" })) else { return text }
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == "/" })
        if parts.count == 2, let year = Int(parts[0]), let month = Int(parts[1]) { return CivilDay.text(year: year, month: month) }
        return String(digits.prefix(4)) + "-" + String(digits.suffix(2))
    }

    /// `2026-11-03`, `2026/11/3`, or an Excel date serial → `2026-11-03`.
    static func day(_ text: String) -> String {
        if let serial = Int(text), (20_000...80_000).contains(serial) {
            let (year, month, day) = CivilDay.civil(fromDaysSinceEpoch: serial - 25_569)
            return CivilDay.text(year: year, month: month, day: day)
        }
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == "/" || $0 == "." })
        if parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) {
            return CivilDay.text(year: year, month: month, day: day)
        }
        return text
    }
}

/// The problems of one row.
struct RowIssues: Error, Sendable {
    var issues: [RowIssue]
}

/// A problem of one row of a file: its line, the column and why.
struct RowIssue: Codable, Sendable, Hashable {
    var line: Int
    var field: String
    var message: String
}
