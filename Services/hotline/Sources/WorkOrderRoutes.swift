import Foundation
import Hummingbird
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime
import Logging

/// Work orders over HTTP: one order's state and reading (`GET /v1/work-orders/{number}`), a town's
/// list of its orders by status (`GET /v1/work-orders`), and the town's reply to a complaint or dispute
/// (`POST /v1/work-orders/{number}/reply`), which the source relays to the caller.
struct WorkOrderRoutes: Sendable {
    let database: Database
    let tokenKeys: TokenKeys
    let publisher: EventPublisher

    init(dependencies: ServiceDependencies) {
        database = dependencies.database
        tokenKeys = dependencies.tokenKeys
        publisher = dependencies.publisher
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
        var dueAt: Date
        /// `open`, `dueSoon` (临期), `overdue` (超期) or `closed` (finally answered).
        var status: String
        var finalOutcome: String?
        var urgedCount: Int
        var reopenedCount: Int
        /// The caller's satisfaction at the source's callback (回访), when reported.
        var satisfied: Bool?
    }

    static let columns = """
        order_number, channel, village_code, household_id, resolved_by, lead_id, category, risks, matches::text, third_party, confidence,
        received_at, recorded_at, ARRAY(SELECT o.order_number FROM work_orders o WHERE o.lead_id = w.lead_id ORDER BY o.received_at, o.order_number),
        due_at, final_outcome, overdue_flagged_at IS NOT NULL, due_soon_flagged_at IS NOT NULL, urged_count, reopened_count, satisfied
        """

    static func views(_ rows: PostgresRowSequence) async throws -> [WorkOrderView] {
        var views: [WorkOrderView] = []
        for try await row in rows {
            let c = try row.decode((String, String, String?, String?, String, String?, String, [String], String, Bool, Double, Date, Date, [String]).self)
            let tail = row.makeRandomAccess()
            let d = (
                try tail[14].decode(Date.self), try tail[15].decode(String?.self), try tail[16].decode(Bool.self), try tail[17].decode(Bool.self),
                try tail[18].decode(Int.self), try tail[19].decode(Int.self), try tail[20].decode(Bool?.self))
            let category = WorkOrderCategory(rawValue: c.6) ?? .risk
            let matches = (try? JSONDecoder().decode([WorkOrderClassifier.Match].self, from: Data(c.8.utf8))) ?? []
            let reading = WorkOrderClassifier.Classification(category: category, risks: c.7, matches: matches, thirdParty: c.9, confidence: c.10)
            let status = d.1 != nil ? "closed" : d.2 ? "overdue" : d.3 ? "dueSoon" : "open"
            views.append(WorkOrderView(
                orderNumber: c.0, channel: c.1, villageCode: c.2, householdId: c.3, resolvedBy: c.4, leadId: c.5, leadOrders: c.13, category: category.rawValue,
                categoryName: category.chineseName, risks: c.7, thirdParty: c.9, confidence: c.10, explanation: reading.explanation,
                receivedAt: c.11, recordedAt: c.12, dueAt: d.0, status: status, finalOutcome: d.1, urgedCount: d.4, reopenedCount: d.5, satisfied: d.6))
        }
        return views
    }

    func add(to router: Router<LifelineRequestContext>) {
        let group = router.group("v1/work-orders").add(middleware: BearerAuthMiddleware(keys: tokenKeys))
        group.get(":number") { request, context -> Response in
            let user = try context.requireUser()
            try user.require([.hotlineOperator, .town, .district])
            let views = try await find(try context.parameters.require("number"), channel: request.uri.queryParameters.get("channel"), user: user)
            return try JSONResponse.make(views[0])
        }
        group.get { request, context -> Response in
            let user = try context.requireUser()
            try user.require([.town, .district])
            let query = request.uri.queryParameters
            let status = query.get("status") ?? "open"
            guard ["open", "dueSoon", "overdue", "closed", "all"].contains(status) else {
                throw APIError.validation([.init(field: "status", message: "应为 open、dueSoon、overdue、closed 或 all")])
            }
            let category = query.get("category")
            if let category, WorkOrderCategory(rawValue: category) == nil {
                throw APIError.validation([.init(field: "category", message: "应为 risk、complaint、dispute 或 irrelevant")])
            }
            // A town sees the orders of its villages; the district all, and those no village was found for.
            let region = user.role == .district ? "" : DivisionCode.significantPrefix(user.region)
            let condition: String =
                switch status {
                case "open": "final_outcome IS NULL"
                case "dueSoon": "final_outcome IS NULL AND due_soon_flagged_at IS NOT NULL AND overdue_flagged_at IS NULL"
                case "overdue": "final_outcome IS NULL AND overdue_flagged_at IS NOT NULL"
                case "closed": "final_outcome IS NOT NULL"
                default: "true"
                }
            let rows = try await database.query(PostgresQuery(unsafeSQL: """
                SELECT \(Self.columns) FROM work_orders w
                WHERE \(condition) AND ($1 = '' OR village_code LIKE $1 || '%') AND ($2::text IS NULL OR category = $2)
                ORDER BY due_at, order_number LIMIT 500
                """, binds: try Self.binds(region, category)))
            return try JSONResponse.make(["orders": try await Self.views(rows)])
        }
        group.post(":number/reply") { request, context -> Response in
            let user = try context.requireUser()
            try user.require([.town, .district])
            let number = try context.parameters.require("number")
            let order = try await find(number, channel: request.uri.queryParameters.get("channel"), user: user)[0]
            struct Body: Decodable { var message: String }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            let message = body.message.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (5...500).contains(message.count) else { throw APIError.validation([.init(field: "message", message: "答复应为5至500字")]) }
            // A risk is answered by review's decision; the town answers the others (complaints, disputes,
            // and a reopened order out of scope).
            guard order.category != "risk" else {
                throw APIError(status: .conflict, code: "answered_by_review", message: "风险类工单由审核结论答复，镇街不另行答复")
            }
            guard order.finalOutcome == nil else { throw APIError(status: .conflict, code: "already_answered", message: "该工单已有最终答复") }
            try await database.transaction { connection in
                let closed = try await connection.query("""
                    UPDATE work_orders SET final_outcome = 'townReplied', answered_at = now()
                    WHERE channel = \(order.channel) AND order_number = \(order.orderNumber) AND final_outcome IS NULL RETURNING 1
                    """, logger: Logger(label: "work-orders"))
                var first = false
                for try await _ in closed { first = true }
                // Two replies at once: the second finds it answered.
                guard first else { throw APIError(status: .conflict, code: "already_answered", message: "该工单已有最终答复") }
                try await publisher.publish(WorkOrderAnswered(
                    orderNumber: order.orderNumber, channel: HotlineChannel(uncheckedRawValue: order.channel), outcome: .handled, message: message,
                    leadId: nil, answeredAt: Date()
                ), on: connection)
            }
            return try JSONResponse.make(try await find(number, channel: order.channel, user: user)[0])
        }
    }

    /// The order (one), checked against the caller's jurisdiction.
    private func find(_ number: String, channel: String?, user: AuthenticatedUser) async throws -> [WorkOrderView] {
        // Order numbers are unique per channel: `?channel=` picks one when two channels used the same number.
        let rows = try await database.query(PostgresQuery(unsafeSQL: """
            SELECT \(Self.columns) FROM work_orders w WHERE order_number = $1 AND ($2::text IS NULL OR channel = $2) LIMIT 2
            """, binds: try Self.binds(number, channel)))
        let views = try await Self.views(rows)
        for view in views where user.role != .hotlineOperator {
            // An order no village was found for is the district's to triage.
            if let village = view.villageCode { try user.requireJurisdiction(over: village) } else { try user.require([.district]) }
        }
        guard views.count < 2 else {
            throw APIError(status: .conflict, code: "ambiguous_order_number", message: "two channels use this order number: add ?channel=")
        }
        guard !views.isEmpty else { throw APIError.notFound("work order") }
        return views
    }

    static func binds(_ first: String, _ second: String?) throws -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(first)
        binds.append(second)
        return binds
    }
}
