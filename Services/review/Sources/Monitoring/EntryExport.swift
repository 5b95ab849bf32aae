import Foundation
import LifelineEvents
import LifelineFiles
import LifelinePersistence

/// The approved list (监测对象认定名单) in the column layout of the national monitoring information
/// system's import (防返贫监测信息系统 监测对象信息), as CSV (UTF-8 with BOM) or XLSX, through the
/// shared file module. The district enters it and gets the head's ID number whole; a town gets it masked.
enum EntryExport {
    static let header = [
        "序号", "省", "市", "县（市、区）", "乡（镇）", "行政村", "户编号", "户主姓名", "户主证件号码", "家庭人口数", "监测对象类别",
        "主要风险类型", "家庭年人均纯收入（元）", "识别监测时间", "发现途径", "帮扶责任人", "帮扶责任人联系电话",
    ]

    struct Row: Sendable {
        var householdId: String
        var villageCode: String
        var townName: String
        var villageName: String
        var headName: String
        var headIdNumber: String
        var people: Int
        var category: MonitoringCategory
        var risks: [DifficultyType]
        var perCapitaIncomeFen: Int64
        var startedOn: String
        var road: DiscoveryRoad
        var cadreName: String
        var cadrePhone: String

        func cells(number: Int, wholeIdNumbers: Bool) -> [String] {
            [
                String(number), "山东省", "济南市", "济阳区", townName, villageName, householdId, headName,
                wholeIdNumbers ? headIdNumber : CitizenIdNumber.masked(headIdNumber), String(people), category.chineseName,
                risks.map(\.chineseName).joined(separator: "、"), CategoryRule.yuan(perCapitaIncomeFen), startedOn, road.chineseName, cadreName,
                wholeIdNumbers ? cadrePhone : MobileNumber.masked(cadrePhone),
            ]
        }
    }

    static func csv(_ rows: [Row], wholeIdNumbers: Bool) -> Data {
        var text = CSVWriter.byteOrderMark + CSVWriter.line(header)
        for (index, row) in rows.enumerated() { text += CSVWriter.line(row.cells(number: index + 1, wholeIdNumbers: wholeIdNumbers)) }
        return Data(text.utf8)
    }

    static func xlsx(_ rows: [Row], wholeIdNumbers: Bool) throws -> Data {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("entries-\(UUID().uuidString).xlsx")
        defer { try? FileManager.default.removeItem(at: url) }
        let cells = [header.map(XLSXWriter.Cell.text)]
            + rows.enumerated().map { index, row in row.cells(number: index + 1, wholeIdNumbers: wholeIdNumbers).map(XLSXWriter.Cell.text) }
        try XLSXWriter.write(rows: cells, to: url)
        return try Data(contentsOf: url)
    }
}

extension CaseStore {
    /// Households entered into monitoring in `year` in the region, in order of entry.
    func entries(regionPrefix: String, year: Int) async throws -> [EntryExport.Row] {
        try await database.transaction { connection in
            let like = regionPrefix + "%"
            let rows = try await connection.query("""
                SELECT m.household_id, m.village_code, coalesce(t.name, m.town_code), coalesce(v.name, m.village_code), coalesce(h.head_name, ''),
                       coalesce(h.head_id_number, ''), m.people, m.category, m.risks, m.per_capita_income_fen, to_char(m.started_on, 'YYYY-MM-DD'),
                       m.road, m.cadre_name, m.cadre_phone
                FROM monitored_households m
                LEFT JOIN households d ON d.id = m.household_id
                LEFT JOIN households h ON h.id = coalesce(d.superseded_by, d.id)  -- a merged household's head lives in its successor
                LEFT JOIN grid_units t ON t.code = m.town_code
                LEFT JOIN grid_units v ON v.code = m.village_code
                WHERE m.village_code LIKE \(like) AND extract(year FROM m.started_on) = \(year)
                ORDER BY m.started_on, m.household_id
                """, logger: logger)
            var list: [EntryExport.Row] = []
            for try await row in rows {
                let c = try row.decode((String, String, String, String, String, String, Int, String, [String], Int64, String, String, String, String).self)
                list.append(EntryExport.Row(
                    householdId: c.0, villageCode: c.1, townName: c.2, villageName: c.3, headName: c.4, headIdNumber: c.5, people: c.6,
                    category: MonitoringCategory(uncheckedRawValue: c.7), risks: c.8.map(DifficultyType.init(uncheckedRawValue:)),
                    perCapitaIncomeFen: c.9, startedOn: c.10, road: DiscoveryRoad(uncheckedRawValue: c.11), cadreName: c.12, cadrePhone: c.13))
            }
            return list
        }
    }
}
