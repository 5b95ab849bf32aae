import Foundation
import Hummingbird
import LifelineAuth
import LifelineEvents
import LifelinePersistence
import LifelineRuntime

/// Officials' view of cases: `GET /v1/cases/{id}` and `GET /v1/cases?villageCode=…`, within their
/// jurisdiction. Phone numbers are masked here; the full number is for the home visit only.
struct CaseRoutes: Sendable {
    let database: Database
    let tokenKeys: TokenKeys

    init(dependencies: ServiceDependencies) {
        database = dependencies.database
        tokenKeys = dependencies.tokenKeys
    }

    struct CaseView: Encodable {
        var caseId: String
        var householdId: String?
        var villageCode: String
        var road: String
        var roadName: String
        var applicationNumber: String?
        var leadId: String?
        var contactName: String?
        var contactPhoneMasked: String?
        var stage: String
        var stageName: String
        var openedAt: Date
        var dueBy: Date
    }

    static let officialRoles: Set<Role> = [.village, .town, .district]

    func add(to router: Router<LifelineRequestContext>) {
        let cases = router.group("v1/cases").add(middleware: BearerAuthMiddleware(keys: tokenKeys))
        cases.get(":id") { _, context -> Response in
            let user = try context.requireUser()
            try user.require(Self.officialRoles)
            let id = try context.parameters.require("id")
            guard let view = try await load("WHERE id = \(id)").first, user.covers(region: view.villageCode) else {
                throw APIError.notFound("case")  // outside the jurisdiction looks the same: existence is not revealed
            }
            return try JSONResponse.make(view)
        }
        cases.get { request, context -> Response in
            let user = try context.requireUser()
            try user.require(Self.officialRoles)
            guard let village = request.uri.queryParameters.get("villageCode"), DivisionCode.isValid(village) else {
                throw APIError(status: .badRequest, code: "validation_failed", message: "villageCode must be a division code", field: "villageCode")
            }
            try user.requireJurisdiction(over: village)
            let prefix = DivisionCode.significantPrefix(village) + "%"
            return try JSONResponse.make(["cases": try await load("WHERE village_code LIKE \(prefix) ORDER BY opened_at DESC LIMIT 200")])
        }
    }

    private func load(_ filter: PostgresQuery) async throws -> [CaseView] {
        let query = PostgresQuery(
            unsafeSQL: """
                SELECT id, household_id, village_code, road, application_number, lead_id, contact_name, contact_phone, stage, opened_at, due_by
                FROM cases \(filter.sql)
                """, binds: filter.binds)
        var views: [CaseView] = []
        let rows = try await database.query(query)
        for try await row in rows {
            let (id, household, village, road, application, lead, name, phone, stage, openedAt, dueBy) = try row.decode(
                (String, String?, String, String, String?, String?, String?, String?, String, Date, Date).self)
            views.append(CaseView(
                caseId: id, householdId: household, villageCode: village, road: road,
                roadName: DiscoveryRoad(rawValue: road)?.chineseName ?? road, applicationNumber: application, leadId: lead,
                contactName: name, contactPhoneMasked: phone.map(MobileNumber.masked), stage: stage,
                stageName: ReviewStage(rawValue: stage)?.chineseName ?? stage, openedAt: openedAt, dueBy: dueBy))
        }
        return views
    }
}
