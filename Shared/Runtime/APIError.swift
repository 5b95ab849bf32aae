import Foundation
import Hummingbird

/// An error answered to an HTTP client as
/// `{"error":{"code":…,"message":…,"field":…}}`. Messages are for people: Chinese where a household
/// reads them, never containing personal data.
public struct APIError: HTTPResponseError, Sendable, CustomStringConvertible {
    /// HTTP status.
    public let status: HTTPResponse.Status
    /// Stable machine-readable code, e.g. `validation_failed`.
    public let code: String
    /// Explanation.
    public let message: String
    /// The request field concerned, if one.
    public let field: String?
    /// Further per-field problems (for forms).
    public let details: [FieldProblem]
    /// Seconds the client should wait before trying again (sent as `Retry-After`).
    public var retryAfterSeconds: Int?

    /// A problem with one field.
    public struct FieldProblem: Codable, Sendable, Hashable {
        /// The field's name.
        public var field: String
        /// What is wrong.
        public var message: String

        /// Creates a problem.
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    /// Creates an error.
    public init(status: HTTPResponse.Status, code: String, message: String, field: String? = nil, details: [FieldProblem] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.details = details
    }

    /// 400 with the field problems found while validating a request.
    public static func validation(_ problems: [FieldProblem]) -> APIError {
        APIError(status: .badRequest, code: "validation_failed", message: "请求内容有误，请检查标出的字段", field: problems.first?.field, details: problems)
    }

    /// 429 with `Retry-After`, for a client (or a guessed key) over its rate limit.
    public static func rateLimited(retryAfterSeconds: Int, message: String = "操作过于频繁，请稍后再试") -> APIError {
        var error = APIError(status: .tooManyRequests, code: "rate_limited", message: message)
        error.retryAfterSeconds = retryAfterSeconds
        return error
    }

    /// 404.
    public static func notFound(_ what: String) -> APIError {
        APIError(status: .notFound, code: "not_found", message: "\(what) not found")
    }

    public var description: String { "APIError(\(status.code) \(code))" }

    private struct Body: Encodable {
        struct Content: Encodable {
            let code: String
            let message: String
            let field: String?
            let details: [FieldProblem]?
        }
        let error: Content
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(error: .init(code: code, message: message, field: field, details: details.isEmpty ? nil : details))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(body))))
    }
}
