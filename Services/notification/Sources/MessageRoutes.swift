import Foundation
import Hummingbird
import LifelineAuth
import LifelineEvents
import LifelinePersistence
import LifelineRuntime

/// `GET /v1/messages?villageCode=…` (a village's inbox and the messages sent about its households)
/// and `GET /v1/messages?caseId=…`, for officials within their jurisdiction. Phone numbers are masked.
struct MessageRoutes: Sendable {
    let database: Database
    let tokenKeys: TokenKeys

    init(dependencies: ServiceDependencies) {
        database = dependencies.database
        tokenKeys = dependencies.tokenKeys
    }

    struct MessageView: Encodable {
        var messageId: String
        var caseId: String
        var villageCode: String
        var recipientKind: String
        var recipient: String
        var channel: String
        var body: String
        var status: String
        var createdAt: Date
    }

    func add(to router: Router<LifelineRequestContext>) {
        router.group("v1/messages").add(middleware: BearerAuthMiddleware(keys: tokenKeys)).get { request, context -> Response in
            let user = try context.requireUser()
            try user.require([.village, .town, .district])
            let messages: [MessageView]
            if let caseId = request.uri.queryParameters.get("caseId") {
                messages = try await load(PostgresQuery(unsafeSQL: "WHERE case_id = $1 ORDER BY created_at", binds: binds(caseId)))
            } else if let village = request.uri.queryParameters.get("villageCode"), DivisionCode.isValid(village) {
                try user.requireJurisdiction(over: village)
                let prefix = DivisionCode.significantPrefix(village) + "%"
                messages = try await load(PostgresQuery(unsafeSQL: "WHERE village_code LIKE $1 ORDER BY created_at DESC LIMIT 200", binds: binds(prefix)))
            } else {
                throw APIError(status: .badRequest, code: "validation_failed", message: "give caseId or a valid villageCode", field: "villageCode")
            }
            let visible = messages.filter { user.covers(region: $0.villageCode) }
            return try JSONResponse.make(["messages": visible])
        }
    }

    private func binds(_ value: String) -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(value)
        return bindings
    }

    private func load(_ filter: PostgresQuery) async throws -> [MessageView] {
        let query = PostgresQuery(
            unsafeSQL: "SELECT id, case_id, village_code, recipient_kind, recipient_address, channel, body, status, created_at FROM messages \(filter.sql)",
            binds: filter.binds)
        var views: [MessageView] = []
        for try await row in try await database.query(query) {
            let (id, caseId, village, kind, address, channel, body, status, createdAt) = try row.decode(
                (String, String, String, String, String, String, String, String, Date).self)
            views.append(MessageView(
                messageId: id, caseId: caseId, villageCode: village, recipientKind: kind,
                recipient: channel == "sms" ? MobileNumber.masked(address) : address, channel: channel, body: body, status: status,
                createdAt: createdAt))
        }
        return views
    }
}
