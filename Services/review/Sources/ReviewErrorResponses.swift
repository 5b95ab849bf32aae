import HTTPTypes
import LifelineRuntime

extension ReviewError {
    /// The HTTP answer to this error (the edge's only knowledge of review's domain errors).
    var apiError: APIError {
        let status: HTTPResponse.Status =
            switch code {
            case .notFound, .notMonitored: .notFound
            case .notYourStep: .forbidden
            case .validationFailed: .badRequest
            case .ruleNotMet, .unknownHousehold, .noMonitoringLine: .unprocessableContent
            case .recordMissing: .internalServerError
            default: .conflict
            }
        return APIError(
            status: status, code: code.description, message: message, field: field,
            details: code == .validationFailed
                ? [APIError.FieldProblem(field: field ?? "", message: message)]
                : unmet.map { APIError.FieldProblem(field: field ?? "rule", message: $0) })
    }
}

/// Runs a store call and answers its domain errors as HTTP.
func answeringReviewErrors<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as ReviewError {
        throw error.apiError
    }
}
