import Foundation
import HTTPTypes
import Hummingbird
import LifelineEvents
import LifelinePersistence
import LifelineRuntime

/// Sign-in, session and password endpoints (public: they are how a token is obtained). See
/// docs/openapi.yaml (accounts) and docs/accounts.md.
struct SignInRoutes: Sendable {
    let signIn: SignInStore
    let clients: ClientAddressResolver
    /// Sign-in attempts per client, shared by every instance (`ACCOUNTS_SIGN_INS_PER_10_MINUTES`).
    let attempts: SharedRateLimiter

    func add(to router: Router<LifelineRequestContext>) {
        let group = router.group("v1")
        group.post("sign-in") { request, context -> Response in
            struct Body: Decodable {
                var mobile: String
                var password: String
            }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            var problems: [APIError.FieldProblem] = []
            if !MobileNumber.isValid(body.mobile) { problems.append(.init(field: "mobile", message: "应为11位手机号码")) }
            if body.password.isEmpty || body.password.count > 128 { problems.append(.init(field: "password", message: "请输入密码")) }
            if !problems.isEmpty { throw APIError.validation(problems) }
            let decision = try await attempts.acquire(client(request, context))
            guard decision.allowed else {
                throw APIError.rateLimited(retryAfterSeconds: decision.retryAfterSeconds, message: "登录尝试过于频繁，请\(max(1, decision.retryAfterSeconds / 60))分钟后再试")
            }
            let signed = try await answeringAccountsErrors {
                try await signIn.signIn(mobile: body.mobile, password: body.password, client: client(request, context))
            }
            return try JSONResponse.make(signed)
        }
        group.post("session/refresh") { request, context -> Response in
            let body = try await RequestDecoding.decode(SessionBody.self, from: request, context: context)
            return try JSONResponse.make(try await answeringAccountsErrors { try await signIn.refresh(sessionToken: body.sessionToken) })
        }
        group.post("session/sign-out") { request, context -> Response in
            let body = try await RequestDecoding.decode(SessionBody.self, from: request, context: context)
            try await signIn.signOut(sessionToken: body.sessionToken, client: client(request, context))
            return Response(status: .noContent)
        }
        group.post("session/password") { request, context -> Response in
            struct Body: Decodable {
                var sessionToken: String
                var currentPassword: String
                var newPassword: String
            }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            return try JSONResponse.make(try await answeringAccountsErrors {
                try await signIn.changePassword(
                    sessionToken: body.sessionToken, current: body.currentPassword, new: body.newPassword, client: client(request, context))
            })
        }
    }

    private struct SessionBody: Decodable {
        var sessionToken: String
    }

    private func client(_ request: Request, _ context: LifelineRequestContext) -> String {
        clients.clientKey(peer: context.remoteAddress, forwardedFor: request.headers[HTTPField.Name("X-Forwarded-For")!])
    }
}
