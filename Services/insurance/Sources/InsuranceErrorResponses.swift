import HTTPTypes
import LifelineRuntime

extension InsuranceError {
    /// The HTTP answer to this error (the edge's only knowledge of insurance's domain errors).
    var apiError: APIError {
        let status: HTTPResponse.Status =
            switch code {
            case .notFound: .notFound
            case .validationFailed: .badRequest
            case .notCovered, .noPolicy, .householdMerged, .idempotencyKeyReused: .unprocessableContent
            case .recordMissing: .internalServerError
            default: .conflict
            }
        return APIError(
            status: status, code: code.description, message: message, field: field,
            details: code == .validationFailed ? [APIError.FieldProblem(field: field ?? "", message: message)] : [])
    }
}

/// Runs a store call and answers its domain errors as HTTP.
func answeringInsuranceErrors<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as InsuranceError {
        throw error.apiError
    }
}
