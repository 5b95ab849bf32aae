import Foundation

/// Writes demo data as the files a district would upload.
enum DemoFiles {
    /// Why a demo file could not be written.
    enum WriteError: Error, Sendable {
        /// The file could not be created (missing directory, no permission).
        case cannotCreate(path: String)
    }

    /// The size at which the write buffer is flushed to the file.
    static let flushThreshold = 1 << 20

    /// Writes every member of `households` as a UTF-8 CSV household-member file (no byte-order mark,
    /// `\n` line ends) with every column of `HouseholdFileColumn` in that order (the canonical ten, then
    /// the optional registry columns), yes/no columns as 是/否. Replaces an existing file. Streams through
    /// a 1 MiB buffer.
    /// - Returns: the number of member rows written (not counting the header).
    @discardableResult
    static func writeHouseholdCSV(_ households: DemoHouseholds, to url: URL) throws -> Int {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw WriteError.cannotCreate(path: url.path)
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(flushThreshold + 4_096)
        buffer.append(contentsOf: line(HouseholdFileColumn.allCases.map(\.rawValue)).utf8)
        var rows = 0
        try households.forEachMember { member in
            buffer.append(contentsOf: line(HouseholdFileColumn.allCases.map { field($0, of: member) }).utf8)
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

    /// The value of `column` for `member`.
    static func field(_ column: HouseholdFileColumn, of member: DemoMemberRow) -> String {
        switch column {
        case .householdNumber: member.householdNumber
        case .villageCode: member.villageCode
        case .householdGroupCode: member.householdGroupCode
        case .name: member.name
        case .idNumber: member.idNumber
        case .relation: member.relation
        case .birthDate: member.birthDate
        case .sex: member.sex
        case .phone: member.phone
        case .formerlyPoor: member.formerlyPoor ? "是" : "否"
        case .labourAbility: member.labourAbility.chineseName
        case .healthStatus: member.healthStatus.chineseName
        case .minimumLivingAllowance: member.minimumLivingAllowance ? "是" : "否"
        case .extremePovertySupport: member.extremePovertySupport ? "是" : "否"
        case .monitoringCategory: member.monitoringCategory?.chineseName ?? ""
        }
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
