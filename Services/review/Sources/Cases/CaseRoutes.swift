import Foundation
import Hummingbird
import LifelineAuth
import LifelineEvents
import LifelineRuntime

/// The identification workflow over HTTP (docs/openapi.yaml, tag `review`). Officials only (村, 镇, 区),
/// each within their jurisdiction; a case outside it answers 404.
struct CaseRoutes: Sendable {
    let cases: CaseStore

    func add(to group: RouterGroup<LifelineRequestContext>) {
        group.get("cases") { request, context -> Response in
            let user = try context.requireOfficial()
            let region = try RegionQuery.region(request, user: user, parameters: ["villageCode", "region"])
            let stage = request.uri.queryParameters.get("stage").flatMap(ReviewStage.init(rawValue:))
            let openOnly = request.uri.queryParameters.get("open") == "true"
            return try JSONResponse.make(["cases": try await cases.list(regionPrefix: region, stage: stage, openOnly: openOnly)])
        }
        group.get("cases/due") { request, context -> Response in
            let user = try context.requireOfficial()
            let region = try RegionQuery.region(request, user: user, parameters: ["region", "villageCode"])
            let list = try await cases.list(regionPrefix: region, stage: nil, openOnly: true, overdueWithinDays: cases.settings.dueSoonDays)
            return try JSONResponse.make(["cases": list])
        }
        group.get("cases/:id") { _, context -> Response in
            let user = try context.requireOfficial()
            let record = try await answeringReviewErrors { try await cases.visibleCase(try context.parameters.require("id"), to: user) }
            return try JSONResponse.make(try await cases.detail(record))
        }
        group.get("cases/:id/announcement") { _, context -> Response in
            let user = try context.requireOfficial()
            let record = try await answeringReviewErrors { try await cases.visibleCase(try context.parameters.require("id"), to: user) }
            guard let text = record.announcementText else { throw APIError.notFound("announcement") }
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: .init(string: text)))
        }
        post("home-verification", audit: "step.homeVerification", HomeVerificationRequest.self) { id, body, user in try await cases.recordHomeVerification(id, body, by: user) }
        post("democratic-appraisal", audit: "step.democraticAppraisal", AppraisalRequest.self) { id, body, user in try await cases.recordAppraisal(id, body, by: user) }
        post("comparison-decision", audit: "step.comparisonDecision", DecisionRequest.self) { id, body, user in try await cases.decideOnComparison(id, body, by: user) }
        post("town-review", audit: "step.townReview", DecisionRequest.self) { id, body, user in try await cases.recordTownReview(id, body, by: user) }
        post("objections", audit: "objection.lodged", ObjectionRequest.self) { id, body, user in try await cases.lodgeObjection(id, body, by: user) }
        post("entry", audit: "step.systemEntry", EntryRequest.self) { id, body, user in try await cases.recordEntry(id, body, by: user) }
        post("closure", audit: "case.closed", ClosureRequest.self) { id, body, user in try await cases.close(id, body, by: user) }
        group.post("cases/:id/objections/:number/resolution") { request, context -> Response in
            let user = try context.requireActor()
            let id = try context.parameters.require("id")
            _ = try await answeringReviewErrors { try await cases.visibleCase(id, to: user, action: "objection.resolved") }
            guard let number = context.parameters.get("number").flatMap({ Int($0) }) else { throw APIError.notFound("objection") }
            let body = try await RequestDecoding.decode(ObjectionResolutionRequest.self, from: request, context: context)
            let record = try await answeringReviewErrors { try await cases.resolveObjection(id, number: number, body, by: user) }
            return try JSONResponse.make(try await cases.detail(record))
        }

        func post<Body: Decodable & Sendable>(
            _ action: String, audit auditAction: String, _ type: Body.Type, _ perform: @escaping @Sendable (String, Body, AuthenticatedUser) async throws -> CaseRecord
        ) {
            group.post("cases/:id/\(action)") { request, context -> Response in
                let user = try context.requireActor()
                let id = try context.parameters.require("id")
                // Reach first: outside it the case does not exist, whatever the body says (and it is audited).
                _ = try await answeringReviewErrors { try await cases.visibleCase(id, to: user, action: auditAction) }
                let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
                let record = try await answeringReviewErrors { try await perform(id, body, user) }
                return try JSONResponse.make(try await cases.detail(record))
            }
        }
    }
}

extension LifelineRequestContext {
    /// The caller, who must be a village, town or district official: the levels that act on cases
    /// (an administrator manages accounts, not cases).
    func requireActor() throws -> AuthenticatedUser {
        let user = try requireUser()
        guard CaseStore.readers.contains(user.role) else {
            throw APIError(status: .forbidden, code: "forbidden", message: "role \(user.role.rawValue) may not act on cases")
        }
        return user
    }

    /// The caller, who must be an official of one of `roles` (village, town, district by default).
    func requireOfficial(_ roles: Set<Role> = CaseStore.readers) throws -> AuthenticatedUser {
        let user = try requireUser()
        guard roles.contains(user.role) || user.role == .admin else {
            throw APIError(status: .forbidden, code: "forbidden", message: "role \(user.role.rawValue) may not do this")
        }
        return user
    }
}

/// The region a list is asked for: a division code parameter within the caller's jurisdiction, or the
/// caller's own region; answered as the prefix that matches it.
enum RegionQuery {
    static func region(_ request: Request, user: AuthenticatedUser, parameters: [String]) throws -> String {
        let given = parameters.lazy.compactMap { (name: String) -> (String, String)? in request.uri.queryParameters.get(name).map { (name, String($0)) } }.first
        guard let (field, code) = given else { return user.role == .admin ? "" : DivisionCode.significantPrefix(user.region) }
        guard DivisionCode.isValid(code) else {
            throw APIError(status: .badRequest, code: "validation_failed", message: "\(field) must be a division code", field: field)
        }
        guard user.covers(region: code) else {
            throw APIError(status: .forbidden, code: "forbidden", message: "outside the caller's jurisdiction", field: field)
        }
        return DivisionCode.significantPrefix(code)
    }
}
