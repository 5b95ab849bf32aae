import Foundation
import Hummingbird
import LifelineAuth
import LifelinePersistence
import LifelineRuntime

/// `GET /v1/work-orders/{number}`: a work order's state and its reading, for hotline operators and
/// officials.
struct WorkOrderRoutes: Sendable {
    let database: Database
    let tokenKeys: TokenKeys

    init(dependencies: ServiceDependencies) {
        database = dependencies.database
        tokenKeys = dependencies.tokenKeys
    }

    struct WorkOrderView: Encodable {
        var orderNumber: String
        var channel: String
        var villageCode: String
        var leadId: String?
        var category: String
        var categoryName: String
        var risks: [String]
        var thirdParty: Bool
        var confidence: Double
        var explanation: String
        var receivedAt: Date
        var recordedAt: Date
    }

    func add(to router: Router<LifelineRequestContext>) {
        router.group("v1/work-orders").add(middleware: BearerAuthMiddleware(keys: tokenKeys)).get(":number") { _, context -> Response in
            let user = try context.requireUser()
            try user.require([.hotlineOperator, .town, .district])
            let number = try context.parameters.require("number")
            let rows = try await database.query("""
                SELECT order_number, channel, village_code, lead_id, category, risks, matches::text, third_party, confidence, received_at, recorded_at
                FROM work_orders WHERE order_number = \(number)
                """)
            for try await c in rows.decode((String, String, String, String?, String, [String], String, Bool, Double, Date, Date).self) {
                if user.role != .hotlineOperator { try user.requireJurisdiction(over: c.2) }
                let category = WorkOrderCategory(rawValue: c.4) ?? .risk
                let matches = (try? JSONDecoder().decode([WorkOrderClassifier.Match].self, from: Data(c.6.utf8))) ?? []
                let reading = WorkOrderClassifier.Classification(category: category, risks: c.5, matches: matches, thirdParty: c.7, confidence: c.8)
                return try JSONResponse.make(WorkOrderView(
                    orderNumber: c.0, channel: c.1, villageCode: c.2, leadId: c.3, category: category.rawValue, categoryName: category.chineseName,
                    risks: c.5, thirdParty: c.7, confidence: c.8, explanation: reading.explanation, receivedAt: c.9, recordedAt: c.10))
            }
            throw APIError.notFound("work order")
        }
    }
}
