import Foundation
import Hummingbird
import LifelineAuth

/// The town's (and the district's) lead work: verifying the leads department screening and the
/// hotlines raise (精准核实), settling the leads no village was found for (线索分办: assign to a household
/// or close), and the hotline work orders with their due times (办理时限).
extension Console {
    static let townLevels: Set<Role> = [.town, .district]

    func addTownRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("verification") { request, context in
            try await respond(request, context, roles: Self.townLevels) { signedIn in
                try await verificationPage(signedIn, done: request.uri.queryParameters.get("done") != nil, problems: [])
            }
        }
        router.post("leads/:id/:action") { request, context in
            let form = try await FormData.read(request)
            return try await respond(request, context, roles: Self.townLevels, form: form) { signedIn in
                let id = Self.pathSafe(context.parameters.get("id") ?? "")
                let action = context.parameters.get("action") ?? ""
                let body: [String: Any]
                let back: String
                switch action {
                case "verification":
                    body = ["outcome": form["outcome"] ?? "", "note": form["note"] ?? ""]
                    back = "/verification"
                case "assignment":
                    body = ["householdId": form["householdId"] ?? ""]
                    back = "/"
                case "closure":
                    body = ["reason": form["reason"] ?? ""]
                    back = "/"
                default:
                    return .page(template: "error", title: "页面不存在", values: ["heading": "页面不存在", "message": ""], status: .notFound)
                }
                let answer = try await backends.review.post("/v1/leads/\(id)/\(action)", json: body, token: signedIn.token)
                if answer.ok { return .redirect(back + "?done=\(action)") }
                if action == "verification" {
                    return try await verificationPage(signedIn, done: false, problems: Self.problems(answer), status: .init(code: answer.status))
                }
                return .page(
                    template: "error", title: "未能处理", values: ["heading": "未能处理线索", "message": Self.problems(answer).map { $0["message"] ?? "" }.joined(separator: "；")],
                    status: .init(code: answer.status))
            }
        }
        router.get("work-orders") { request, context in
            try await respond(request, context, roles: Self.townLevels) { signedIn in
                let status = request.uri.queryParameters.get("status").map { String($0) } ?? "open"
                let answer = try await backends.hotline.get("/v1/work-orders?status=\(Self.pathSafe(status))", token: signedIn.token)
                guard answer.ok else {
                    return .page(template: "error", title: "热线工单", values: ["heading": "无法查看热线工单", "message": answer.message], status: .init(code: answer.status))
                }
                let statusNames = ["open": "办理中", "dueSoon": "临期", "overdue": "超期", "closed": "已办结"]
                let orders = (answer.json["orders"] as? [[String: Any]] ?? []).map { order -> [String: Any] in
                    let state = order["status"] as? String ?? ""
                    return [
                        "orderNumber": order["orderNumber"] as? String ?? "", "channel": order["channel"] as? String ?? "",
                        "categoryName": order["categoryName"] as? String ?? "", "explanation": order["explanation"] as? String ?? "",
                        "receivedAt": Display.time(order["receivedAt"]), "dueAt": Display.time(order["dueAt"]), "statusName": statusNames[state] ?? state,
                        "late": state == "overdue", "soon": state == "dueSoon", "urged": (order["urgedCount"] as? Int ?? 0) > 0,
                        "urgedCount": order["urgedCount"] as? Int ?? 0, "householdId": order["householdId"] as? String ?? "",
                        // Complaints and disputes are the town's to answer; a risk order is answered by review's decision.
                        "canReply": order["category"] as? String != "risk" && order["finalOutcome"] == nil,
                        "replyPath": "/work-orders/\(Self.pathSafe(order["orderNumber"] as? String ?? ""))/reply?channel=\(Self.pathSafe(order["channel"] as? String ?? ""))",
                    ]
                }
                let filters = [("open", "办理中"), ("dueSoon", "临期"), ("overdue", "超期"), ("closed", "已办结")].map { key, name in
                    ["status": key, "name": name, "current": key == status] as [String: Any]
                }
                return .page(template: "work-orders", title: "热线工单", values: [
                    "orders": orders, "filters": filters, "count": orders.count, "replied": request.uri.queryParameters.get("replied") != nil,
                ])
            }
        }
        router.post("work-orders/:number/reply") { request, context in
            let form = try await FormData.read(request)
            return try await respond(request, context, roles: Self.townLevels, form: form) { signedIn in
                let number = Self.pathSafe(context.parameters.get("number") ?? "")
                let channel = Self.pathSafe(request.uri.queryParameters.get("channel").map { String($0) } ?? "")
                let answer = try await backends.hotline.post(
                    "/v1/work-orders/\(number)/reply" + (channel.isEmpty ? "" : "?channel=\(channel)"), json: ["message": form["message"] ?? ""],
                    token: signedIn.token)
                if answer.ok { return .redirect("/work-orders?replied=1") }
                return .page(
                    template: "error", title: "热线工单", values: [
                        "heading": "未能答复工单", "message": Self.problems(answer).map { $0["message"] ?? "" }.joined(separator: "；"),
                    ], status: .init(code: answer.status))
            }
        }
    }

    func verificationPage(_ signedIn: SignedIn, done: Bool, problems: [[String: String]], status: HTTPResponse.Status = .ok) async throws -> Outcome {
        let answer = try await backends.review.get("/v1/leads/verification", token: signedIn.token)
        let leads = (answer.json["leads"] as? [[String: Any]] ?? []).map(leadRow)
        return .page(template: "verification", title: "精准核实", values: [
            "leads": leads, "count": leads.count, "done": done, "problems": problems, "hasProblems": !problems.isEmpty,
        ], status: status)
    }
}
