import Foundation
import Hummingbird
import LifelineAuth
import LifelineRuntime

/// Households, visits and meetings for officials and grid members (tokens required):
/// - `GET /v1/households?villageCode=&provisional=true&offset=&limit=`
/// - `GET /v1/households/{id}`, `POST /v1/households/{id}/confirm` (village confirms a provisional household)
/// - `GET|POST /v1/households/{id}/visits` (走访记录)
/// - `GET|POST /v1/villages/{code}/meetings` (主题党日+阳光议事; proposals become leads)
struct HouseholdRoutes: Sendable {
    let households: HouseholdStore
    let reports: GridReportStore
    let access: HouseholdAccess
    let tokenKeys: TokenKeys

    init(dependencies: ServiceDependencies) {
        households = HouseholdStore(database: dependencies.database, publisher: dependencies.publisher, logger: dependencies.logger)
        reports = GridReportStore(database: dependencies.database, publisher: dependencies.publisher, logger: dependencies.logger)
        access = HouseholdAccess(grid: GridStore(database: dependencies.database, logger: dependencies.logger))
        tokenKeys = dependencies.tokenKeys
    }

    func add(to router: Router<LifelineRequestContext>) {
        let group = router.group("v1").add(middleware: BearerAuthMiddleware(keys: tokenKeys))
        group.get("households") { request, context -> Response in
            let user = try context.requireUser()
            let groups = try await access.groupLimit(for: user)
            let region = request.uri.queryParameters.get("villageCode") ?? user.region
            guard DivisionCode.isValid(region) else {
                throw APIError.validation([.init(field: "villageCode", message: "应为行政区划代码（12位村代码，或9位镇街代码）")])
            }
            guard user.covers(region: region) else {
                throw APIError(status: .forbidden, code: "forbidden", message: "outside the caller's jurisdiction", field: "villageCode")
            }
            let limit = min(500, max(1, request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? 100))
            let offset = max(0, request.uri.queryParameters.get("offset").flatMap { Int($0) } ?? 0)
            let list = try await households.list(
                regionPrefix: user.role == .admin && region == "370115" ? "" : DivisionCode.significantPrefix(region), groups: groups,
                provisionalOnly: request.uri.queryParameters.get("provisional") == "true", limit: limit, offset: offset)
            struct Page: Encodable { var households: [HouseholdView]; var offset: Int; var limit: Int }
            return try JSONResponse.make(Page(households: list, offset: offset, limit: limit))
        }
        group.get("households/:id") { _, context -> Response in
            try JSONResponse.make(try await visibleHousehold(context))
        }
        group.post("households/:id/confirm") { request, context -> Response in
            let user = try context.requireUser()
            try user.require([.village])
            let household = try await visibleHousehold(context)
            struct Body: Decodable { var householdGroupCode: String? }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            guard let groupCode = body.householdGroupCode, !groupCode.isEmpty, groupCode.count <= 20 else {
                throw APIError.validation([.init(field: "householdGroupCode", message: "请选择该户所属的联户网格")])
            }
            try await answeringIntakeErrors { try await households.confirm(household.id, groupCode: groupCode, by: user.id) }
            return try JSONResponse.make(try await households.household(household.id))
        }
        group.get("households/:id/visits") { _, context -> Response in
            let household = try await visibleHousehold(context)
            struct List: Encodable { var visits: [VisitView] }
            return try JSONResponse.make(List(visits: try await reports.visits(of: household.id)))
        }
        group.post("households/:id/visits") { request, context -> Response in
            let user = try context.requireUser()
            try user.require([.village, .gridMember])
            let household = try await visibleHousehold(context)
            let visit = try await RequestDecoding.decode(VisitRequest.self, from: request, context: context).validate()
            let (view, created) = try await answeringIntakeErrors { try await reports.recordVisit(
                householdId: household.id, villageCode: household.villageCode, date: visit.date, risks: visit.risks, notes: visit.notes,
                by: user.id, idempotencyKey: IdempotencyKey.from(request)) }
            return try JSONResponse.make(view, status: created ? .created : .ok)
        }
        group.get("villages/:code/meetings") { _, context -> Response in
            let code = try await villageOfficialScope(context)
            struct List: Encodable { var meetings: [MeetingView] }
            return try JSONResponse.make(List(meetings: try await reports.meetings(of: code)))
        }
        group.post("villages/:code/meetings") { request, context -> Response in
            let user = try context.requireUser()
            try user.require([.village])
            let code = try await villageOfficialScope(context)
            let meeting = try await RequestDecoding.decode(MeetingRequest.self, from: request, context: context).validate()
            let (view, created) = try await answeringIntakeErrors { try await reports.recordMeeting(
                villageCode: code, meeting: meeting, by: user.id, idempotencyKey: IdempotencyKey.from(request)) }
            return try JSONResponse.make(view, status: created ? .created : .ok)
        }
    }

    /// The household named in the path, if the caller may see it; 404 otherwise (as if it did not exist).
    private func visibleHousehold(_ context: LifelineRequestContext) async throws -> HouseholdView {
        let user = try context.requireUser()
        let id = try context.parameters.require("id")
        guard id.count <= 40, let household = try await households.household(id),
            try await access.canSee(user, villageCode: household.villageCode, groupCode: household.householdGroupCode)
        else {
            throw APIError(status: .notFound, code: "not_found", message: "没有这户，或不在本账号负责范围内")
        }
        return household
    }

    /// The village in the path, which must be inside an official's jurisdiction.
    private func villageOfficialScope(_ context: LifelineRequestContext) async throws -> String {
        let user = try context.requireUser()
        try user.require(HouseholdAccess.officials)
        let code = try context.parameters.require("code")
        guard code.count == 12, code.allSatisfy(\.isNumber), user.covers(region: code), try await access.grid.village(code) != nil else {
            throw APIError(status: .notFound, code: "not_found", message: "没有这个村，或不在本账号负责范围内")
        }
        return code
    }
}
