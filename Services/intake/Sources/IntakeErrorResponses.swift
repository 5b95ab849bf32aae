import HTTPTypes
import LifelineRuntime

extension IntakeError {
    /// The HTTP answer to this error (the edge's only knowledge of intake's domain errors).
    var apiError: APIError {
        let status: HTTPResponse.Status =
            switch code {
            case .idempotencyKeyReused: .unprocessableContent
            case .notFound: .notFound
            case .householdsOutsideVillage: .badRequest
            case .recordMissing: .internalServerError
            default: .conflict
            }
        return APIError(
            status: status, code: code.description, message: message, field: field ?? problems.first?.field,
            details: problems.map { APIError.FieldProblem(field: $0.field, message: $0.message) })
    }
}

/// Runs a store call and answers its domain errors as HTTP.
func answeringIntakeErrors<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as IntakeError {
        throw error.apiError
    }
}
