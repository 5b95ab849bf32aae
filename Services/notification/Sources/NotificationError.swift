import HTTPTypes
import LifelineRuntime

/// What went wrong in notification's stores, with a code; routes and the error middleware turn it into
/// HTTP (`APIError`). Messages are Chinese and never carry personal data.
struct NotificationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What failed.
    struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        var description: String { raw }
        /// No such message, template or office in the caller's reach (outside it looks the same).
        static let notFound = Code("not_found")
        /// A field is wrong (a template that does not parse, an e-mail address that is not one).
        static let validationFailed = Code("validation_failed")
        /// A row written in this transaction could not be read back.
        static let internalError = Code("internal_error")
    }

    let code: Code
    let message: String
    let field: String?

    init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    var description: String { "NotificationError(\(code))" }

    /// The HTTP answer at the edge.
    var apiError: APIError {
        let status: HTTPResponse.Status =
            switch code {
            case .notFound: .notFound
            case .validationFailed: .badRequest
            default: .internalServerError
            }
        return APIError(
            status: status, code: code.description, message: message, field: field,
            details: code == .validationFailed ? [APIError.FieldProblem(field: field ?? "", message: message)] : [])
    }
}

/// Runs a store call and answers its domain errors as HTTP.
func answeringNotificationErrors<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as NotificationError {
        throw error.apiError
    }
}
