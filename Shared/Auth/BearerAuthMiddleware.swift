import Hummingbird

/// A request context that can carry the authenticated caller.
public protocol AuthenticatedRequestContext: RequestContext {
    /// The caller, once `BearerAuthMiddleware` verified the token.
    var user: AuthenticatedUser? { get set }
}

extension AuthenticatedRequestContext {
    /// The caller; throws `missingToken` if the route is not behind `BearerAuthMiddleware`.
    public func requireUser() throws -> AuthenticatedUser {
        guard let user else { throw AuthError(code: .missingToken, message: "authentication required") }
        return user
    }
}

/// Requires `Authorization: Bearer <JWT>` on every request that passes through it.
public struct BearerAuthMiddleware<Context: AuthenticatedRequestContext>: RouterMiddleware {
    private let keys: TokenKeys

    /// Creates the middleware.
    public init(keys: TokenKeys) {
        self.keys = keys
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw AuthError(code: .missingToken, message: "Authorization: Bearer token required")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw AuthError(code: .missingToken, message: "Authorization header must be: Bearer <token>")
        }
        var context = context
        context.user = try await keys.verify(String(parts[1]).trimmingCharacters(in: .whitespaces))
        return try await next(request, context)
    }
}
