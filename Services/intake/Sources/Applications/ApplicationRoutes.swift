import Foundation
import HTTPTypes
import Hummingbird
import LifelineAuth
import LifelineRuntime

/// Self-applications:
/// - public (a household has no account), each behind its rate limits: `POST /v1/applications`,
///   `GET /v1/applications/{number}` with the phone's last four digits in the `X-Phone-Last4` header
///   (or, for old links, `?phoneLast4=`), `POST /v1/applications/{number}/progress` with them in the body;
/// - for villages and towns (token): `GET /v1/applications/held` (applications held for verification)
///   and `POST /v1/applications/{number}/verification` (confirm or reject one).
struct ApplicationRoutes: Sendable {
    let store: ApplicationStore
    let groupCommit: SubmissionGroupCommit
    let verification: ApplicationVerificationStore
    let villages: VillageLookupCache
    let limits: PublicLimits
    let origin: OriginCheck
    let tokenKeys: TokenKeys

    init(dependencies: ServiceDependencies, limits: PublicLimits, villages: VillageLookupCache) {
        store = ApplicationStore(database: dependencies.database, publisher: dependencies.publisher, logger: dependencies.logger)
        groupCommit = SubmissionGroupCommit(store: store)
        verification = ApplicationVerificationStore(database: dependencies.database, publisher: dependencies.publisher, logger: dependencies.logger)
        self.villages = villages
        self.limits = limits
        origin = OriginCheck(publicBaseURL: dependencies.configuration.publicBaseURL)
        tokenKeys = dependencies.tokenKeys
    }

    struct SubmissionResponse: Encodable {
        var applicationNumber: String
        var status: String
        var submittedAt: Date
        var duplicate: Bool
    }

    func add(to router: Router<LifelineRequestContext>) {
        router.post("v1/applications") { request, context -> Response in
            try origin.enforce(request)
            try await PublicLimits.enforce(limits.submissions, limits.client(request, context), message: "提交过于频繁，请稍后再试")
            let body = try await RequestDecoding.decode(ApplicationRequest.self, from: request, context: context)
            let application = try await validate(body)
            let outcome = try await answeringIntakeErrors { try await groupCommit.submit(application, idempotencyKey: IdempotencyKey.from(request)) }
            return try JSONResponse.make(
                SubmissionResponse(
                    applicationNumber: outcome.applicationNumber, status: outcome.status, submittedAt: outcome.submittedAt,
                    duplicate: !outcome.created),
                status: outcome.created ? .created : .ok)
        }
        router.get("v1/applications/:number") { request, context -> Response in
            let digits = request.headers[HTTPField.Name("X-Phone-Last4")!] ?? request.uri.queryParameters.get("phoneLast4").map { String($0) }
            return try await progress(request, context, phoneLast4: digits)
        }
        router.post("v1/applications/:number/progress") { request, context -> Response in
            try origin.enforce(request)
            struct Body: Decodable { var phoneLast4: String? }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            return try await progress(request, context, phoneLast4: body.phoneLast4)
        }
        let staff = router.group("v1/applications").add(middleware: BearerAuthMiddleware(keys: tokenKeys))
        staff.get("held") { request, context -> Response in
            let user = try context.requireUser()
            try user.require([.village, .town, .district])
            let region = request.uri.queryParameters.get("villageCode").map { String($0) } ?? user.region
            guard DivisionCode.isValid(region) else {
                throw APIError.validation([.init(field: "villageCode", message: "应为行政区划代码（12位村代码，或9位镇街代码）")])
            }
            try user.requireJurisdiction(over: region)
            let limit = min(500, max(1, request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? 100))
            let offset = max(0, request.uri.queryParameters.get("offset").flatMap { Int($0) } ?? 0)
            let held = try await verification.held(regionPrefix: DivisionCode.significantPrefix(region), limit: limit, offset: offset)
            struct Page: Encodable { var applications: [HeldApplicationView]; var offset: Int; var limit: Int }
            return try JSONResponse.make(Page(applications: held, offset: offset, limit: limit))
        }
        staff.post(":number/verification") { request, context -> Response in
            let user = try context.requireUser()
            try user.require([.village])
            let number = try context.parameters.require("number")
            // Outside the caller's villages a held application does not exist, as for any other.
            guard number.count <= 32, let village = try await verification.village(ofHeld: number), user.covers(region: village) else {
                throw APIError(status: .notFound, code: "not_found", message: "未找到待核实的该申请", field: "number")
            }
            struct Body: Decodable { var outcome: String?; var reason: String? }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            let reason = body.reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard reason.count <= 500 else { throw APIError.validation([.init(field: "reason", message: "核实说明不能超过500字")]) }
            switch body.outcome {
            case "confirmed":
                try await answeringIntakeErrors { try await verification.confirm(number, note: reason, by: user.id) }
            case "rejected":
                guard !reason.isEmpty else {
                    throw APIError.validation([.init(field: "reason", message: "驳回时请写明原因（申请人将看到）")])
                }
                try await answeringIntakeErrors { try await verification.reject(number, reason: reason, by: user.id) }
            default:
                throw APIError.validation([.init(field: "outcome", message: "应为 confirmed（核实无误）或 rejected（驳回）")])
            }
            return try JSONResponse.make(["applicationNumber": number, "outcome": body.outcome ?? ""])
        }
    }

    /// The progress page's lookup, behind the client's query limit and the guess limits.
    private func progress(_ request: Request, _ context: LifelineRequestContext, phoneLast4: String?) async throws -> Response {
        let client = limits.client(request, context)
        try await PublicLimits.enforce(limits.queries, client, message: "查询过于频繁，请稍后再试")
        let number = try context.parameters.require("number")
        guard let last4 = phoneLast4, last4.count == 4, last4.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw APIError(status: .badRequest, code: "validation_failed", message: "请输入申请时所留手机号的后四位", field: "phoneLast4")
        }
        let notFound = APIError(status: .notFound, code: "not_found", message: "未找到该申请，请核对申请编号和手机号后四位")
        guard number.count <= 32 else { throw notFound }
        guard let progress = try await limits.guarded(number: number, client: client, lookup: {
            try await store.progress(number: number, phoneLast4: last4)
        }) else { throw notFound }
        return try JSONResponse.make(progress)
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
        if !problems.contains(where: { $0.field == "villageCode" }), try await villages.village(village) == nil {
            problems.insert(.init(field: "villageCode", message: "村庄编码无效，请重新扫描村里的二维码"), at: 0)
        }
        guard problems.isEmpty, let valid else { throw APIError.validation(problems) }
        return valid
    }
}
