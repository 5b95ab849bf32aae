import Foundation
import Hummingbird
import LifelineRuntime

/// `POST /v1/applications` and `GET /v1/applications/{number}` (public: a household has no account).
struct ApplicationRoutes: Sendable {
    let store: ApplicationStore

    init(dependencies: ServiceDependencies) {
        store = ApplicationStore(database: dependencies.database, publisher: dependencies.publisher, logger: dependencies.logger)
    }

    struct SubmissionResponse: Encodable {
        var applicationNumber: String
        var status: String
        var submittedAt: Date
        var duplicate: Bool
    }

    func add(to router: Router<LifelineRequestContext>) {
        router.post("v1/applications") { request, context -> Response in
            let body = try await RequestDecoding.decode(ApplicationRequest.self, from: request, context: context)
            let application: ValidApplication
            switch body.validate() {
            case .success(let valid): application = valid
            case .failure(let error): throw error
            }
            let key = request.headers.first { $0.name.canonicalName == "idempotency-key" }.map(\.value).flatMap { $0.isEmpty || $0.count > 100 ? nil : $0 }
            let outcome = try await store.submit(application, idempotencyKey: key)
            return try JSONResponse.make(
                SubmissionResponse(
                    applicationNumber: outcome.applicationNumber, status: outcome.status, submittedAt: outcome.submittedAt,
                    duplicate: !outcome.created),
                status: outcome.created ? .created : .ok)
        }
        router.get("v1/applications/:number") { request, context -> Response in
            let number = try context.parameters.require("number")
            guard let last4 = request.uri.queryParameters.get("phoneLast4"), last4.count == 4, last4.allSatisfy(\.isNumber) else {
                throw APIError(status: .badRequest, code: "validation_failed", message: "请输入申请时所留手机号的后四位", field: "phoneLast4")
            }
            guard number.count <= 32, let progress = try await store.progress(number: number, phoneLast4: last4) else {
                throw APIError(status: .notFound, code: "not_found", message: "未找到该申请，请核对申请编号和手机号后四位")
            }
            return try JSONResponse.make(progress)
        }
    }
}
