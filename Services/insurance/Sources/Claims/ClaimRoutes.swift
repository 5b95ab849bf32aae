import Foundation
import Hummingbird
import LifelineAuth
import LifelineEvents
import LifelineRuntime

/// Claims over HTTP (docs/openapi.yaml): a town files for its households, the insurer decides and
/// pays, the district reads; no other role sees a claim.
struct ClaimRoutes: Sendable {
    let claims: ClaimStore
    let decisions: ClaimDecisions

    func add(to group: RouterGroup<LifelineRequestContext>) {
        group.post("claims") { request, context -> Response in
            let user = try context.requireInsuranceRole([.town])
            guard let key = request.headers.first(where: { $0.name.canonicalName == "idempotency-key" })?.value,
                  !key.isEmpty, key.count <= 100 else {
                throw APIError(
                    status: .badRequest, code: "idempotency_key_required",
                    message: "请求头 Idempotency-Key 必填（1至100个字符），重试时沿用同一个", field: "Idempotency-Key")
            }
            let body = try await RequestDecoding.decode(ClaimRequest.self, from: request, context: context)
            let problems = body.problems(today: CivilDayText.today())
            if !problems.isEmpty { throw APIError.validation(problems) }
            let view = try await answeringInsuranceErrors { try await claims.file(body, idempotencyKey: key, by: user) }
            return try JSONResponse.make(view, status: view.duplicate == true ? .ok : .created)
        }
        group.get("claims") { request, context -> Response in
            let user = try context.requireInsuranceRole(ClaimRoutes.readers)
            let region = try InsuranceRegion.query(request, user: user)
            let status = request.uri.queryParameters.get("status").map { String($0) }
            if let status, ClaimView.statusNames[status] == nil {
                throw APIError.validation([.init(field: "status", message: "应为 filed、approved、paid 或 rejected")])
            }
            let limit = min(max(Int(request.uri.queryParameters.get("limit") ?? "") ?? 500, 1), 5000)
            let list = try await claims.claims(
                regionPrefix: region, status: status, householdId: request.uri.queryParameters.get("householdId").map { String($0) }, limit: limit)
            return try JSONResponse.make(["claims": list])
        }
        group.get("claims/:id") { _, context -> Response in
            let user = try context.requireInsuranceRole(ClaimRoutes.readers)
            return try JSONResponse.make(try await answeringInsuranceErrors { try await claims.claim(try context.parameters.require("id"), for: user) })
        }
        group.post("claims/:id/approval") { _, context -> Response in
            let user = try context.requireInsuranceRole([.insurer])
            return try JSONResponse.make(try await answeringInsuranceErrors { try await decisions.approve(try context.parameters.require("id"), by: user) })
        }
        group.post("claims/:id/payment") { request, context -> Response in
            let user = try context.requireInsuranceRole([.insurer])
            struct Body: Decodable { var paymentReference: String }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            let reference = body.paymentReference.trimmingCharacters(in: .whitespaces)
            guard !reference.isEmpty, reference.count <= 64 else {
                throw APIError.validation([.init(field: "paymentReference", message: "请填写支付凭证号（银行流水号），不超过64个字符")])
            }
            return try JSONResponse.make(try await answeringInsuranceErrors {
                try await decisions.pay(try context.parameters.require("id"), reference: reference, by: user)
            })
        }
        group.post("claims/:id/rejection") { request, context -> Response in
            let user = try context.requireInsuranceRole([.insurer])
            struct Body: Decodable { var reason: String }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            let reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !reason.isEmpty, reason.count <= 500 else {
                throw APIError.validation([.init(field: "reason", message: "请填写拒赔理由，不超过500字")])
            }
            return try JSONResponse.make(try await answeringInsuranceErrors {
                try await decisions.reject(try context.parameters.require("id"), reason: reason, by: user)
            })
        }
    }

    /// Who reads claims: the town (its own), the insurer and the district (all).
    static let readers: Set<Role> = [.town, .insurer, .district]
}

extension LifelineRequestContext {
    /// The caller, who must have one of `roles` (administrators manage accounts, not claims).
    func requireInsuranceRole(_ roles: Set<Role>) throws -> AuthenticatedUser {
        let user = try requireUser()
        guard roles.contains(user.role) else {
            throw APIError(status: .forbidden, code: "forbidden", message: "role \(user.role.rawValue) may not do this")
        }
        return user
    }
}

/// The region a list is asked for (`region` or `villageCode`, within the caller's jurisdiction), as
/// the prefix that matches it; the insurer's and the district's lists default to everything.
enum InsuranceRegion {
    static func query(_ request: Request, user: AuthenticatedUser) throws -> String {
        let given = ["region", "villageCode"].lazy.compactMap { name in request.uri.queryParameters.get(name).map { (name, String($0)) } }.first
        guard let (field, code) = given else {
            return user.role == .insurer ? "" : DivisionCode.significantPrefix(user.region)
        }
        guard DivisionCode.isValid(code) else {
            throw APIError(status: .badRequest, code: "validation_failed", message: "\(field) must be a division code", field: field)
        }
        guard user.role == .insurer || user.covers(region: code) else {
            throw APIError(status: .forbidden, code: "forbidden", message: "outside the caller's jurisdiction", field: field)
        }
        return DivisionCode.significantPrefix(code)
    }
}
