import Foundation
import Hummingbird
import LifelineAuth
import LifelineEvents
import LifelinePersistence
import LifelineRuntime

/// Department screening over HTTP (docs/openapi.yaml): the registry summary, the towns' warnings, a
/// record's outcome for its department, and the warning rules per year (the district edits them).
struct ScreeningRoutes: Sendable {
    let database: Database

    struct WarningView: Encodable, Sendable {
        var warningId: String
        var householdId: String
        var villageCode: String
        var period: String
        var rules: [String]
        var evidence: [String]
        var severity: String
        var risks: [String]
        var discoveredOn: String
        var raisedAt: Date
        var outcome: String?
    }

    struct RecordView: Encodable, Sendable {
        var department: String
        var recordId: String
        var period: String
        var kind: String
        var kindName: String
        var status: String
        var reason: String?
        var warningId: String?
        var receivedAt: Date
    }

    struct Summary: Encodable {
        var households: Int
        var provisionalHouseholds: Int
        var members: Int
    }

    func add(to group: RouterGroup<LifelineRequestContext>) {
        group.get("registry/summary") { _, context -> Response in
            try context.requireUser().require([.department, .district])
            let rows = try await database.query("""
                SELECT (SELECT count(*) FROM registry_households)::bigint,
                       (SELECT count(*) FROM registry_households WHERE provisional)::bigint,
                       (SELECT count(*) FROM registry_members)::bigint
                """)
            for try await (households, provisional, members) in rows.decode((Int64, Int64, Int64).self) {
                return try JSONResponse.make(Summary(households: Int(households), provisionalHouseholds: Int(provisional), members: Int(members)))
            }
            throw APIError.notFound("summary")
        }
        group.get("warnings") { request, context -> Response in
            let user = try context.requireUser()
            try user.require([.town, .district])
            let region: String = request.uri.queryParameters.get("region").map { String($0) } ?? user.region
            guard DivisionCode.isValid(region) else { throw APIError.validation([.init(field: "region", message: "应为行政区划代码")]) }
            try user.requireJurisdiction(over: region)
            let like = DivisionCode.significantPrefix(region) + "%"
            let rows = try await database.query("""
                SELECT id, household_id, village_code, period, rules, evidence, severity, risks, to_char(discovered_on, 'YYYY-MM-DD'), raised_at, outcome
                FROM warnings WHERE village_code LIKE \(like) ORDER BY raised_at DESC LIMIT 500
                """)
            var list: [WarningView] = []
            for try await row in rows {
                let c = try row.decode((String, String, String, String, [String], [String], String, [String], String, Date, String?).self)
                list.append(WarningView(
                    warningId: c.0, householdId: c.1, villageCode: c.2, period: c.3, rules: c.4, evidence: c.5, severity: c.6, risks: c.7,
                    discoveredOn: c.8, raisedAt: c.9, outcome: c.10))
            }
            return try JSONResponse.make(["warnings": list])
        }
        group.get("records/:department/:recordId") { _, context -> Response in
            let user = try context.requireUser()
            try user.require([.department, .district])
            let clerks = try RecordImportRoutes.clerksDepartment(user)
            // Path segments arrive percent-encoded (department names are Chinese).
            let department = try context.parameters.require("department").removingPercentEncoding ?? ""
            let recordId = try context.parameters.require("recordId").removingPercentEncoding ?? ""
            guard clerks == nil || clerks == department else { throw APIError.notFound("record") }
            let rows = try await database.query("""
                SELECT department, record_id, period, kind, status, reason, warning_id, received_at FROM department_records
                WHERE department = \(department) AND record_id = \(recordId)
                """)
            for try await c in rows.decode((String, String, String, String, String, String?, String?, Date).self) {
                return try JSONResponse.make(RecordView(
                    department: c.0, recordId: c.1, period: c.2, kind: c.3, kindName: FactKind(uncheckedRawValue: c.3).chineseName, status: c.4,
                    reason: c.5, warningId: c.6, receivedAt: c.7))
            }
            throw APIError.notFound("record")
        }
        group.get("warning-rules") { request, context -> Response in
            try context.requireUser().require([.department, .town, .district])
            let year = request.uri.queryParameters.get("year").flatMap { Int($0) }
            let rules = try await database.transaction { connection in
                try await WarningRule.load(where: "WHERE (\(year)::int IS NULL OR year = \(year))", on: connection, logger: Logger(label: "rules"))
            }
            return try JSONResponse.make(["rules": rules])
        }
        group.put("warning-rules/:year/:id") { request, context -> Response in
            let user = try context.requireUser()
            guard user.role == .district else { throw APIError(status: .forbidden, code: "forbidden", message: "only the district edits warning rules") }
            guard let year = context.parameters.get("year").flatMap({ Int($0) }), (2020...2100).contains(year) else {
                throw APIError.validation([.init(field: "year", message: "年份应在2020至2100之间")])
            }
            let id = try context.parameters.require("id")
            struct Body: Decodable {
                var name: String
                var kinds: [String]
                var minAmountFen: Int64?
                var aggregateMonths: Int?
                var minIncomeSharePercent: Int?
                var detailKey: String?
                var detailValues: [String]?
                var risks: [String]
                var severity: String
                var enabled: Bool
            }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            var problems: [APIError.FieldProblem] = []
            if id.isEmpty || id.count > 60 || !id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) {
                problems.append(.init(field: "id", message: "应为字母、数字和连字符"))
            }
            if body.name.trimmingCharacters(in: .whitespaces).isEmpty { problems.append(.init(field: "name", message: "必填")) }
            for (index, kind) in body.kinds.enumerated() where FactKind(rawValue: kind) == nil {
                problems.append(.init(field: "kinds[\(index)]", message: "未知的事实类型"))
            }
            if body.kinds.isEmpty { problems.append(.init(field: "kinds", message: "至少一种事实类型")) }
            for (index, risk) in body.risks.enumerated() where DifficultyType(rawValue: risk) == nil {
                problems.append(.init(field: "risks[\(index)]", message: "未知的风险类型"))
            }
            if !WarningRule.severities.contains(body.severity) { problems.append(.init(field: "severity", message: "应为 high、medium 或 low")) }
            if let amount = body.minAmountFen, amount < 0 { problems.append(.init(field: "minAmountFen", message: "不能为负")) }
            if let months = body.aggregateMonths, !(1...36).contains(months) { problems.append(.init(field: "aggregateMonths", message: "应为1至36个月")) }
            if let share = body.minIncomeSharePercent, !(1...1000).contains(share) {
                problems.append(.init(field: "minIncomeSharePercent", message: "应为1至1000（百分比）"))
            }
            if (body.detailKey == nil) != (body.detailValues == nil) { problems.append(.init(field: "detailValues", message: "detailKey 与 detailValues 须同时填写")) }
            if !problems.isEmpty { throw APIError.validation(problems) }
            try await database.transaction { connection in
                // A year's first edit starts from the rules in force before it, so that one edit does
                // not leave the year with a single rule.
                try await connection.query("""
                    INSERT INTO warning_rules (
                        year, id, name, kinds, min_amount_fen, aggregate_months, min_income_share_percent, detail_key, detail_values, risks, severity, enabled,
                        updated_by)
                    SELECT \(year), id, name, kinds, min_amount_fen, aggregate_months, min_income_share_percent, detail_key, detail_values, risks, severity, enabled, \(user.id)
                    FROM warning_rules
                    WHERE year = (SELECT max(year) FROM warning_rules WHERE year < \(year))
                      AND NOT EXISTS (SELECT 1 FROM warning_rules WHERE year = \(year))
                    """, logger: Logger(label: "rules"))
                try await connection.query("""
                    INSERT INTO warning_rules (
                        year, id, name, kinds, min_amount_fen, aggregate_months, min_income_share_percent, detail_key, detail_values, risks, severity, enabled,
                        updated_by)
                    VALUES (\(year), \(id), \(body.name), \(body.kinds), \(body.minAmountFen), \(body.aggregateMonths), \(body.minIncomeSharePercent),
                            \(body.detailKey), \(body.detailValues),
                            \(body.risks), \(body.severity), \(body.enabled), \(user.id))
                    ON CONFLICT (year, id) DO UPDATE SET name = EXCLUDED.name, kinds = EXCLUDED.kinds, min_amount_fen = EXCLUDED.min_amount_fen,
                        aggregate_months = EXCLUDED.aggregate_months, min_income_share_percent = EXCLUDED.min_income_share_percent, detail_key = EXCLUDED.detail_key, detail_values = EXCLUDED.detail_values,
                        risks = EXCLUDED.risks, severity = EXCLUDED.severity, enabled = EXCLUDED.enabled, updated_by = EXCLUDED.updated_by,
                        updated_at = now()
                    """, logger: Logger(label: "rules"))
            }
            return try JSONResponse.make(["rules": try await database.transaction { connection in
                try await WarningRule.load(where: "WHERE year = \(year)", on: connection, logger: Logger(label: "rules"))
            }])
        }
    }
}
