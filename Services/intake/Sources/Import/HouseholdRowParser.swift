import Foundation
import LifelineFiles
import LifelineEvents

/// A problem with one row of an imported file: the line, the column (its Chinese header) and why.
/// Reasons are Chinese, for the clerk, and never quote the value (it may be an ID number).
struct RowProblem: Sendable, Hashable, Codable {
    var line: Int
    var field: String
    var reason: String
}

/// The problems of one rejected row.
struct RowProblems: Error, Sendable {
    var problems: [RowProblem]
}

/// One member row that passed the row-level checks.
struct ImportedMember: Sendable, Hashable {
    var line: Int
    var householdNumber: String
    var villageCode: String
    var householdGroupCode: String
    var name: String
    var idNumber: String
    var relation: String
    var birthDate: String
    var sex: String
    var phone: String?
    var formerlyPoor: Bool
    var labourAbility: LabourAbility? = nil
    var healthStatus: HealthStatus? = nil
    var minimumLivingAllowance: Bool? = nil
    var extremePovertySupport: Bool? = nil
    /// The household's 监测对象类别 (the same on every row of a household).
    var monitoringCategory: MonitoringCategory? = nil

    var isHead: Bool { relation == "户主" }
}

/// Where each known column is in a file, from its header row.
struct HouseholdColumnMap: Sendable {
    /// The file's column of each known column, by `HouseholdFileColumn.ordinal`; nil when absent.
    private var indexes: [Int?]

    /// Maps a header row, or names the required columns it lacks.
    static func make(header: [String]) -> Result<HouseholdColumnMap, ImportFailure> {
        var indexes = [Int?](repeating: nil, count: HouseholdFileColumn.allCases.count)
        let normalized = header.map(HeaderName.normalize)
        for column in HouseholdFileColumn.allCases {
            let names = [column.rawValue] + column.aliases
            indexes[column.ordinal] = normalized.firstIndex(where: names.contains)
        }
        let missing = HouseholdFileColumn.allCases.filter { $0.isRequired && indexes[$0.ordinal] == nil }
        guard missing.isEmpty else {
            return .failure(ImportFailure(
                code: .missingColumns, message: "文件缺少必需的列：\(missing.map(\.rawValue).joined(separator: "、"))（第1行应为表头）"))
        }
        return .success(HouseholdColumnMap(indexes: indexes))
    }

    func value(_ column: HouseholdFileColumn, in row: TabularRow) -> String {
        guard let index = indexes[column.ordinal] else { return "" }
        return row[index].trimmingWhitespace()
    }
}

/// Why a whole import failed (as opposed to single rows).
struct ImportFailure: Error, Sendable, CustomStringConvertible {
    enum Code: String, Sendable { case missingColumns = "missing_columns", unreadable, empty, interrupted, tooLarge = "file_too_large" }
    var code: Code
    /// Chinese, for the clerk.
    var message: String
    var description: String { "ImportFailure(\(code.rawValue))" }

    init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// A file that cannot be read as a table, explained to the clerk.
    init(_ error: TabularFileError) {
        code = error.code == .limitExceeded ? .tooLarge : .unreadable
        switch error.code {
        case .limitExceeded: message = "文件超出读取限制，请分批导入或另存为 CSV。" + Self.chineseLimit(error.limit)
        case .badEncoding: message = "文件编码无法识别，请另存为 UTF-8 或 GB18030（GBK）编码的 CSV" + (error.line.map { "（第\($0)行附近）" } ?? "")
        case .badXLSX: message = "Excel 文件无法读取，请确认是 .xlsx 格式（不是 .xls），或另存为 CSV"
        case .notTabular: message = "文件不是 CSV 或 XLSX 表格"
        case .unreadable: message = "文件无法读取"
        }
    }
}

extension ImportFailure {
    /// The limit a refusal names, in Chinese.
    static func chineseLimit(_ limit: XLSXLimits.Limit?) -> String {
        switch limit {
        case .compressionRatio: "（限制：压缩比不超过 \(XLSXLimits.maximumCompressionRatio):1）"
        case .partBytes: "（限制：每个部件解压后不超过 \(XLSXLimits.maximumPartBytes >> 20) MB）"
        case .sharedStrings: "（限制：共享字符串不超过 \(XLSXLimits.maximumSharedStrings) 个）"
        case .cells, nil: "（限制：行数×列数不超过 \(XLSXLimits.maximumCells) 个单元格）"
        }
    }
}

/// A header cell as the column's name: spaces and the required-column mark `*` around it removed.
enum HeaderName {
    static func normalize(_ cell: String) -> String {
        cell.trimmingWhitespace().trimmingCharacters(in: ["*"]).trimmingWhitespace()
    }
}

/// Row-level checks of a household-member file.
enum HouseholdRowParser {
    static let relations: Set<String> = [
        "户主", "配偶", "子", "女", "子女", "之子", "之女", "儿媳", "之儿媳", "女婿", "之女婿", "孙子", "孙女", "孙子女", "之孙子", "之孙女",
        "外孙子", "外孙女", "外孙子女", "父亲", "母亲", "父母", "之父", "之母", "岳父", "岳母", "公公", "婆婆", "祖父", "祖母",
        "外祖父", "外祖母", "兄弟姐妹", "兄", "弟", "姐", "妹", "侄子", "侄女", "其他",
    ]

    /// What a 监测对象类别 cell says for a household that is not monitored (besides an empty cell).
    static let notMonitored = ["否", "无", "非监测对象"]

    /// Parses one data row: the member, or every problem found in it.
    static func parse(_ row: TabularRow, columns: HouseholdColumnMap) -> Result<ImportedMember, RowProblems> {
        var problems: [RowProblem] = []
        func problem(_ column: HouseholdFileColumn, _ reason: String) {
            problems.append(RowProblem(line: row.line, field: column.rawValue, reason: reason))
        }
        let number = columns.value(.householdNumber, in: row)
        if number.isEmpty {
            problem(.householdNumber, "不能为空")
        } else if number.utf8.count > 32 || !number.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 }) {
            problem(.householdNumber, "只能由字母、数字和“-”组成，最长32位")
        }
        let village = columns.value(.villageCode, in: row)
        if village.utf8.count != 12 || !village.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            problem(.villageCode, village.isEmpty ? "不能为空" : "应为12位行政区划代码")
        }
        let group = columns.value(.householdGroupCode, in: row)
        if group.isEmpty { problem(.householdGroupCode, "不能为空") }
        let name = columns.value(.name, in: row)
        if name.isEmpty {
            problem(.name, "不能为空")
        } else if name.count > 30 {
            problem(.name, "不能超过30个字")
        }
        let idText = columns.value(.idNumber, in: row)
        var id: CitizenIdNumber?
        switch CitizenIdNumber.parse(idText) {
        case .success(let parsed): id = parsed
        case .failure(let failure): problem(.idNumber, idText.isEmpty ? "不能为空" : failure.chineseMessage)
        }
        let relation = columns.value(.relation, in: row)
        if relation.isEmpty {
            problem(.relation, "不能为空")
        } else if !relations.contains(relation) {
            problem(.relation, "不是认可的与户主关系")
        }
        let idBirthDate = id.map { Self.birthDate(of: $0) }
        var birthDate = idBirthDate ?? ""
        let birthText = columns.value(.birthDate, in: row)
        if !birthText.isEmpty {
            if let parsed = DateText.normalize(birthText) {
                if let idBirthDate, parsed != idBirthDate { problem(.birthDate, "与身份证号码中的出生日期不一致") }
                birthDate = parsed
            } else {
                problem(.birthDate, "不是有效日期（例如 1968-03-15）")
            }
        }
        var sex = id.map { Self.sex(of: $0) } ?? ""
        let sexText = columns.value(.sex, in: row)
        if !sexText.isEmpty {
            if sexText != "男" && sexText != "女" {
                problem(.sex, "应为“男”或“女”")
            } else if let id, sexText != Self.sex(of: id) {
                problem(.sex, "与身份证号码中的性别不一致")
            } else {
                sex = sexText
            }
        }
        let phoneText = columns.value(.phone, in: row).filter { $0 != "-" && $0 != " " }
        if !phoneText.isEmpty && !MobileNumber.isValid(phoneText) && !(phoneText.count >= 7 && phoneText.count <= 12 && phoneText.allSatisfy(\.isNumber)) {
            problem(.phone, "不是有效的电话号码")
        }
        var formerlyPoor = false
        let poorText = columns.value(.formerlyPoor, in: row)
        if poorText.isEmpty || poorText.utf8.elementsEqual("否".utf8) {
            formerlyPoor = false
        } else if poorText.utf8.elementsEqual("是".utf8) {
            formerlyPoor = true
        } else {
            switch poorText.lowercased() {
            case "n", "no", "0", "false", "非脱贫户": formerlyPoor = false
            case "y", "yes", "1", "true", "脱贫户": formerlyPoor = true
            default: problem(.formerlyPoor, "应为“是”或“否”")
            }
        }
        let labourText = columns.value(.labourAbility, in: row)
        let labour = LabourAbility(text: labourText)
        if !labourText.isEmpty && labour == nil { problem(.labourAbility, "应为普通劳动力、弱劳动力或半劳动力、丧失劳动力或无劳动力") }
        let healthText = columns.value(.healthStatus, in: row)
        let health = HealthStatus(text: healthText)
        if !healthText.isEmpty && health == nil { problem(.healthStatus, "应为健康、长期慢性病、患有大病或残疾") }
        let allowance = yesNo(columns.value(.minimumLivingAllowance, in: row))
        if allowance == .invalid { problem(.minimumLivingAllowance, "应为“是”或“否”") }
        let extreme = yesNo(columns.value(.extremePovertySupport, in: row))
        if extreme == .invalid { problem(.extremePovertySupport, "应为“是”或“否”") }
        let categoryText = columns.value(.monitoringCategory, in: row)
        let notMonitored = categoryText.isEmpty || Self.notMonitored.contains { categoryText.utf8.elementsEqual($0.utf8) }
        let category = notMonitored ? nil : MonitoringCategory(text: categoryText)
        if category == nil && !notMonitored {
            problem(.monitoringCategory, "应为脱贫不稳定户、边缘易致贫户、突发严重困难户，或留空")
        }
        guard problems.isEmpty, let id else { return .failure(RowProblems(problems: problems)) }
        return .success(ImportedMember(
            line: row.line, householdNumber: number, villageCode: village, householdGroupCode: group, name: name, idNumber: id.value,
            relation: relation, birthDate: birthDate, sex: sex, phone: phoneText.isEmpty ? nil : phoneText, formerlyPoor: formerlyPoor,
            labourAbility: labour, healthStatus: health, minimumLivingAllowance: allowance.value, extremePovertySupport: extreme.value,
            monitoringCategory: category))
    }

    enum YesNo: Equatable {
        case yes, no, absent, invalid
        var value: Bool? { self == .yes ? true : self == .no ? false : nil }
    }

    /// 是/否 as clerks type them; an empty cell says nothing.
    static func yesNo(_ text: String) -> YesNo {
        // The common cells first, compared as bytes (lower-casing allocates).
        if text.isEmpty { return .absent }
        if text.utf8.elementsEqual("是".utf8) { return .yes }
        if text.utf8.elementsEqual("否".utf8) { return .no }
        switch text.lowercased() {
        case "y", "yes", "1", "true", "享受": return .yes
        case "n", "no", "0", "false", "不享受": return .no
        default: return .invalid
        }
    }

    static func birthDate(of id: CitizenIdNumber) -> String {
        let bytes = Array(id.value.utf8)
        return String(decoding: bytes[6..<10] + [0x2D] + bytes[10..<12] + [0x2D] + bytes[12..<14], as: UTF8.self)
    }

    static func sex(of id: CitizenIdNumber) -> String {
        let digit = Int(Array(id.value.utf8)[16]) - 0x30
        return digit % 2 == 1 ? "男" : "女"
    }
}

/// Dates as clerks type them: 1968-03-15, 1968/3/15, 1968.03.15, 19680315, 1968年3月15日.
enum DateText {
    /// `YYYY-MM-DD` if `text` is a real date between 1900 and today, else nil.
    static func normalize(_ text: String) -> String? {
        var parts: [Int] = []
        let trimmed = text.trimmingWhitespace()
        let bytes = Array(trimmed.utf8)
        if bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D {  // the common YYYY-MM-DD, without splitting
            let number = { (range: Range<Int>) -> Int? in
                var value = 0
                for byte in bytes[range] {
                    guard byte >= 0x30 && byte <= 0x39 else { return nil }
                    value = value * 10 + Int(byte - 0x30)
                }
                return value
            }
            guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
            return valid(year, month, day) ? trimmed : nil
        }
        if trimmed.count == 8, trimmed.allSatisfy(\.isNumber), let value = Int(trimmed) {
            parts = [value / 10000, value / 100 % 100, value % 100]
        } else {
            let pieces = trimmed.split(whereSeparator: { "-/.年月日 ".contains($0) }).map(String.init)
            guard pieces.count == 3 || (pieces.count == 4 && pieces[3].allSatisfy({ $0 == "0" || $0 == ":" })) else { return nil }
            parts = pieces.prefix(3).compactMap { Int($0) }
        }
        guard parts.count == 3 else { return nil }
        let (year, month, day) = (parts[0], parts[1], parts[2])
        guard valid(year, month, day) else { return nil }
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    private static func valid(_ year: Int, _ month: Int, _ day: Int) -> Bool {
        (1900...2100).contains(year) && CivilDay.isValid(year: year, month: month, day: day)
            && year * 10_000 + month * 100 + day <= CivilDay.number(of: Date())
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
