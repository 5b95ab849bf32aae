import Foundation

/// Writes demo data as the files a district would upload.
public enum DemoFiles {
    /// Why a demo file could not be written.
    public enum WriteError: Error, Sendable {
        /// The file could not be created (missing directory, no permission).
        case cannotCreate(path: String)
    }

    /// The size at which the write buffer is flushed to the file.
    static let flushThreshold = 1 << 20

    /// Writes every member of `households` as a UTF-8 CSV household-member file (no byte-order mark,
    /// `\n` line ends) with the columns of `householdHeader` (intake's ten required and common ones,
    /// then the optional registry columns), yes/no columns as 是/否. Replaces an existing file. Streams
    /// through a 1 MiB buffer.
    /// - Returns: the number of member rows written (not counting the header).
    @discardableResult
    public static func writeHouseholdCSV(_ households: DemoHouseholds, to url: URL) throws -> Int {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw WriteError.cannotCreate(path: url.path)
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(flushThreshold + 4_096)
        buffer.append(contentsOf: line(householdHeader).utf8)
        var rows = 0
        try households.forEachMember { member in
            buffer.append(contentsOf: line(fields(of: member)).utf8)
            rows += 1
            if buffer.count >= flushThreshold {
                try handle.write(contentsOf: buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        if !buffer.isEmpty {
            try handle.write(contentsOf: buffer)
        }
        return rows
    }

    /// The household file's header, in intake's spelling (docs/grid.md, "Household file").
    public static let householdHeader = [
        "户编号", "村代码", "联户网格编号", "姓名", "证件号码", "与户主关系", "出生日期", "性别", "联系电话", "是否脱贫户",
        "劳动能力", "健康状况", "是否享受低保", "是否特困供养", "监测对象类别",
    ]

    /// A member's cells, in the order of `householdHeader`.
    static func fields(of member: DemoMemberRow) -> [String] {
        [
            member.householdNumber, member.villageCode, member.householdGroupCode, member.name, member.idNumber, member.relation,
            member.birthDate, member.sex, member.phone, member.formerlyPoor ? "是" : "否", member.labourAbility.chineseName,
            member.healthStatus.chineseName, member.minimumLivingAllowance ? "是" : "否", member.extremePovertySupport ? "是" : "否",
            member.monitoringCategory?.chineseName ?? "",
        ]
    }

    /// The grid file's header (docs/grid.md, "Grid file").
    public static let gridHeader = ["层级", "代码", "名称", "上级代码", "网格员编号", "网格员姓名", "联系电话", "职务"]

    /// Writes the grid as intake's grid file: one row per unit and member (a unit without members on
    /// one row of its own), parents before children.
    @discardableResult
    public static func writeGridCSV(_ grid: DemoGridData, to url: URL) throws -> Int {
        var members: [String: [DemoGridMember]] = [:]
        for member in grid.members { members[member.unitCode, default: []].append(member) }
        var text = line(gridHeader)
        var rows = 0
        for unit in grid.units {
            let unitCells = [unit.level.rawValue, unit.code, unit.name, unit.parentCode ?? "370115"]
            let team = members[unit.code] ?? []
            if team.isEmpty {
                text += line(unitCells + ["", "", "", ""])
                rows += 1
            }
            for member in team {
                text += line(unitCells + [member.id, member.name, member.phone, member.duty])
                rows += 1
            }
        }
        guard FileManager.default.createFile(atPath: url.path, contents: Data(text.utf8)) else {
            throw WriteError.cannotCreate(path: url.path)
        }
        return rows
    }

    /// One CSV line with its `\n`; fields with a comma, quote or line break are quoted (RFC 4180).
    static func line(_ fields: [String]) -> String {
        fields.map { escaped($0) }.joined(separator: ",") + "\n"
    }

    private static func escaped(_ field: String) -> String {
        // , " \n \r as UTF-8 bytes (a Character comparison would miss "\r\n", which is one Character).
        guard field.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
