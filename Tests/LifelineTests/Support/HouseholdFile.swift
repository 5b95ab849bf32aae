import Foundation
@testable import Intake
@testable import LifelineFiles

/// Builds household-member files in the district's export layout.
struct HouseholdFile {
    var rows: [[String]] = [HouseholdFileColumn.canonicalHeader]

    /// The line the next row will be on (the header is line 1).
    var nextLine: Int { rows.count + 1 }

    /// Adds a member row and returns its line number.
    @discardableResult
    mutating func member(
        household: String, village: String, group: String, name: String, idNumber: String = TestData.idNumber(), relation: String,
        birthDate: String? = nil, phone: String = "", formerlyPoor: Bool = false
    ) -> Int {
        let line = nextLine
        rows.append([
            household, village, group, name, idNumber, relation, birthDate ?? Self.birthDate(of: idNumber), "",
            phone, formerlyPoor ? "是" : "否",
        ])
        return line
    }

    static func birthDate(of id: String) -> String {
        let digits = Array(id)
        return String(digits[6..<10]) + "-" + String(digits[10..<12]) + "-" + String(digits[12..<14])
    }

    var csv: String {
        rows.map { row in
            row.map { $0.contains(",") || $0.contains("\"") ? "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : $0 }
                .joined(separator: ",")
        }.joined(separator: "\r\n") + "\r\n"
    }

    func write(_ data: Data, suffix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("households-\(UUID().uuidString).\(suffix)")
        try data.write(to: url)
        return url
    }

    func utf8File() throws -> URL { try write(Data(csv.utf8), suffix: "csv") }

    /// The same CSV in GB18030, converted by the system's iconv.
    func gb18030File() throws -> URL {
        let source = try utf8File()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/iconv")
        process.arguments = ["-f", "UTF-8", "-t", "GB18030", source.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try write(data, suffix: "csv")
    }

    /// The same rows as an .xlsx sheet; birth dates become real Excel dates.
    func xlsxFile() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("households-\(UUID().uuidString).xlsx")
        let birthColumn = HouseholdFileColumn.allCases.firstIndex(of: .birthDate)!
        let cells: [[XLSXWriter.Cell]] = rows.enumerated().map { index, row in
            row.enumerated().map { column, value in
                if index > 0, column == birthColumn, let serial = Self.excelSerial(value) { return .date(serial: serial) }
                return .text(value)
            }
        }
        try XLSXWriter.write(rows: cells, to: url)
        return url
    }

    /// Days since 1899-12-30 (Excel's 1900 system, valid after 1900-03-01).
    static func excelSerial(_ date: String) -> Int? {
        let parts = date.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let day = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
            let origin = calendar.date(from: DateComponents(year: 1899, month: 12, day: 30))
        else { return nil }
        return calendar.dateComponents([.day], from: origin, to: day).day
    }
}

/// Collects what an import reports.
actor ImportLog {
    var problems: [RowProblem] = []
    var progress: [ImportCounts] = []
    var encoding: String?

    var reporter: ImportReporter {
        ImportReporter(
            problems: { problems in await self.add(problems) },
            progress: { counts in await self.add(counts) },
            started: { encoding, _ in await self.started(encoding) })
    }

    private func add(_ more: [RowProblem]) { problems += more }
    private func add(_ counts: ImportCounts) { progress.append(counts) }
    private func started(_ encoding: String) { self.encoding = encoding }
}
