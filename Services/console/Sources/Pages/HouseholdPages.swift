import Foundation
import Hummingbird
import LifelineAuth

/// A grid member's visit to one of the households (走访): the date, the risks seen and a note; intake
/// turns risks into a lead for the village.
extension Console {
    func addHouseholdRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("households/:id/visit") { request, context in
            try await respond(request, context, roles: [.gridMember, .village]) { signedIn in
                try await visitPage(context.parameters.get("id") ?? "", signedIn: signedIn, problems: [], done: request.uri.queryParameters.get("done") != nil)
            }
        }
        router.post("households/:id/visit") { request, context in
            let form = try await FormData.read(request)
            return try await respond(request, context, roles: [.gridMember, .village], form: form) { signedIn in
                let id = context.parameters.get("id") ?? ""
                let answer = try await backends.intake.post(
                    "/v1/households/\(Self.pathSafe(id))/visits",
                    json: ["visitedOn": form["visitedOn"] ?? "", "risks": form.all("risks"), "notes": form["notes"] ?? ""], token: signedIn.token,
                    // The form's own key: a second tap (or a resent form) finds the first visit instead of recording two.
                    headers: form["idempotencyKey"].map { ["Idempotency-Key": $0] } ?? [:])
                if answer.ok { return .redirect("/households/\(Self.pathSafe(id))/visit?done=1") }
                var problems = answer.fieldProblems.map { ["field": $0.field, "message": $0.message] }
                if problems.isEmpty { problems = [["field": "", "message": answer.message]] }
                return try await visitPage(id, signedIn: signedIn, problems: problems, done: false, status: .init(code: answer.status))
            }
        }
    }

    func visitPage(_ id: String, signedIn: SignedIn, problems: [[String: String]], done: Bool, status: HTTPResponse.Status = .ok) async throws -> Outcome {
        let answer = try await backends.intake.get("/v1/households/\(Self.pathSafe(id))", token: signedIn.token)
        guard answer.ok else {
            return .page(
                template: "error", title: "户不存在", values: ["heading": "户不存在", "message": "没有找到这一户，或它不在您负责的联户网格内。"], status: .notFound)
        }
        let members = (answer.json["members"] as? [[String: Any]] ?? []).map { member -> [String: Any] in
            var row: [String: Any] = ["name": member["name"] as? String ?? "", "relation": member["relation"] as? String ?? ""]
            // Only a known age: a mustache section shows for any number, so a missing one must be absent, not 0.
            if let age = member["age"] as? Int { row["age"] = age }
            return row
        }
        return .page(template: "visit", title: "走访记录", values: [
            "householdId": id, "members": members, "today": Display.today(), "idempotencyKey": ConsoleSession.newFormToken(), "problems": problems, "hasProblems": !problems.isEmpty, "done": done,
            "risks": Display.risks.map { ["key": $0.key, "name": $0.name] },
        ], status: status)
    }
}
