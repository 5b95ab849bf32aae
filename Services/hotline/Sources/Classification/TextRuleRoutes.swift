import Foundation
import Hummingbird
import LifelineAuth
import LifelineEvents
import LifelinePersistence
import LifelineRuntime
import Logging

/// The reading's rules over HTTP: everyone concerned reads them and tries a text against them
/// (`POST /v1/text-rules/trial`); the district edits them (`PUT /v1/text-rules/{id}`), no code change.
struct TextRuleRoutes: Sendable {
    let database: Database
    let tokenKeys: TokenKeys

    init(dependencies: ServiceDependencies) {
        database = dependencies.database
        tokenKeys = dependencies.tokenKeys
    }

    struct Trial: Encodable {
        var category: String
        var categoryName: String
        var risks: [String]
        var matches: [WorkOrderClassifier.Match]
        var thirdParty: Bool
        var confidence: Double
        var explanation: String
    }

    func add(to router: Router<LifelineRequestContext>) {
        let group = router.group("v1/text-rules").add(middleware: BearerAuthMiddleware(keys: tokenKeys))
        group.get { _, context -> Response in
            try context.requireUser().require([.hotlineOperator, .town, .district])
            let (rules, cues) = try await database.transaction { connection in
                try await TextRule.load(on: connection, includingDisabled: true, logger: Logger(label: "text-rules"))
            }
            return try JSONResponse.make(RuleList(rules: rules, cues: cues))
        }
        group.post("trial") { request, context -> Response in
            try context.requireUser().require([.hotlineOperator, .town, .district])
            struct Body: Decodable { var text: String }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            guard !body.text.isEmpty, body.text.count <= 2000 else { throw APIError.validation([.init(field: "text", message: "应为1至2000字")]) }
            let (rules, cues) = try await database.transaction { connection in try await TextRule.load(on: connection, logger: Logger(label: "text-rules")) }
            let reading = WorkOrderClassifier(rules: rules, cues: cues).classify(body.text)
            return try JSONResponse.make(Trial(
                category: reading.category.rawValue, categoryName: reading.category.chineseName, risks: reading.risks, matches: reading.matches,
                thirdParty: reading.thirdParty, confidence: reading.confidence, explanation: reading.explanation))
        }
        group.put(":id") { request, context -> Response in
            let user = try context.requireUser()
            guard user.role == .district else { throw APIError(status: .forbidden, code: "forbidden", message: "only the district edits the reading's rules") }
            let id = try context.parameters.require("id")
            struct Body: Decodable {
                var name: String
                var category: String
                var risk: String?
                var phrases: [String]
                var unless: [String]?
                var weight: Double
                var enabled: Bool
            }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            var problems: [APIError.FieldProblem] = []
            if id.isEmpty || id.count > 60 || !id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) {
                problems.append(.init(field: "id", message: "应为字母、数字和连字符"))
            }
            if body.name.trimmingCharacters(in: .whitespaces).isEmpty { problems.append(.init(field: "name", message: "必填")) }
            let category = WorkOrderCategory(rawValue: body.category)
            if category == nil || category == .irrelevant { problems.append(.init(field: "category", message: "应为 risk、complaint 或 dispute")) }
            if category == .risk, DifficultyType(rawValue: body.risk ?? "") == nil { problems.append(.init(field: "risk", message: "风险规则须填写已知的风险类型")) }
            if category != .risk, body.risk != nil { problems.append(.init(field: "risk", message: "只有风险规则填写风险类型")) }
            if body.phrases.isEmpty || body.phrases.contains(where: { $0.isEmpty || $0.count > 20 }) {
                problems.append(.init(field: "phrases", message: "至少一个词，每个1至20字"))
            }
            if (body.unless ?? []).contains(where: { $0.isEmpty || $0.count > 20 }) { problems.append(.init(field: "unless", message: "每个词1至20字")) }
            if !(body.weight > 0 && body.weight <= 1) { problems.append(.init(field: "weight", message: "应大于0且不大于1")) }
            if !problems.isEmpty { throw APIError.validation(problems) }
            try await database.query("""
                INSERT INTO text_rules (id, name, category, risk, phrases, unless_phrases, weight, enabled, updated_by)
                VALUES (\(id), \(body.name), \(body.category), \(body.risk), \(body.phrases), \(body.unless ?? []), \(body.weight), \(body.enabled), \(user.id))
                ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, category = EXCLUDED.category, risk = EXCLUDED.risk, phrases = EXCLUDED.phrases,
                    unless_phrases = EXCLUDED.unless_phrases, weight = EXCLUDED.weight, enabled = EXCLUDED.enabled, updated_by = EXCLUDED.updated_by,
                    updated_at = now()
                """)
            let (rules, cues) = try await database.transaction { connection in
                try await TextRule.load(on: connection, includingDisabled: true, logger: Logger(label: "text-rules"))
            }
            return try JSONResponse.make(RuleList(rules: rules, cues: cues))
        }
    }

    struct RuleList: Encodable {
        var rules: [TextRule]
        var cues: [TextCue]
    }
}
