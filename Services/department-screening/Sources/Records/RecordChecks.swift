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
        return found
    }

    static func isPeriod(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard text.count == 7, parts.count == 2, let year = Int(parts[0]), let month = Int(parts[1]) else { return false }
        return (2000...2100).contains(year) && (1...12).contains(month)
    }

    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard text.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else { return false }
        return (2000...2100).contains(year) && CivilDay.isValid(year: year, month: month, day: day)
    }
}
