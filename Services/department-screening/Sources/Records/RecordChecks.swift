import Foundation
import LifelineEvents

/// The checks of one department record, the same for the topic and the file: each problem names the
/// field and the reason, never the value (an ID number must not travel back in feedback or logs).
enum RecordChecks {
    static let departments: Set<String> = ["卫健", "医保", "民政", "水务", "住建", "残联", "教体", "人社", "公安", "市场监管", "不动产", "财政"]

    struct Problem: Sendable, Hashable {
        var field: String
        var message: String

        var text: String { "\(field)：\(message)" }
    }

    static func problems(_ record: DepartmentRecordPushed, today: Date = Date()) -> [Problem] {
        var found: [Problem] = []
        if !departments.contains(record.department) { found.append(.init(field: "department", message: "未知的部门")) }
        if record.recordId.isEmpty || record.recordId.count > 64 || record.recordId.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            found.append(.init(field: "recordId", message: "应为1至64个字符，不含控制字符"))
        }
        if !isPeriod(record.period) { found.append(.init(field: "period", message: "应为年月（YYYY-MM）")) }
        if case .failure = CitizenIdNumber.parse(record.idNumber, today: today) {
            found.append(.init(field: "idNumber", message: "不是有效的公民身份号码"))
        }
        let name = record.name.trimmingWhitespace()
        if name.isEmpty || name.count > 30 { found.append(.init(field: "name", message: "应为1至30个字")) }
        if hasControlCharacters(record.name) { found.append(.init(field: "name", message: "不能含控制字符")) }
        if !record.kind.isKnown {
            found.append(.init(field: "kind", message: "未知的事实类型"))
        } else if departments.contains(record.department), !record.kind.departments.contains(record.department) {
            found.append(.init(field: "kind", message: "\(record.department)不报送「\(record.kind.chineseName)」"))
        }
        if !isDate(record.date) { found.append(.init(field: "date", message: "应为日期（YYYY-MM-DD）")) }
        if let amount = record.amountFen, !(0...10_000_000_000).contains(amount) { found.append(.init(field: "amountFen", message: "应为0至1亿元之间的金额（分）")) }
        if record.kind == .medicalExpense, record.amountFen == nil { found.append(.init(field: "amountFen", message: "医疗费用须填写金额（分）")) }
        if record.kind == .householdIncome, record.amountFen == nil { found.append(.init(field: "amountFen", message: "家庭收入须填写全年金额（分）")) }
        if let details = record.details, details.count > 20 || details.contains(where: { $0.key.count > 40 || $0.value.count > 200 }) {
            found.append(.init(field: "details", message: "最多20项，每项不超过200字"))
        }
        if let details = record.details, details.contains(where: { hasControlCharacters($0.key) || hasControlCharacters($0.value) }) {
            found.append(.init(field: "details", message: "名称和值不能含控制字符"))
        }
        return found
    }

    /// Whether `text` holds a control character (U+0000–U+001F, U+007F–U+009F).
    static func hasControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// The record as PostgreSQL can store it whatever it holds: text and jsonb refuse U+0000, so a record
    /// rejected for one (or for anything else) is stored and answered without those characters rather than
    /// failing its batch (a pushed record would be dead-lettered without feedback, a file's import would
    /// stop at that batch every time).
    static func storable(_ record: DepartmentRecordPushed) -> DepartmentRecordPushed {
        func clean(_ text: String) -> String { text.utf8.contains(0) ? text.replacingOccurrences(of: "\u{0}", with: "") : text }
        var record = record
        record.department = clean(record.department)
        record.recordId = clean(record.recordId)
        record.period = clean(record.period)
        record.idNumber = clean(record.idNumber)
        record.name = clean(record.name)
        record.date = clean(record.date)
        if record.kind.rawValue.utf8.contains(0) { record.kind = FactKind(uncheckedRawValue: clean(record.kind.rawValue)) }
        if let details = record.details, details.contains(where: { $0.key.utf8.contains(0) || $0.value.utf8.contains(0) }) {
            record.details = Dictionary(details.map { (clean($0.key), clean($0.value)) }, uniquingKeysWith: { first, _ in first })
        }
        return record
    }

    /// Exactly `YYYY-MM` of 2000–2100: a month has one spelling, since warnings are keyed by it.
    static func isPeriod(_ text: String) -> Bool {
        guard let (year, _) = CivilDay.parseMonth(text) else { return false }
        return (2000...2100).contains(year)
    }

    /// Exactly `YYYY-MM-DD` of 2000–2100 that exists: a fact's date is part of its key (the same fact
    /// is not warned twice), so one date must have one spelling.
    static func isDate(_ text: String) -> Bool {
        guard let (year, _, _) = CivilDay.parse(text) else { return false }
        return (2000...2100).contains(year)
    }
}
