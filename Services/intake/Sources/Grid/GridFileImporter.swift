import Foundation
import LifelineFiles
import LifelineEventBus
import LifelineEvents
import Logging

/// Loads the grid from a file (CSV in UTF-8 or GB18030, or XLSX), one row per unit, or per unit and
/// grid member: 层级, 代码, 名称, 上级代码, and optionally 网格员编号, 网格员姓名, 联系电话, 职务. A unit
/// with two members appears on two rows. Bad rows are reported with their line; the rest goes in;
/// loading the same file again changes nothing.
struct GridFileImporter: Sendable {
    let grid: GridStore
    /// Publishes the changed units on `intake.grid`.
    let publisher: EventPublisher

    /// What a grid import did.
    struct Outcome: Codable, Sendable {
        var units: Int
        var members: Int
        var problems: [RowProblem]
    }

    enum Column: String, CaseIterable {
        case level = "层级", code = "代码", name = "名称", parent = "上级代码"
        case memberId = "网格员编号", memberName = "网格员姓名", phone = "联系电话", duty = "职务"
    }

    static let levels: [String: GridLevel] = [
        "镇街": .town, "镇": .town, "街道": .town, "town": .town,
        "管区": .managementArea, "management-area": .managementArea,
        "村": .village, "village": .village,
        "联户网格": .householdGroup, "联户": .householdGroup, "household-group": .householdGroup,
    ]

    /// Loads `file`; a row whose unit lies outside the caller's jurisdiction (`covers` false for its
    /// division code) is reported and skipped, so a district's token cannot rewrite another's grid.
    func run(file: URL, covers: (String) -> Bool) async throws -> Outcome {
        // Opening an XLSX parses the whole sheet: on a dispatch thread, not the server's cooperative ones.
        let source: any TabularRowSource
        do {
            source = try await BlockingWork.run { OpenedSource(source: try TabularFile.open(file)) }.source
        } catch let error as TabularFileError {
            throw ImportFailure(error)
        }
        guard let header = try HouseholdImporter.nextRow(source) else { throw ImportFailure(code: .empty, message: "文件为空") }
        let names = header.cells.map(HeaderName.normalize)
        var index: [Column: Int] = [:]
        for column in Column.allCases { index[column] = names.firstIndex(of: column.rawValue) }
        let missing = [Column.level, .code, .name, .parent].filter { index[$0] == nil }
        guard missing.isEmpty else {
            throw ImportFailure(code: .missingColumns, message: "文件缺少必需的列：\(missing.map(\.rawValue).joined(separator: "、"))（第1行应为表头）")
        }
        func value(_ column: Column, _ row: TabularRow) -> String {
            guard let at = index[column] else { return "" }
            return row[at].trimmingWhitespace()
        }

        // Read every row first, then take them level by level (towns, areas, villages, groups), so a
        // file sorted by code, where 370115001201 comes before 370115001A01, loads as well as one in
        // level order.
        var rows: [(row: TabularRow, level: GridLevel)] = []
        var problems: [RowProblem] = []
        while let row = try HouseholdImporter.nextRow(source) {
            if row.isBlank { continue }
            guard let level = Self.levels[value(.level, row)] else {
                problems.append(RowProblem(line: row.line, field: Column.level.rawValue, reason: "应为镇街、管区、村或联户网格"))
                continue
            }
            rows.append((row, level))
        }
        let levelOrder = Dictionary(uniqueKeysWithValues: GridLevel.allCases.enumerated().map { ($1, $0) })
        rows.sort { (levelOrder[$0.level] ?? 0, $0.row.line) < (levelOrder[$1.level] ?? 0, $1.row.line) }
        // Generated member ids, as the demo grid names them: GM<code> for a unit's only member without
        // 网格员编号, GM<code>A, GM<code>B, … in file order for several.
        var unnamed: [String: [Int]] = [:]
        for (row, _) in rows.sorted(by: { $0.row.line < $1.row.line })
        where (!value(.memberName, row).isEmpty || !value(.phone, row).isEmpty) && value(.memberId, row).isEmpty {
            unnamed[value(.code, row), default: []].append(row.line)
        }
        var givenIds: [String: Int] = [:]
        for (row, _) in rows where !value(.memberId, row).isEmpty && givenIds[value(.memberId, row)] == nil {
            givenIds[value(.memberId, row)] = row.line
        }

        var known = try await grid.levels()  // code → level, from the database
        var units: [String: (unit: GridUnit, line: Int)] = [:]
        var order: [String] = []
        var members: [GridMember] = []
        var takenIds: [String: Int] = [:]
        for (row, level) in rows {
            func problem(_ column: Column, _ reason: String) { problems.append(RowProblem(line: row.line, field: column.rawValue, reason: reason)) }
            let code = value(.code, row), name = value(.name, row), parent = value(.parent, row)
            guard Self.codeFits(code, level: level) else { problem(.code, "不是\(level.chineseName)的代码格式"); continue }
            guard !name.isEmpty, name.count <= 40 else { problem(.name, "不能为空，最长40个字"); continue }
            guard covers(Self.region(of: code)) else { problem(.code, "不在本账号负责的行政区划范围内"); continue }
            let parentLevel = units[parent]?.unit.level ?? known[parent]
            if level == .town {
                guard parent.isEmpty || parent == "370115" else { problem(.parent, "镇街的上级应为区（370115）"); continue }
            } else {
                guard let parentLevel, Self.parentLevel(of: level) == parentLevel, code.hasPrefix(Self.prefix(of: parent)) else {
                    problem(.parent, "上级不存在，或不是该层级应有的上级"); continue
                }
            }
            let unit = GridUnit(level: level, code: code, name: name, parentCode: level == .town ? nil : parent)
            if let seen = units[code], seen.unit != unit { problem(.code, "与第\(seen.line)行的同一代码信息不一致"); continue }
            // A row is taken whole or not at all: its member is checked before its unit goes in.
            let memberName = value(.memberName, row), phone = value(.phone, row), givenId = value(.memberId, row)
            let hasMember = !memberName.isEmpty || !phone.isEmpty
            var memberId = givenId
            if hasMember {
                guard !memberName.isEmpty, memberName.count <= 30 else { problem(.memberName, "不能为空，最长30个字"); continue }
                guard MobileNumber.isValid(phone) else { problem(.phone, "应为11位手机号码"); continue }
                if givenId.isEmpty {
                    let siblings = unnamed[code] ?? [row.line]
                    let position = siblings.firstIndex(of: row.line) ?? 0
                    guard position < 26 else { problem(.memberId, "同一单元超过26名网格员时请填写网格员编号"); continue }
                    memberId = siblings.count == 1 ? "GM\(code)" : "GM\(code)\(Character(UnicodeScalar(UInt8(65 + position))))"
                    if let line = givenIds[memberId] { problem(.memberId, "生成的网格员编号与第\(line)行填写的重复"); continue }
                } else {
                    guard givenId.utf8.count <= 40, givenId.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) })
                    else { problem(.memberId, "只能由字母和数字组成，最长40位"); continue }
                }
                if let line = takenIds[memberId] { problem(.memberId, "与第\(line)行的网格员编号重复"); continue }
                takenIds[memberId] = row.line
            }
            if units[code] == nil {
                units[code] = (unit, row.line)
                order.append(code)
                known[code] = level
            }
            guard hasMember else { continue }
            members.append(GridMember(
                id: memberId, name: memberName, phone: phone, duty: value(.duty, row).isEmpty ? "网格员" : value(.duty, row), level: level,
                unitCode: code))
        }
        problems.sort { ($0.line, $0.field) < ($1.line, $1.field) }
        let ordered = order.compactMap { units[$0]?.unit }  // already in level order
        // A unit with member rows in the file has exactly that team: members no longer listed lose their
        // place (and, with it, what their tokens let them see). A unit listed without member rows keeps its team.
        try await grid.upsert(Grid(units: ordered, members: members), replacingMembersOf: Set(members.map(\.unitCode)), publisher: publisher)
        return Outcome(units: ordered.count, members: members.count, problems: problems)
    }

    /// The division a unit code lies in: its leading digits (a management area `370115101A01` lies in
    /// its town `370115101`, a household group `370115101201001` in its village).
    static func region(of code: String) -> String {
        let digits = String(code.prefix(while: \.isNumber))
        return [12, 9, 6].first { digits.count >= $0 }.map { String(digits.prefix($0)) } ?? digits
    }

    /// An opened file, handed from the dispatch thread that opened it to the import (used by one task).
    private struct OpenedSource: @unchecked Sendable {
        var source: any TabularRowSource
    }

    static func parentLevel(of level: GridLevel) -> GridLevel? {
        switch level {
        case .town: nil
        case .managementArea: .town
        case .village: .managementArea
        case .householdGroup: .village
        }
    }

    /// The part of a parent's code its children's codes start with (a management area's villages
    /// start with the area's town code).
    static func prefix(of parent: String) -> String {
        String(parent.prefix(while: \.isNumber))
    }

    static func codeFits(_ code: String, level: GridLevel) -> Bool {
        let digits = code.allSatisfy { $0.isASCII && $0.isNumber }
        switch level {
        case .town: return code.count == 9 && digits && code.hasPrefix("370115")
        case .managementArea:
            return code.count == 12 && code.hasPrefix("370115") && code.dropFirst(9).first == "A" && code.suffix(2).allSatisfy(\.isNumber)
        case .village: return code.count == 12 && digits && code.hasPrefix("370115")
        case .householdGroup: return code.count == 15 && digits && code.hasPrefix("370115")
        }
    }
}
