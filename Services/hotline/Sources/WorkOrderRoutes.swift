import Foundation
import Hummingbird
import LifelineAuth
import LifelinePersistence
import LifelineRuntime

/// `GET /v1/work-orders/{number}`: a work order's state, for hotline operators and officials.
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
        var leadId: String
        var receivedAt: Date
        var recordedAt: Date
    }

    func add(to router: Router<LifelineRequestContext>) {
        router.group("v1/work-orders").add(middleware: BearerAuthMiddleware(keys: tokenKeys)).get(":number") { _, context -> Response in
            let user = try context.requireUser()
            try user.require([.hotlineOperator, .town, .district])
            let number = try context.parameters.require("number")
            let rows = try await database.query("""
                SELECT order_number, channel, village_code, lead_id, received_at, recorded_at FROM work_orders WHERE order_number = \(number)
                """)
            for try await (order, channel, village, lead, receivedAt, recordedAt) in rows.decode((String, String, String, String, Date, Date).self) {
                if user.role != .hotlineOperator { try user.requireJurisdiction(over: village) }
                return try JSONResponse.make(WorkOrderView(
                    orderNumber: order, channel: channel, villageCode: village, leadId: lead, receivedAt: receivedAt, recordedAt: recordedAt))
            }
            throw APIError.notFound("work order")
        }
    }
}
