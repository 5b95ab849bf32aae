import Foundation
import Hummingbird
import LifelineAuth

/// Sign-in (mobile number and password), the forced change of an initial password, and sign-out.
extension Console {
    func addSignInRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("sign-in") { request, _ in
            let reason = request.uri.queryParameters.get("reason").map { String($0) }
            let notices = [
                "expired": "登录已过期，请重新登录。", "disabled": "账号已停用，请联系管理员。", "signedOut": "您已退出登录。",
                "unavailable": "账号服务暂时无法访问，请稍后重试。", "changed": "密码已修改。",
            ]
            return signInPage(notice: reason.flatMap { notices[$0] }, error: nil, mobile: nil, request: request)
        }
        router.post("sign-in") { request, context in
            let form = try await FormData.read(request)
            guard let expected = request.cookies[ConsoleSession.formCookieName]?.value, formTokenMatches(form, expected: expected), originMatches(request)
            else {
                return renderer.page("error", title: "请求无效", values: Self.refusedForm, layout: layout(nil, path: "/sign-in"), status: .forbidden)
            }
            let mobile = form["mobile"] ?? ""
            let password = form.pairs.first { $0.0 == "password" }?.1 ?? ""
            if mobile.isEmpty || password.isEmpty {
                return signInPage(notice: nil, error: "请输入手机号码和密码", mobile: mobile, request: request, status: .badRequest)
            }
            let answer: Backend.Answer
            do {
                answer = try await backends.accounts.post(
                    "/v1/sign-in", json: ["mobile": mobile, "password": password], token: nil, forwardedFor: forwardedFor(request, context))
            } catch {
                return signInPage(notice: nil, error: "账号服务暂时无法访问，请稍后重试", mobile: mobile, request: request, status: .serviceUnavailable)
            }
            guard answer.ok, let sessionToken = answer.json["sessionToken"] as? String, let account = answer.json["account"] as? [String: Any] else {
                let message = answer.fieldProblems.first?.message ?? (answer.message.isEmpty ? "登录失败" : answer.message)
                return signInPage(notice: nil, error: message, mobile: mobile, request: request, status: HTTPResponse.Status(code: answer.status))
            }
            let session = Self.session(from: answer.json, sessionToken: sessionToken, account: account)
            var response = Response.redirect(to: session.passwordChangeRequired ? "/password" : "/", type: .normal)
            response.setCookie(sessionCookie(session))
            return response
        }
        router.get("password") { request, _ in
            let (found, redirect) = await signedIn(request)
            guard let signedIn = found else { return Response.redirect(to: redirect ?? "/sign-in", type: .found) }
            return passwordPage(signedIn, error: nil, request: request)
        }
        router.post("password") { request, context in
            let form = try await FormData.read(request)
            let (found, redirect) = await signedIn(request)
            guard let signedIn = found else { return Response.redirect(to: redirect ?? "/sign-in", type: .found) }
            guard formTokenMatches(form, expected: signedIn.session.formToken), originMatches(request) else {
                return render(.page(template: "error", title: "请求无效", values: Self.refusedForm, status: .forbidden), request: request, signedIn: signedIn)
            }
            let current = form.pairs.first { $0.0 == "currentPassword" }?.1 ?? ""
            let new = form.pairs.first { $0.0 == "newPassword" }?.1 ?? ""
            guard new == form.pairs.first(where: { $0.0 == "confirmPassword" })?.1 else {
                return passwordPage(signedIn, error: "两次输入的新密码不一致", request: request, status: .badRequest)
            }
            let answer = try await backends.accounts.post(
                "/v1/session/password", json: ["sessionToken": signedIn.session.sessionToken, "currentPassword": current, "newPassword": new], token: nil,
                forwardedFor: forwardedFor(request, context))
            guard answer.ok, let sessionToken = answer.json["sessionToken"] as? String, let account = answer.json["account"] as? [String: Any] else {
                if answer.status == 401 { return Response.redirect(to: "/sign-in?reason=expired", type: .normal) }
                return passwordPage(signedIn, error: answer.message, request: request, status: HTTPResponse.Status(code: answer.status))
            }
            var session = Self.session(from: answer.json, sessionToken: sessionToken, account: account)
            session.formToken = signedIn.session.formToken
            var response = Response.redirect(to: "/?notice=passwordChanged", type: .normal)
            response.setCookie(sessionCookie(session))
            return response
        }
        router.post("sign-out") { request, context in
            let form = try await FormData.read(request)
            let (found, _) = await signedIn(request)
            if let signedIn = found {
                guard formTokenMatches(form, expected: signedIn.session.formToken), originMatches(request) else {
                    return render(
                        .page(template: "error", title: "请求无效", values: Self.refusedForm, status: .forbidden), request: request, signedIn: signedIn)
                }
                _ = try? await backends.accounts.post(
                    "/v1/session/sign-out", json: ["sessionToken": signedIn.session.sessionToken], token: nil, forwardedFor: forwardedFor(request, context))
            }
            var response = Response.redirect(to: "/sign-in?reason=signedOut", type: .normal)
            response.setCookie(sessionCookie(nil))
            return response
        }
    }

    static func session(from json: [String: Any], sessionToken: String, account: [String: Any]) -> ConsoleSession {
        ConsoleSession(
            sessionToken: sessionToken, accessToken: json["accessToken"] as? String,
            accessExpiresAt: (json["expiresIn"] as? Int).map { Date().addingTimeInterval(TimeInterval($0)) },
            sessionExpiresAt: (json["sessionExpiresAt"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) }, formToken: ConsoleSession.newFormToken(),
            passwordChangeRequired: json["passwordChangeRequired"] as? Bool ?? false, name: account["name"] as? String ?? "",
            role: Role(rawValue: account["role"] as? String ?? "") ?? .village, region: account["region"] as? String ?? "",
            regionName: account["regionName"] as? String, administrator: account["administrator"] as? Bool ?? false,
            department: account["department"] as? String)
    }

    private func signInPage(notice: String?, error: String?, mobile: String?, request: Request, status: HTTPResponse.Status = .ok) -> Response {
        let token = request.cookies[ConsoleSession.formCookieName]?.value ?? ConsoleSession.newFormToken()
        var values: [String: Any] = ["formToken": token, "mobile": mobile ?? ""]
        if let notice { values["notice"] = notice }
        if let error { values["error"] = error }
        var response = renderer.page("sign-in", title: "登录", values: values, layout: layout(nil, path: "/sign-in"), status: status)
        response.setCookie(try! Cookie.validated(
            name: ConsoleSession.formCookieName, value: token, path: "/", secure: settings.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    private func passwordPage(_ signedIn: SignedIn, error: String?, request: Request, status: HTTPResponse.Status = .ok) -> Response {
        var values: [String: Any] = ["required": signedIn.session.passwordChangeRequired]
        if let error { values["error"] = error }
        return render(.page(template: "password", title: "修改密码", values: values, status: status), request: request, signedIn: signedIn)
    }
}
