import Foundation
import Hummingbird
import LifelineAuth

/// The village's households (本村农户): every household of the village with its head and size, and
/// for the monitored ones their category, since when, their cadre and their assistance measures
/// (帮扶措施, 五扶N帮) with a form to record another; each household opens the visit form. A measure in
/// place is one of the conditions of risk elimination.
extension Console {
    static let measureKinds: [(key: String, name: String)] = [
        ("policy", "政策帮扶"), ("employment", "就业帮扶"), ("industry", "产业帮扶"), ("safetyNet", "兜底帮扶"), ("insurance", "保险帮扶"), ("social", "社会帮扶"),
    ]

    func addVillageHouseholdRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("households") { request, context in
            try await respond(request, context, roles: [.village]) { signedIn in
                try await villageHouseholdsPage(signedIn, done: request.uri.queryParameters.get("done") != nil, problems: [])
            }
        }
        router.post("households/:id/measures") { request, context in
            let form = try await FormData.read(request)
            return try await respond(request, context, roles: [.village], form: form) { signedIn in
                let id = Self.pathSafe(context.parameters.get("id") ?? "")
                let answer = try await backends.review.post(
                    "/v1/monitored/\(id)/measures",
                    json: ["kind": form["kind"] ?? "", "description": form["description"] ?? "", "startedOn": form["startedOn"] ?? ""], token: signedIn.token)
                if answer.ok { return .redirect("/households?done=1#h-\(id)") }
                return try await villageHouseholdsPage(signedIn, done: false, problems: Self.problems(answer), status: .init(code: answer.status))
            }
        }
    }

    func villageHouseholdsPage(_ signedIn: SignedIn, done: Bool, problems: [[String: String]], status: HTTPResponse.Status = .ok) async throws -> Outcome {
        let village = Self.pathSafe(signedIn.region)
        // Monitoring is review's; the registry (names, sizes) is intake's. A household review monitors is
        // listed even when intake does not answer.
        let monitored = try await backends.review.get("/v1/monitored?region=\(village)", token: signedIn.token)
        guard monitored.ok else {
            return .page(template: "error", title: "本村农户", values: ["heading": "无法查看监测户", "message": monitored.message], status: .init(code: monitored.status))
        }
        // The registry page by page (intake answers 500 at most), up to 5,000 households.
        var pages: [[String: Any]] = []
        var registryAnswered = true
        for offset in stride(from: 0, to: 5000, by: 500) {
            guard let page = try? await backends.intake.get(
                "/v1/households?villageCode=\(village)&limit=500&offset=\(offset)", token: signedIn.token, timeout: .seconds(5)), page.ok
            else {
                registryAnswered = false
                break
            }
            let households = page.json["households"] as? [[String: Any]] ?? []
            pages += households
            if households.count < 500 { break }
        }
        var registered: [String: [String: Any]] = [:]
        for household in pages {
            let members = household["members"] as? [[String: Any]] ?? []
            let head = members.first { $0["relation"] as? String == "户主" } ?? members.first
            registered[household["id"] as? String ?? ""] = [
                "headName": head?["name"] as? String ?? "（未登记户主）", "people": members.count, "provisional": household["provisional"] as? Bool ?? false,
            ]
        }
        let today = Display.today()
        let kinds = Self.measureKinds.map { ["key": $0.key, "name": $0.name] }
        let monitoredRows = (monitored.json["households"] as? [[String: Any]] ?? []).map { watch -> [String: Any] in
            let id = watch["householdId"] as? String ?? ""
            return [
                "id": id, "headName": registered[id]?["headName"] as? String ?? id, "people": watch["people"] as? Int ?? 0,
                "categoryName": watch["categoryName"] as? String ?? "", "startedOn": watch["startedOn"] as? String ?? "",
                "cadreName": watch["cadreName"] as? String ?? "", "today": today, "kinds": kinds,
                "measures": (watch["measures"] as? [[String: Any]] ?? []).map { measure -> [String: Any] in
                    [
                        "kindName": measure["kindName"] as? String ?? "", "description": measure["description"] as? String ?? "",
                        "startedOn": measure["startedOn"] as? String ?? "",
                    ]
                },
            ]
        }
        let monitoredIds = Set(monitoredRows.compactMap { $0["id"] as? String })
        let others = registered.filter { !monitoredIds.contains($0.key) }.sorted { $0.key < $1.key }.map { id, row -> [String: Any] in
            row.merging(["id": id]) { first, _ in first }
        }
        return .page(template: "village-households", title: "本村农户", values: [
            "monitoredHouseholds": monitoredRows, "otherHouseholds": others, "monitoredCount": monitoredRows.count, "count": others.count,
            "registryUnavailable": !registryAnswered, "done": done, "problems": problems, "hasProblems": !problems.isEmpty,
        ], status: status)
    }
}
