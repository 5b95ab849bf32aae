import Hummingbird
import LifelineAuth
import LifelinePersistence
import Logging
import NIOCore

/// Turns every error into the JSON error shape at the edge; unexpected errors become a 500 that
/// reveals nothing and are logged by type only.
public struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Creates the middleware.
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as AuthError {
            throw APIError(
                status: error.isUnauthenticated ? .unauthorized : .forbidden, code: error.code.description, message: error.message)
        } catch let error as HTTPError {
            throw APIError(status: error.status, code: Self.code(for: error.status), message: error.body ?? error.status.reasonPhrase)
        } catch let error as DecodingError {
            throw RequestDecoding.apiError(for: error)
        } catch let error as NIOTooManyBytesError {
            // The limit that was hit: a route may collect more than the context's default.
            let limit = error.maxBytes ?? context.maxUploadSize
            let size = limit >= 1 << 20 ? "\(limit >> 20) MB" : "\(limit >> 10) KB"
            throw APIError(status: .contentTooLarge, code: "body_too_large", message: "提交的内容过大（不能超过 \(size)）")
        } catch {
            context.logger.error("unhandled error", metadata: [
                "error.type": "\(type(of: error))", "error.sqlstate": "\(DatabaseFailure.sqlState(of: error) ?? "-")",
                "error.db_object": "\(DatabaseFailure.objectNames(of: error) ?? "-")", "http.path": "\(request.uri.path)",
            ])
            throw APIError(status: .internalServerError, code: "internal_error", message: "服务暂时不可用，请稍后再试")
        }
    }

    private static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .contentTooLarge: "body_too_large"
        case .tooManyRequests: "rate_limited"
        case .unsupportedMediaType: "unsupported_media_type"
        default: "http_\(status.code)"
        }
    }
}
