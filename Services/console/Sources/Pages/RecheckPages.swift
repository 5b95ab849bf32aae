import Foundation
import Hummingbird
import LifelineAuth

/// The village's 动态复核 actions: starting risk elimination (风险消除) for a household on the
/// re-check list. Review opens an elimination case at 入户核实 and the rule decides at its end, so the
/// official lands on that case's page to record the visit.
extension Console {
    func addRecheckRoutes(to router: Router<ConsoleRequestContext>) {
        router.post("eliminations/:householdId") { request, context in
            let form = try await FormData.read(request)
            return try await respond(request, context, roles: [.village], form: form) { signedIn in
                let household = Self.pathSafe(context.parameters.get("householdId") ?? "")
                let answer = try await backends.review.post("/v1/monitored/\(household)/elimination", json: [:], token: signedIn.token)
                if answer.ok, let caseId = (answer.json["case"] as? [String: Any])?["caseId"] as? String {
                    return .redirect("/cases/\(Self.pathSafe(caseId))")
                }
                return .page(
                    template: "error", title: "风险消除", values: [
                        "heading": "未能发起风险消除", "message": Self.problems(answer).map { $0["message"] ?? "" }.joined(separator: "；"),
                    ], status: .init(code: answer.ok ? 502 : answer.status))
            }
        }
    }
}
