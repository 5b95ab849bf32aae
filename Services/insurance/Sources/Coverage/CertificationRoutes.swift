import Foundation
import Hummingbird
import LifelineAuth
import LifelineEvents
import LifelineRuntime

/// Certifications and a household's coverage over HTTP (docs/openapi.yaml).
struct CertificationRoutes: Sendable {
    let certifications: CertificationStore
    let coverage: CoverageQueries

    func add(to group: RouterGroup<LifelineRequestContext>) {
        group.post("certifications") { request, context -> Response in
            let user = try context.requireInsuranceRole([.town])
            let body = try await RequestDecoding.decode(CertificationStore.Request.self, from: request, context: context)
            var problems: [APIError.FieldProblem] = []
            if body.householdId.isEmpty || body.householdId.count > 64 { problems.append(.init(field: "householdId", message: "必填")) }
            if CertificationStore.Request.kinds[body.kind] == nil {
                problems.append(.init(field: "kind", message: "应为 suddenHardship（遭遇临时性困难）或 remainingHardship（经政策帮扶仍未解决实际困难）"))
            }
            let reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
            if reason.count < 4 || reason.count > 500 { problems.append(.init(field: "reason", message: "请写明认定理由（4至500字）")) }
            let from = CivilDayText.number(body.validFrom)
            if from == nil { problems.append(.init(field: "validFrom", message: "应为日期（YYYY-MM-DD）")) }
            let until = body.validUntil ?? from.flatMap(Self.yearLater) ?? ""
            if let from, let end = CivilDayText.number(until) {
                if end < from { problems.append(.init(field: "validUntil", message: "不能早于 validFrom")) }
                if end > Self.yearLater(from).flatMap(CivilDayText.number) ?? end { problems.append(.init(field: "validUntil", message: "认定有效期最长一年")) }
            } else if body.validUntil != nil {
                problems.append(.init(field: "validUntil", message: "应为日期（YYYY-MM-DD）"))
            }
            if !problems.isEmpty { throw APIError.validation(problems) }
            var certified = body
            certified.reason = reason
            let view = try await answeringInsuranceErrors { try await certifications.certify(certified, validUntil: until, by: user) }
            return try JSONResponse.make(view, status: .created)
        }
        group.get("certifications") { request, context -> Response in
            let user = try context.requireInsuranceRole(ClaimRoutes.readers)
            let region = try InsuranceRegion.query(request, user: user)
            return try JSONResponse.make(["certifications": try await certifications.list(regionPrefix: region)])
        }
        group.post("certifications/:id/revocation") { request, context -> Response in
            let user = try context.requireInsuranceRole([.town, .district])
            struct Body: Decodable { var reason: String }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            let reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard reason.count >= 4, reason.count <= 500 else {
                throw APIError.validation([.init(field: "reason", message: "请写明撤销理由（4至500字）")])
            }
            return try JSONResponse.make(try await answeringInsuranceErrors {
                try await certifications.revoke(try context.parameters.require("id"), reason: reason, by: user)
            })
        }
        group.get("households/:householdId/coverage") { request, context -> Response in
            let user = try context.requireInsuranceRole(ClaimRoutes.readers)
            let day = request.uri.queryParameters.get("on").map { String($0) } ?? CivilDayText.todayText()
            guard CivilDayText.number(day) != nil else { throw APIError.validation([.init(field: "on", message: "应为日期（YYYY-MM-DD）")]) }
            return try JSONResponse.make(try await answeringInsuranceErrors {
                try await coverage.household(try context.parameters.require("householdId"), on: day, for: user)
            })
        }
    }

    /// A year less a day after `day` (yyyyMMdd number): a certification's longest period.
    static func yearLater(_ day: Int) -> String? {
        let year = day / 10_000, month = day / 100 % 100, date = day % 100
        let start = CivilDay.daysSinceEpoch(year: year, month: month, day: date)
        // Counted on from the month's start, so the anniversary of 29 February in a common year is
        // 1 March and that year ends on 28 February.
        let anniversary = CivilDay.daysSinceEpoch(year: year + 1, month: month, day: date)
        let end = CivilDay.civil(fromDaysSinceEpoch: max(start, anniversary - 1))
        return String(format: "%04d-%02d-%02d", end.year, end.month, end.day)
    }
}
