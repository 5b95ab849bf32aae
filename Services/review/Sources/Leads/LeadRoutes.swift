import Foundation
import Hummingbird
import LifelineAuth
import LifelineEvents
import LifelineRuntime

/// The town's lists of leads before a case (docs/openapi.yaml): triage (分派) and verification (精准核实).
struct LeadRoutes: Sendable {
    let leads: LeadStore

    static let townLevels: Set<Role> = [.town, .district]

    func add(to group: RouterGroup<LifelineRequestContext>) {
        group.get("leads/triage") { request, context -> Response in
            let user = try context.requireOfficial(Self.townLevels)
            let region = try RegionQuery.region(request, user: user, parameters: ["region"])
            return try JSONResponse.make(["leads": try await leads.leads(status: "triage", regionPrefix: region).map(LeadView.init)])
        }
        group.get("leads/verification") { request, context -> Response in
            let user = try context.requireOfficial(Self.townLevels)
            let region = try RegionQuery.region(request, user: user, parameters: ["region"])
            return try JSONResponse.make(["leads": try await leads.leads(status: "verification", regionPrefix: region).map(LeadView.init)])
        }
        group.post("leads/:id/assignment") { request, context -> Response in
            let user = try context.requireTownLevel()
            struct Body: Decodable { var householdId: String }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            let lead = try await answeringReviewErrors { try await leads.assign(try context.parameters.require("id"), household: body.householdId, by: user) }
            return try JSONResponse.make(LeadView(lead))
        }
        group.post("leads/:id/closure") { request, context -> Response in
            let user = try context.requireTownLevel()
            let body = try await RequestDecoding.decode(ClosureRequest.self, from: request, context: context)
            try body.validate()
            let lead = try await answeringReviewErrors { try await leads.closeInTriage(try context.parameters.require("id"), reason: body.reason, by: user) }
            return try JSONResponse.make(LeadView(lead))
        }
        group.post("leads/:id/verification") { request, context -> Response in
            let user = try context.requireTownLevel()
            struct Body: Decodable { var outcome: String; var note: String }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            var problems = Problems()
            let outcome = LeadOutcome(rawValue: body.outcome)
            if outcome == nil || ![LeadOutcome.confirmed, .falseAlarm, .alreadyCovered].contains(outcome!) {
                problems.add("outcome", "应为 confirmed（属实）、falseAlarm（不实）或 alreadyCovered（已有帮扶覆盖）")
            }
            problems.text(body.note, field: "note", required: true, max: 500)
            try problems.check()
            let lead = try await answeringReviewErrors { try await leads.verify(try context.parameters.require("id"), outcome: outcome!, note: body.note, by: user) }
            return try JSONResponse.make(LeadView(lead))
        }
    }
}

extension LifelineRequestContext {
    /// A town official (the district may act for its towns); administrators manage accounts, not leads.
    func requireTownLevel() throws -> AuthenticatedUser {
        let user = try requireUser()
        guard user.role == .town || user.role == .district else {
            throw APIError(status: .forbidden, code: "forbidden", message: "role \(user.role.rawValue) may not do this")
        }
        return user
    }
}
