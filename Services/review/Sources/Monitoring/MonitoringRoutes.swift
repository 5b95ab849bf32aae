import Foundation
import Hummingbird
import LifelineAuth
import LifelineEvents
import LifelinePersistence
import LifelineRuntime

/// Monitored households, their measures, risk elimination, the monthly re-check list and the
/// monitoring lines (docs/openapi.yaml).
struct MonitoringRoutes: Sendable {
    let cases: CaseStore

    func add(to group: RouterGroup<LifelineRequestContext>) {
        group.get("monitored") { request, context -> Response in
            let user = try context.requireOfficial()
            let region = try RegionQuery.region(request, user: user, parameters: ["region", "villageCode"])
            let list = try await cases.monitored(regionPrefix: region, includeEnded: request.uri.queryParameters.get("includeEnded") == "true")
            return try JSONResponse.make(["households": list])
        }
        group.get("monitored/:householdId") { _, context -> Response in
            let user = try context.requireOfficial()
            return try JSONResponse.make(try await answeringReviewErrors {
                try await cases.currentMonitoring(try context.parameters.require("householdId"), for: user)
            })
        }
        group.post("monitored/:householdId/measures") { request, context -> Response in
            let user = try context.requireActor()
            guard user.role == .village || user.role == .town else {
                throw APIError(status: .forbidden, code: "forbidden", message: "measures are recorded by the village or the town")
            }
            struct Body: Decodable { var kind: String; var description: String; var startedOn: String }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            var problems = Problems()
            let kind = MeasureKind(rawValue: body.kind)
            if kind == nil { problems.add("kind", "应为 " + MeasureKind.allCases.map { "\($0.rawValue)（\($0.chineseName)）" }.joined(separator: "、")) }
            problems.text(body.description, field: "description", required: true, max: 500)
            problems.pastDate(body.startedOn, field: "startedOn")
            try problems.check()
            let household = try context.parameters.require("householdId")
            try await answeringReviewErrors {
                try await cases.addMeasure(household, kind: kind!, description: body.description, startedOn: body.startedOn, by: user)
            }
            return try JSONResponse.make(try await answeringReviewErrors { try await cases.currentMonitoring(household, for: user) }, status: .created)
        }
        group.post("monitored/:householdId/elimination") { _, context -> Response in
            let user = try context.requireActor()
            guard user.role == .village else { throw APIError(status: .forbidden, code: "forbidden", message: "the village starts risk elimination") }
            let record = try await answeringReviewErrors { try await cases.startElimination(try context.parameters.require("householdId"), by: user) }
            return try JSONResponse.make(try await cases.detail(record), status: .created)
        }
        group.get("rechecks") { request, context -> Response in
            let user = try context.requireOfficial()
            let region = try RegionQuery.region(request, user: user, parameters: ["villageCode", "region"])
            return try JSONResponse.make(try await cases.rechecks(regionPrefix: region))
        }
        group.get("monitoring-lines") { _, context -> Response in
            _ = try context.requireOfficial()
            return try JSONResponse.make(["lines": try await cases.monitoringLines()])
        }
        group.put("monitoring-lines/:year") { request, context -> Response in
            let user = try context.requireActor()
            guard user.role == .district else { throw APIError(status: .forbidden, code: "forbidden", message: "only the district sets the monitoring line") }
            struct Body: Decodable { var lineFen: Int64 }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            guard let year = context.parameters.get("year").flatMap({ Int($0) }), (2020...2100).contains(year) else {
                throw APIError.validation([.init(field: "year", message: "年份应在2020至2100之间")])
            }
            guard (100_000...10_000_000).contains(body.lineFen) else {
                throw APIError.validation([.init(field: "lineFen", message: "应为每人每年1000元至10万元之间的金额（分）")])
            }
            try await cases.setMonitoringLine(year: year, lineFen: body.lineFen, by: user)
            return try JSONResponse.make(["lines": try await cases.monitoringLines()])
        }
        group.get("entries") { request, context -> Response in
            let user = try context.requireOfficial([.town, .district])
            let region = try RegionQuery.region(request, user: user, parameters: ["region"])
            let yearText = request.uri.queryParameters.get("year")
            guard let year = yearText.map({ Int($0) }) ?? BeijingDay.year(), (2020...2100).contains(year) else {
                throw APIError.validation([.init(field: "year", message: "年份应在2020至2100之间")])
            }
            let format = request.uri.queryParameters.get("format") ?? "csv"
            guard format == "csv" || format == "xlsx" else { throw APIError.validation([.init(field: "format", message: "应为 csv 或 xlsx")]) }
            let rows = try await cases.entries(regionPrefix: region, year: year)
            let whole = user.role == .district
            try await cases.database.transaction { connection in
                try await cases.audit.record("entries.exported", by: .init(user), detail: ["region": region, "year": String(year), "rows": String(rows.count)],
                                             on: connection)
            }
            let name = "monitoring-entries-\(region.isEmpty ? "all" : region)-\(year)"
            switch format {
            case "csv":
                return DownloadResponse.make(EntryExport.csv(rows, wholeIdNumbers: whole), contentType: DownloadResponse.csv, fileName: name + ".csv")
            case "xlsx":
                return DownloadResponse.make(try EntryExport.xlsx(rows, wholeIdNumbers: whole), contentType: DownloadResponse.xlsx, fileName: name + ".xlsx")
            default:
                throw APIError.validation([.init(field: "format", message: "应为 csv 或 xlsx")])
            }
        }
        group.get("statistics") { request, context -> Response in
            let user = try context.requireOfficial()
            let region = try RegionQuery.region(request, user: user, parameters: ["region"])
            return try JSONResponse.make(try await cases.statistics(regionPrefix: region))
        }
        group.get("audit/check") { _, context -> Response in
            _ = try context.requireOfficial([.district])
            return try JSONResponse.make(try await cases.auditCheck())
        }
    }
}

/// The village's monthly list: monitored households due for elimination (6 months or more), and
/// monitored households that got a new lead.
struct RecheckList: Encodable, Sendable {
    struct Due: Encodable, Sendable {
        var householdId: String
        var villageCode: String
        var category: String
        var startedOn: String
        var monthsMonitored: Int
    }

    var eliminationDue: [Due]
    var newLeads: [LeadView]
}

extension CaseStore {
    func rechecks(regionPrefix: String) async throws -> RecheckList {
        try await database.transaction { connection in
            let like = regionPrefix + "%"
            let rows = try await connection.query("""
                SELECT household_id, village_code, category, to_char(started_on, 'YYYY-MM-DD'),
                       (extract(year FROM age((now() AT TIME ZONE 'Asia/Shanghai')::date, started_on)) * 12
                        + extract(month FROM age((now() AT TIME ZONE 'Asia/Shanghai')::date, started_on)))::int
                FROM monitored_households m
                WHERE village_code LIKE \(like) AND ended_on IS NULL
                  AND started_on <= (now() AT TIME ZONE 'Asia/Shanghai')::date - interval '6 months'
                  AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.household_id = m.household_id AND c.closed_at IS NULL)
                ORDER BY started_on LIMIT 2000
                """, logger: logger)
            var due: [RecheckList.Due] = []
            for try await row in rows.decode((String, String, String, String, Int).self) {
                due.append(.init(householdId: row.0, villageCode: row.1, category: row.2, startedOn: row.3, monthsMonitored: row.4))
            }
            let leads = try await LeadRecord.list(
                where: "WHERE status = 'recheck' AND village_code LIKE \(like) AND received_at > now() - interval '31 days' ORDER BY received_at",
                on: connection, logger: logger)
            return RecheckList(eliminationDue: due, newLeads: leads.map(LeadView.init))
        }
    }

    struct Line: Encodable, Sendable {
        var year: Int
        var province: String
        var lineFen: Int64
        var setBy: String
        var setAt: Date
    }

    func monitoringLines() async throws -> [Line] {
        try await database.transaction { connection in
            var lines: [Line] = []
            let rows = try await connection.query("""
                SELECT year, province, line_fen, set_by, set_at FROM monitoring_lines WHERE province = \(settings.province) ORDER BY year
                """, logger: logger)
            for try await row in rows.decode((Int, String, Int64, String, Date).self) {
                lines.append(Line(year: row.0, province: row.1, lineFen: row.2, setBy: row.3, setAt: row.4))
            }
            return lines
        }
    }

    func setMonitoringLine(year: Int, lineFen: Int64, by user: AuthenticatedUser) async throws {
        try await database.transaction { connection in
            try await connection.query("""
                INSERT INTO monitoring_lines (year, province, line_fen, set_by, set_at) VALUES (\(year), \(settings.province), \(lineFen), \(user.id), now())
                ON CONFLICT (year, province) DO UPDATE SET line_fen = EXCLUDED.line_fen, set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at
                """, logger: logger)
            try await audit.record("monitoringLine.set", by: .init(user), detail: ["year": String(year), "lineFen": String(lineFen)], on: connection)
        }
    }

    struct AuditCheck: Encodable, Sendable {
        var rows: Int
        var intact: Bool
        var firstBrokenSeq: Int64?
    }

    /// Recomputes the audit trail's hash chain.
    func auditCheck() async throws -> AuditCheck {
        try await database.transaction { connection in
            let rows = try await connection.query("""
                SELECT count(*)::int, coalesce(bool_and(intact), true), min(seq) FILTER (WHERE NOT intact) FROM audit_trail_check
                """, logger: logger)
            for try await (count, intact, broken) in rows.decode((Int, Bool, Int64?).self) {
                return AuditCheck(rows: count, intact: intact, firstBrokenSeq: broken)
            }
            return AuditCheck(rows: 0, intact: true, firstBrokenSeq: nil)
        }
    }
}
