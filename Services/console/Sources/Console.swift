import Foundation
import NIOCore
import HTTPTypes
import Hummingbird
import LifelineAuth
import LifelineRuntime
import Logging

/// The console's request handling: sessions, form tokens, the layout around each page, and the routes
/// of every page (the pages themselves live in `Pages/`).
struct Console: Sendable {
    let settings: ConsoleSettings
    let backends: Backends
    let renderer: PageRenderer
    let logger: Logger
    /// Set when notification did not answer the unread count: pages skip the count for 30 s.
    let notificationQuiet = QuietPeriod(length: 30)

    /// What a page handler answers.
    enum Outcome {
        case page(template: String, title: String, values: [String: Any], status: HTTPResponse.Status = .ok)
        case redirect(String)
        /// A redirect that also changes what the session cookie keeps (e.g. the latest jobs).
        case redirectUpdating(String, session: @Sendable (inout ConsoleSession) -> Void)
    }

    /// A signed-in official on this request.
    struct SignedIn: @unchecked Sendable {
        var session: ConsoleSession
        /// Set when this request refreshed the access token: the cookie to send back.
        var renewed: Bool
        var token: String { session.accessToken ?? "" }
        var role: Role { session.role }
        var region: String { session.region }
        var isOfficial: Bool { [.village, .town, .district, .admin].contains(role) }
    }

    func addRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("health/live") { _, _ in Response(status: .ok) }
        // Prometheus text: requests by route (Hummingbird's `hb_requests`, `http_server_request_duration`) and
        // calls to the services (`lifeline_console_backend_call_seconds` by service and outcome). No personal data.
        router.get("metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: MetricsSetup.render())))
        }
        // Ready when accounts answers: without it nobody can sign in or keep a session.
        router.get("health/ready") { _, _ in
            let live = try? await backends.accounts.get("/health/live", token: nil)
            return Response(status: live?.ok == true ? .ok : .serviceUnavailable)
        }
        router.get("assets/:name") { _, context in try Assets.response(for: context.parameters.get("name") ?? "") }
        router.get("favicon.ico") { _, _ in Response(status: .noContent) }
        addSignInRoutes(to: router)
        router.get("/") { request, context in
            try await respond(request, context) { try await home($0, notice: request.uri.queryParameters.get("notice").map { String($0) }) }
        }
        addCaseRoutes(to: router)
        addObjectionRoute(to: router)
        router.get("dashboard") { request, context in try await respond(request, context) { try await dashboard($0) } }
        addInboxRoutes(to: router)
        addHouseholdRoutes(to: router)
        addAccountRoutes(to: router)
        addDownloadRoutes(to: router)
        addClaimRoutes(to: router)
        addUploadRoutes(to: router)
        addTownRoutes(to: router)
        addMeetingRoutes(to: router)
        addRecheckRoutes(to: router)
        addStandardsRoutes(to: router)
        addClaimFilingRoutes(to: router)
        addCertificationRoutes(to: router)
        addImportRoutes(to: router)
        addPosterRoutes(to: router)
        addVillageHouseholdRoutes(to: router)
    }

    // MARK: Sessions

    /// The official signed in on this request, refreshing the access token when it is about to expire;
    /// nil (with the redirect to answer) when there is none or it ended.
    func signedIn(_ request: Request) async -> (SignedIn?, redirect: String?) {
        guard let cookie = request.cookies[ConsoleSession.cookieName]?.value, var session = ConsoleSession.open(cookie, with: settings.sessionKey) else {
            return (nil, "/sign-in")
        }
        if session.passwordChangeRequired { return (SignedIn(session: session, renewed: false), nil) }
        if let expires = session.accessExpiresAt, expires.timeIntervalSinceNow > 60, session.accessToken != nil {
            return (SignedIn(session: session, renewed: false), nil)
        }
        let answer = try? await backends.accounts.post("/v1/session/refresh", json: ["sessionToken": session.sessionToken], token: nil, timeout: .seconds(5))
        // Only accounts' verdict on the session (400 malformed, 401 ended, 403 disabled) signs the official
        // out; no answer, a 5xx, 429 or anything else says nothing about the session.
        guard let answer, answer.ok || [400, 401, 403].contains(answer.status) else {
            // Keep the session: the token still valid serves until it expires; after that the official is
            // asked to wait, not to sign in.
            if let expires = session.accessExpiresAt, expires.timeIntervalSinceNow > 5, session.accessToken != nil {
                return (SignedIn(session: session, renewed: false), nil)
            }
            return (nil, Self.accountsUnavailable)
        }
        guard answer.ok, let token = answer.json["accessToken"] as? String else {
            return (nil, answer.code == "account_disabled" ? "/sign-in?reason=disabled" : "/sign-in?reason=expired")
        }
        session.accessToken = token
        session.accessExpiresAt = Date().addingTimeInterval(TimeInterval(answer.json["expiresIn"] as? Int ?? 900))
        return (SignedIn(session: session, renewed: true), nil)
    }

    /// The answer of `signedIn(_:)` while accounts cannot refresh a session: not a sign-out, the
    /// session cookie stays.
    static let accountsUnavailable = "/sign-in?reason=unavailable"

    /// The page shown while accounts cannot refresh the session (the cookie is kept).
    func accountsUnavailablePage(_ request: Request) -> Response {
        render(
            .page(
                template: "error", title: "服务暂不可用",
                values: ["heading": "账号服务暂时无法访问", "message": "您的登录仍然有效，请稍后刷新页面重试。"], status: .serviceUnavailable),
            request: request, signedIn: nil)
    }

    /// The official of a route that answers something other than a page (a download, an upload): the
    /// redirect to answer instead when there is no session, or while the initial password is unchanged.
    func signedInOrRedirect(_ request: Request) async -> (SignedIn?, Response?) {
        let (found, redirect) = await signedIn(request)
        guard let signedIn = found else {
            if redirect == Self.accountsUnavailable { return (nil, accountsUnavailablePage(request)) }
            return (nil, Response.redirect(to: redirect ?? "/sign-in", type: .found))
        }
        if signedIn.session.passwordChangeRequired { return (nil, Response.redirect(to: "/password", type: .found)) }
        return (signedIn, nil)
    }

    func sessionCookie(_ session: ConsoleSession?) -> Cookie {
        let value = (try? session?.sealed(with: settings.sessionKey)) ?? ""
        // The cookie lives as long as the accounts session it holds.
        let lifetime = session.map { max(60, Int(($0.sessionExpiresAt ?? Date().addingTimeInterval(12 * 3600)).timeIntervalSinceNow)) } ?? 0
        return try! Cookie.validated(
            name: ConsoleSession.cookieName, value: value, maxAge: lifetime, path: "/", secure: settings.secureCookies, httpOnly: true,
            sameSite: .strict)
    }

    /// Runs a signed-in page: redirects to sign-in when there is no session, to the password page while
    /// the initial password is unchanged, answers 403 for a role not in `roles`, and for a POST checks
    /// the form token and the request's origin first.
    func respond(
        _ request: Request, _ context: ConsoleRequestContext, roles: Set<Role>? = nil, form: FormData? = nil,
        _ handler: (SignedIn) async throws -> Outcome
    ) async throws -> Response {
        let (found, redirect) = await signedIn(request)
        guard let signedIn = found else {
            if redirect == Self.accountsUnavailable { return accountsUnavailablePage(request) }
            var response = Response.redirect(to: redirect ?? "/sign-in", type: .found)
            response.setCookie(sessionCookie(nil))
            return response
        }
        if signedIn.session.passwordChangeRequired { return Response.redirect(to: "/password", type: .found) }
        if request.method == .post {
            guard let form, formTokenMatches(form, expected: signedIn.session.formToken), originMatches(request) else {
                return render(.page(template: "error", title: "请求无效", values: Self.refusedForm, status: .forbidden), request: request, signedIn: signedIn)
            }
        }
        if let roles, !roles.contains(signedIn.role) {
            return render(
                .page(template: "error", title: "无权访问", values: ["heading": "无权访问", "message": "您的账号角色不能使用这个页面。"], status: .forbidden),
                request: request, signedIn: signedIn)
        }
        let outcome: Outcome
        do {
            outcome = try await handler(signedIn)
        } catch let error as Backend.Unreachable {
            logger.warning("backend unreachable", metadata: ["service": "\(error.service)"])
            outcome = .page(
                template: "error", title: "服务暂不可用", values: ["heading": "服务暂不可用", "message": "后台服务暂时无法访问，请稍后重试。"],
                status: .serviceUnavailable)
        }
        var unread: Int?
        if case .page = outcome { unread = await unreadCount(signedIn) }
        return render(outcome, request: request, signedIn: signedIn, unread: unread)
    }

    /// The official's unread messages for the badge beside 消息; nil when notification cannot say.
    func unreadCount(_ signedIn: SignedIn) async -> Int? {
        guard !notificationQuiet.isQuiet else { return nil }
        do {
            let answer = try await backends.notification.get("/v1/inbox/unread-count", token: signedIn.token, timeout: .seconds(2))
            return answer.ok ? answer.json["unread"] as? Int : nil
        } catch {
            notificationQuiet.start()
            return nil
        }
    }

    nonisolated(unsafe) static let refusedForm: [String: Any] = [
        "heading": "请求已失效", "message": "表单已过期或来源不明，请返回页面刷新后重新提交。", "csrfRefused": true,
    ]

    func render(_ outcome: Outcome, request: Request, signedIn: SignedIn?, unread: Int? = nil) -> Response {
        var response: Response
        switch outcome {
        case .redirect(let location):
            response = Response.redirect(to: location, type: .normal)
        case .redirectUpdating(let location, let update):
            response = Response.redirect(to: location, type: .normal)
            if var session = signedIn?.session {
                update(&session)
                response.setCookie(sessionCookie(session))
                return response
            }
        case .page(let template, let title, var values, let status):
            values["formToken"] = signedIn?.session.formToken ?? ""
            var frame = layout(signedIn, path: request.uri.path)
            frame["refreshSeconds"] = values["refreshSeconds"]
            if let unread, unread > 0, var nav = frame["nav"] as? [[String: Any]], let inbox = nav.firstIndex(where: { $0["href"] as? String == "/inbox" }) {
                nav[inbox]["count"] = unread
                frame["nav"] = nav
            }
            response = renderer.page(template, title: title, values: values, layout: frame, status: status)
        }
        if let signedIn, signedIn.renewed { response.setCookie(sessionCookie(signedIn.session)) }
        return response
    }

    func formTokenMatches(_ form: FormData, expected: String) -> Bool {
        guard let given = form["_csrf"], !expected.isEmpty else { return false }
        return Array(given.utf8).count == Array(expected.utf8).count && zip(given.utf8, expected.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// A browser's form post names its origin; one from another site is refused.
    func originMatches(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }

    // MARK: Layout

    func layout(_ signedIn: SignedIn?, path: String) -> [String: Any] {
        guard let signedIn else { return ["signedIn": false] }
        let session = signedIn.session
        var nav: [[String: Any]] = [["href": "/", "label": "首页"]]
        if [.village, .town, .district, .admin, .insurer].contains(session.role) { nav.append(["href": "/dashboard", "label": "统计"]) }
        if Self.townLevels.contains(session.role) {
            nav.append(["href": "/verification", "label": "核实"])
            nav.append(["href": "/work-orders", "label": "热线"])
        }
        if session.role == .village {
            nav.append(["href": "/households", "label": "农户"])
            nav.append(["href": "/meetings", "label": "议事"])
        }
        if Self.standardReaders.contains(session.role) { nav.append(["href": "/standards", "label": "标准"]) }
        if Self.claimReaders.contains(session.role) { nav.append(["href": "/claims", "label": "理赔"]) }
        if Self.uploaders.contains(session.role) { nav.append(["href": "/uploads", "label": "数据上传"]) }
        if Self.importers.contains(session.role) { nav.append(["href": "/imports", "label": "户籍导入"]) }
        if Self.posterViewers.contains(session.role) { nav.append(["href": "/posters", "label": "海报"]) }
        nav.append(["href": "/inbox", "label": "消息"])
        if session.administrator || session.role == .admin { nav.append(["href": "/accounts", "label": "账号"]) }
        for index in nav.indices { nav[index]["current"] = (nav[index]["href"] as? String) == path }
        return [
            "signedIn": true, "userName": session.name, "roleName": session.role.chineseName, "regionName": session.regionName ?? session.region,
            "nav": nav, "formToken": session.formToken, "canChangePassword": !session.passwordChangeRequired,
        ]
    }

    /// The `X-Forwarded-For` the console sends to accounts, as a proxy does: the chain it received with
    /// its own peer appended. Accounts walks it from the right through its `TRUSTED_PROXIES` (the
    /// console, and the district's TLS proxy in front of it) to the official's own address, for its
    /// sign-in limit and audit.
    func forwardedFor(_ request: Request, _ context: ConsoleRequestContext) -> String? {
        let received = request.headers[HTTPField.Name("X-Forwarded-For")!]
        return [received, context.remoteAddress].compactMap { $0 }.joined(separator: ", ")
    }
}

/// The console's stylesheet and images, served from the bundle (nothing from the internet).
enum Assets {
    static let types = ["css": "text/css; charset=utf-8", "svg": "image/svg+xml"]

    static func response(for name: String) throws -> Response {
        let parts = name.split(separator: ".")
        guard parts.count == 2, parts[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }), let type = types[String(parts[1])],
            let url = Bundle.module.url(forResource: "public/\(name)", withExtension: nil), let data = FileManager.default.contents(atPath: url.path)
        else { return Response(status: .notFound) }
        return Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=3600"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
