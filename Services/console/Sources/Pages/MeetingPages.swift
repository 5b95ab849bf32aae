import Foundation
import Hummingbird
import LifelineAuth

/// The village's monthly meeting (主题党日+阳光议事): the date, attendance and, for each household
/// discussed, whether the meeting proposes it for monitoring and why; intake turns each proposal into
/// a lead for review. Earlier meetings are listed below.
extension Console {
    func addMeetingRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("meetings") { request, context in
            try await respond(request, context, roles: [.village]) { signedIn in
                try await meetingPage(signedIn, done: request.uri.queryParameters.get("done") != nil, problems: [], form: nil)
            }
        }
        router.post("meetings") { request, context in
            let form = try await FormData.read(request)
            return try await respond(request, context, roles: [.village], form: form) { signedIn in
                var decisions: [[String: Any]] = []
                for id in form.all("household") {
                    guard let choice = form["decision-\(id)"], choice != "none" else { continue }
                    decisions.append(["householdId": id, "propose": choice == "propose", "reason": form["reason-\(id)"] ?? ""])
                }
                let answer = try await backends.intake.post(
                    "/v1/villages/\(Self.pathSafe(signedIn.region))/meetings",
                    json: ["heldOn": form["heldOn"] ?? "", "attendance": form.int("attendance") ?? 0, "decisions": decisions], token: signedIn.token,
                    headers: form["idempotencyKey"].map { ["Idempotency-Key": $0] } ?? [:])
                if answer.ok { return .redirect("/meetings?done=1") }
                return try await meetingPage(signedIn, done: false, problems: Self.problems(answer), form: form, status: .init(code: answer.status))
            }
        }
    }

    func meetingPage(_ signedIn: SignedIn, done: Bool, problems: [[String: String]], form: FormData?, status: HTTPResponse.Status = .ok) async throws -> Outcome {
        let village = Self.pathSafe(signedIn.region)
        let households = try await backends.intake.get("/v1/households?villageCode=\(village)&limit=500", token: signedIn.token)
        let rows = (households.json["households"] as? [[String: Any]] ?? []).map { household -> [String: Any] in
            let id = household["id"] as? String ?? ""
            let members = household["members"] as? [[String: Any]] ?? []
            let head = members.first { $0["relation"] as? String == "户主" } ?? members.first
            let choice = form?["decision-\(id)"] ?? "none"
            return [
                "id": id, "headName": head?["name"] as? String ?? "（未登记户主）", "people": members.count,
                "propose": choice == "propose", "reject": choice == "reject", "none": choice == "none", "reason": form?["reason-\(id)"] ?? "",
            ]
        }
        let history = try await backends.intake.get("/v1/villages/\(village)/meetings", token: signedIn.token)
        let meetings = (history.json["meetings"] as? [[String: Any]] ?? []).map { meeting -> [String: Any] in
            let decisions = meeting["decisions"] as? [[String: Any]] ?? []
            return [
                "heldOn": meeting["heldOn"] as? String ?? "", "attendance": meeting["attendance"] as? Int ?? 0,
                "proposed": decisions.filter { $0["propose"] as? Bool == true }.count, "discussed": decisions.count,
            ]
        }
        return .page(template: "meetings", title: "村级议事", values: [
            "households": rows, "meetings": meetings, "today": Display.today(), "done": done, "problems": problems, "hasProblems": !problems.isEmpty,
            "attendance": form?["attendance"] ?? "", "idempotencyKey": ConsoleSession.newFormToken(),
        ], status: status)
    }
}
