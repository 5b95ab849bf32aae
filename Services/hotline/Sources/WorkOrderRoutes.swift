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
        var villageCode: String?
        var householdId: String?
        /// How the household was found: `source`, `idNumber`, `phone`, `name`, or `none` (triage).
        var resolvedBy: String
        var leadId: String?
        /// Every order of the lead (this one and its repeats, merged into one lead), oldest first.
        var leadOrders: [String]
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
        router.group("v1/work-orders").add(middleware: BearerAuthMiddleware(keys: tokenKeys)).get(":number") { request, context -> Response in
            let user = try context.requireUser()
            try user.require([.hotlineOperator, .town, .district])
            let number = try context.parameters.require("number")
            // Order numbers are unique per channel: `?channel=` picks one when two channels used the same number.
            let channel = request.uri.queryParameters.get("channel")
            let rows = try await database.query("""
                SELECT order_number, channel, village_code, household_id, resolved_by, lead_id, category, risks, matches::text, third_party, confidence,
                       received_at, recorded_at,
                       ARRAY(SELECT o.order_number FROM work_orders o WHERE o.lead_id = w.lead_id ORDER BY o.received_at, o.order_number)
                FROM work_orders w WHERE order_number = \(number) AND (\(channel)::text IS NULL OR channel = \(channel)) LIMIT 2
                """)
            var views: [WorkOrderView] = []
            for try await c in rows.decode((String, String, String?, String?, String, String?, String, [String], String, Bool, Double, Date, Date, [String]).self) {
                if user.role != .hotlineOperator {
                    // An order no village was found for is the district's to triage.
                    if let village = c.2 { try user.requireJurisdiction(over: village) } else { try user.require([.district]) }
                }
                let category = WorkOrderCategory(rawValue: c.6) ?? .risk
                let matches = (try? JSONDecoder().decode([WorkOrderClassifier.Match].self, from: Data(c.8.utf8))) ?? []
                let reading = WorkOrderClassifier.Classification(category: category, risks: c.7, matches: matches, thirdParty: c.9, confidence: c.10)
                views.append(WorkOrderView(
                    orderNumber: c.0, channel: c.1, villageCode: c.2, householdId: c.3, resolvedBy: c.4, leadId: c.5, leadOrders: c.13, category: category.rawValue,
                    categoryName: category.chineseName, risks: c.7, thirdParty: c.9, confidence: c.10, explanation: reading.explanation,
                    receivedAt: c.11, recordedAt: c.12))
            }
            guard views.count < 2 else {
                throw APIError(status: .conflict, code: "ambiguous_order_number", message: "two channels use this order number: add ?channel=")
            }
            guard let view = views.first else { throw APIError.notFound("work order") }
            return try JSONResponse.make(view)
        }
    }
}
