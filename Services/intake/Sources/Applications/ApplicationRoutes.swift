import Foundation
import Hummingbird
import LifelineRuntime

/// `POST /v1/applications` and `GET /v1/applications/{number}` (public: a household has no account),
/// each behind its rate limits.
struct ApplicationRoutes: Sendable {
    let store: ApplicationStore
    let grid: GridStore
    let limits: PublicLimits

    init(dependencies: ServiceDependencies, limits: PublicLimits) {
        store = ApplicationStore(database: dependencies.database, publisher: dependencies.publisher, logger: dependencies.logger)
        grid = GridStore(database: dependencies.database, logger: dependencies.logger)
        self.limits = limits
    }

    struct SubmissionResponse: Encodable {
        var applicationNumber: String
        var status: String
        var submittedAt: Date
        var duplicate: Bool
    }

    func add(to router: Router<LifelineRequestContext>) {
        router.post("v1/applications") { request, context -> Response in
            try PublicLimits.enforce(limits.submissions, limits.client(request, context), message: "提交过于频繁，请稍后再试")
            let body = try await RequestDecoding.decode(ApplicationRequest.self, from: request, context: context)
            let application = try await validate(body)
            let outcome = try await store.submit(application, idempotencyKey: IdempotencyKey.from(request))
            return try JSONResponse.make(
                SubmissionResponse(
                    applicationNumber: outcome.applicationNumber, status: outcome.status, submittedAt: outcome.submittedAt,
                    duplicate: !outcome.created),
                status: outcome.created ? .created : .ok)
        }
        router.get("v1/applications/:number") { request, context -> Response in
            try PublicLimits.enforce(limits.queries, limits.client(request, context), message: "查询过于频繁，请稍后再试")
            let number = try context.parameters.require("number")
            guard let last4 = request.uri.queryParameters.get("phoneLast4"), last4.count == 4, last4.allSatisfy(\.isNumber) else {
                throw APIError(status: .badRequest, code: "validation_failed", message: "请输入申请时所留手机号的后四位", field: "phoneLast4")
            }
            // The guess costs a token before the lookup (parallel guesses cannot all pass a check);
            // a right answer gets it back, so a household may look as often as its client limit allows.
            let numberKey = String(number.prefix(32))
            let guesses = limits.guessesPerNumber.acquire(numberKey)
            guard guesses.allowed else {
                throw APIError.rateLimited(retryAfterSeconds: guesses.retryAfterSeconds, message: "该申请编号查询错误次数过多，请稍后再试")
            }
            guard number.count <= 32, let progress = try await store.progress(number: number, phoneLast4: last4) else {
                throw APIError(status: .notFound, code: "not_found", message: "未找到该申请，请核对申请编号和手机号后四位")
            }
            limits.guessesPerNumber.refund(numberKey)
            return try JSONResponse.make(progress)
        }
    }

    /// The form's own checks, then that the village is one of the grid's.
    private func validate(_ body: ApplicationRequest) async throws -> ValidApplication {
        var problems: [APIError.FieldProblem] = []
        var valid: ValidApplication?
        switch body.validate() {
        case .success(let application): valid = application
        case .failure(let error): problems = error.details
        }
        let village = body.villageCode?.trimmingCharacters(in: .whitespaces) ?? ""
        if !problems.contains(where: { $0.field == "villageCode" }), try await grid.village(village) == nil {
            problems.insert(.init(field: "villageCode", message: "村庄编码无效，请重新扫描村里的二维码"), at: 0)
        }
        guard problems.isEmpty, let valid else { throw APIError.validation(problems) }
        return valid
    }
}
