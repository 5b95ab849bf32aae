import HTTPTypes
import LifelineRuntime

extension AccountsError {
    /// The HTTP answer to this error (the edge's only knowledge of accounts' domain errors).
    var apiError: APIError {
        let status: HTTPResponse.Status =
            switch code {
            case .invalidCredentials, .sessionInvalid: .unauthorized
            case .locked: .init(code: 423, reasonPhrase: "Locked")
            case .disabled, .passwordChangeRequired, .forbidden: .forbidden
            case .notFound: .notFound
            case .validationFailed: .badRequest
            default: .conflict
            }
        return APIError(
            status: status, code: code.description, message: message, field: field,
            details: code == .validationFailed ? [APIError.FieldProblem(field: field ?? "", message: message)] : [])
    }
}

/// Runs a store call and answers its domain errors as HTTP.
func answeringAccountsErrors<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as AccountsError {
        throw error.apiError
    }
}
