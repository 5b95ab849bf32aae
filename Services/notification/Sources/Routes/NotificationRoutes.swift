import Foundation
import HTTPTypes
import Hummingbird
import LifelineAuth
import LifelineEvents
import LifelinePersistence
import LifelineRuntime

/// Notification's HTTP API (docs/openapi.yaml): messages and their status for officials, each staff
/// member's inbox, the templates the district edits, the offices' e-mail addresses. Mounted under
/// `/v1` behind the bearer-token middleware.
struct NotificationRoutes: Sendable {
    let messages: MessageStore
    let templates: TemplateStore
    /// The SMS signature, for previews.
    let signature: String

    static let officials: Set<Role> = [.village, .town, .district, .insurer]

    func add(to group: RouterGroup<LifelineRequestContext>) {
        group.get("messages") { request, context -> Response in
            let user = try context.requireUser()
            try user.require(Self.officials)
            let query = request.uri.queryParameters
            // The caller's reach in the query itself, so that a limit counts only what they may see.
            let reach: MessageStore.Reach = switch user.role {
            case .insurer: .insurer
            case .admin: .all
            default: .region(user.region)
            }
            let found: [MessageStore.MessageView]
            if let caseId = query.get("caseId").map({ String($0) }) {
                found = try await messages.messages(where: "WHERE case_id = \(caseId)", reach: reach, order: "ORDER BY created_at, id")
            } else if let household = query.get("householdId").map({ String($0) }) {
                found = try await messages.messages(where: "WHERE household_id = \(household)", reach: reach, order: "ORDER BY created_at DESC, id LIMIT 500")
            } else if let village = query.get("villageCode").map({ String($0) }), DivisionCode.isValid(village) {
                try user.requireJurisdiction(over: village)
                let prefix = DivisionCode.significantPrefix(village) + "%"
                found = try await messages.messages(where: "WHERE village_code LIKE \(prefix)", reach: reach, order: "ORDER BY created_at DESC, id LIMIT 200")
            } else if let status = query.get("status").map({ String($0) }), ["queued", "sent", "delivered", "failed"].contains(status) {
                found = try await messages.messages(where: "WHERE status = \(status)", reach: reach, order: "ORDER BY created_at DESC, id LIMIT 500")
            } else {
                throw APIError.validation([.init(field: "caseId", message: "请给出 caseId、householdId、villageCode 或 status 之一")])
            }
            return try JSONResponse.make(["messages": found.filter { MessageStore.visible($0, to: user) }])
        }
        group.get("messages/:id") { _, context -> Response in
            let user = try context.requireUser()
            try user.require(Self.officials)
            let id = try context.parameters.require("id")
            guard let message = try await messages.messages(where: "WHERE id = \(id)", reach: .all, order: "").first,
                MessageStore.visible(message, to: user)
            else {
                throw NotificationError(.notFound, "没有这条消息").apiError
            }
            return try JSONResponse.make(message)
        }

        group.get("inbox") { request, context -> Response in
            let user = try context.requireUser()
            let boxes = try Self.boxes(for: user, office: request.uri.queryParameters.get("office").map { String($0) })
            let unreadOnly = request.uri.queryParameters.get("unread").map { $0 == "true" } ?? false
            let limitText = request.uri.queryParameters.get("limit").map { String($0) } ?? "50"
            guard let limit = Int(limitText), (1...500).contains(limit) else {
                throw APIError.validation([.init(field: "limit", message: "应为1到500之间的整数")])
            }
            let (entries, unread) = try await messages.inbox(boxes, reader: user.id, unreadOnly: unreadOnly, limit: limit)
            struct Answer: Encodable { var messages: [MessageStore.InboxEntry]; var unread: Int }
            return try JSONResponse.make(Answer(messages: entries, unread: unread))
        }
        group.get("inbox/unread-count") { request, context -> Response in
            let user = try context.requireUser()
            let boxes = try Self.boxes(for: user, office: request.uri.queryParameters.get("office").map { String($0) })
            return try JSONResponse.make(["unread": try await messages.unreadCount(boxes, reader: user.id)])
        }
        group.post("inbox/read-all") { _, context -> Response in
            let user = try context.requireUser()
            return try JSONResponse.make(["marked": try await messages.markAllRead(boxes: MessageStore.mailboxes(of: user), reader: user.id)])
        }
        group.post("inbox/:id/read") { _, context -> Response in
            let user = try context.requireUser()
            let id = try context.parameters.require("id")
            try await answeringNotificationErrors { try await messages.markRead(id, boxes: MessageStore.mailboxes(of: user), reader: user.id) }
            return Response(status: .noContent)
        }

        group.get("templates") { _, context -> Response in
            try context.requireUser().require([.district])
            struct Entry: Encodable {
                var key: String, version: Int, title: String, body: String, createdBy: String, createdAt: Date
                var fields: [String], optionalFields: [String]
            }
            let entries = try await templates.all().map { version in
                let catalog = TemplateCatalog.entries[version.key]
                return Entry(
                    key: version.key, version: version.version, title: version.title, body: version.body, createdBy: version.createdBy,
                    createdAt: version.createdAt, fields: (catalog?.always ?? []).sorted(),
                    optionalFields: ((catalog?.sometimes ?? []).union(TemplateCatalog.placeNames)).sorted())
            }
            return try JSONResponse.make(["templates": entries])
        }
        group.get("templates/:key") { _, context -> Response in
            try context.requireUser().require([.district])
            let key = try context.parameters.require("key")
            let versions = try await templates.versions(of: key)
            guard !versions.isEmpty else { throw NotificationError(.notFound, "没有这个模板").apiError }
            return try JSONResponse.make(["versions": versions])
        }
        group.post("templates/:key/versions") { request, context -> Response in
            let user = try context.requireUser()
            try user.require([.district])
            let key = try context.parameters.require("key")
            struct Body: Decodable { var title: String; var body: String }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            let version = try await answeringNotificationErrors {
                try await templates.addVersion(of: key, title: body.title, body: body.body, by: user.id)
            }
            return try JSONResponse.make(version, status: .created)
        }
        group.post("templates/:key/preview") { request, context -> Response in
            try context.requireUser().require([.district])
            let key = try context.parameters.require("key")
            struct Body: Decodable { var body: String; var fields: [String: String] }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            guard TemplateCatalog.entries[key] != nil else { throw NotificationError(.notFound, "没有这个模板").apiError }
            let text = try await answeringNotificationErrors { () -> String in
                do throws(TemplateError) {
                    return try TemplateCatalog.check(body.body, for: key).render(body.fields)
                } catch {
                    throw NotificationError(.validationFailed, error.description, field: "body")
                }
            }
            struct Preview: Encodable { var text: String; var sms: String; var smsSegments: Int }
            let sms = SMSText.signed(text, signature: signature)
            return try JSONResponse.make(Preview(text: text, sms: sms, smsSegments: SMSText.segments(sms).count))
        }

        group.get("offices/:code/email") { _, context -> Response in
            let code = try Self.office(context, mayEdit: false)
            guard let email = try await messages.email(of: code) else { throw NotificationError(.notFound, "该单位没有登记邮箱").apiError }
            return try JSONResponse.make(["office": code, "email": email])
        }
        group.put("offices/:code/email") { request, context -> Response in
            let code = try Self.office(context, mayEdit: true)
            struct Body: Decodable { var email: String }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            let email = body.email.trimmingCharacters(in: .whitespaces)
            guard EmailAddress.isValid(email) else { throw APIError.validation([.init(field: "email", message: "邮箱地址格式不正确")]) }
            try await messages.setEmail(email, of: code, by: try context.requireUser().id)
            return try JSONResponse.make(["office": code, "email": email])
        }
        group.delete("offices/:code/email") { _, context -> Response in
            let code = try Self.office(context, mayEdit: true)
            try await messages.removeEmail(of: code)
            return Response(status: .noContent)
        }
    }

    /// The caller's own inboxes, or an office's within their jurisdiction (a town reading a village's).
    static func boxes(for user: AuthenticatedUser, office: String?) throws -> [String] {
        guard let office else { return MessageStore.mailboxes(of: user) }
        guard [.village, .town, .district].contains(user.role) || user.role == .admin else {
            throw APIError(status: .forbidden, code: "forbidden", message: "role \(user.role.rawValue) has no office inboxes to open")
        }
        guard DivisionCode.isValid(office) else { throw APIError.validation([.init(field: "office", message: "应为行政区划代码")]) }
        try user.requireJurisdiction(over: office)
        return ["office:\(DivisionCode.significantPrefix(office))"]
    }

    /// The office named in the path: a town or the district (e-mail goes to those offices); a town
    /// edits its own address, the district any of its own.
    static func office(_ context: LifelineRequestContext, mayEdit: Bool) throws -> String {
        let user = try context.requireUser()
        try user.require([.town, .district])
        let code = DivisionCode.significantPrefix(try context.parameters.require("code"))
        guard code.count == 9 || code.count == 6, code.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw APIError.validation([.init(field: "code", message: "应为镇街（9位）或区（6位）行政区划代码")])
        }
        try user.requireJurisdiction(over: code)
        return code
    }
}

/// `POST /v1/delivery-reports`: the SMS gateway tells which sent messages reached the phone. It proves
/// itself with `NOTIFY_REPORT_SECRET` in `X-Report-Secret`; without the setting the route refuses all.
struct DeliveryReportRoutes: Sendable {
    let messages: MessageStore
    let secret: String?

    func add(to router: Router<LifelineRequestContext>) {
        router.post("v1/delivery-reports") { request, context -> Response in
            guard let secret, let given = request.headers[HTTPField.Name("X-Report-Secret")!], Self.same(given, secret) else {
                throw APIError(status: .unauthorized, code: "unauthorized", message: "delivery reports need the gateway's secret")
            }
            struct Report: Decodable { var messageId: String; var status: String; var reason: String? }
            struct Body: Decodable { var reports: [Report] }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            var problems: [APIError.FieldProblem] = []
            for (index, report) in body.reports.enumerated() where !["delivered", "failed"].contains(report.status) {
                problems.append(.init(field: "reports.\(index).status", message: "应为 delivered 或 failed"))
            }
            if !problems.isEmpty { throw APIError.validation(problems) }
            var unknown = 0, early = 0
            for report in body.reports {
                do {
                    if try await messages.report(report.messageId, delivered: report.status == "delivered", reason: report.reason) == .early {
                        early += 1
                    }
                } catch let error as NotificationError where error.code == .notFound {
                    unknown += 1
                }
            }
            let counts = ["accepted": body.reports.count - unknown - early, "unknown": unknown, "notYetSent": early]
            // A report that overtook its message's "sent" is asked again (the gateway retries a 503; the
            // reports already applied are repeats then, which change nothing).
            guard early == 0 else {
                var response = try JSONResponse.make(counts, status: .serviceUnavailable)
                response.headers[.retryAfter] = "10"
                return response
            }
            return try JSONResponse.make(counts)
        }
    }

    /// Compares in time independent of where the texts differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
