import Foundation
import Hummingbird
import LifelineAuth

/// Insurance claims (防返贫保险理赔) in the console: the insurer's claims to decide, approve, pay or
/// reject, with the payout computed by the line's rule; towns and the district read theirs. Bank
/// accounts are shown masked, as insurance answers them.
extension Console {
    static let claimReaders: Set<Role> = [.town, .insurer, .district]

    func addClaimRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("claims") { request, context in
            try await respond(request, context, roles: Self.claimReaders) { signedIn in
                let status = request.uri.queryParameters.get("status").map { String($0) } ?? (signedIn.role == .insurer ? "filed" : "")
                let query = status.isEmpty ? "" : "?status=\(Self.pathSafe(status))"
                let answer = try await backends.insurance.get("/v1/claims\(query)", token: signedIn.token)
                guard answer.ok else {
                    return .page(template: "error", title: "理赔", values: ["heading": "无法查看理赔", "message": answer.message], status: .init(code: answer.status))
                }
                let claims = (answer.json["claims"] as? [[String: Any]] ?? []).map(claimRow)
                let filters = [("filed", "待审核"), ("approved", "待支付"), ("paid", "已支付"), ("rejected", "已拒赔"), ("", "全部")].map { key, name in
                    ["status": key, "name": name, "current": key == status] as [String: Any]
                }
                return .page(template: "claims", title: "理赔", values: [
                    "claims": claims, "filters": filters, "count": claims.count, "canFile": signedIn.role == .town, "canCertify": Self.certificationReaders.contains(signedIn.role),
                ])
            }
        }
        router.get("claims/:id") { request, context in
            try await respond(request, context, roles: Self.claimReaders) { signedIn in
                try await claimPage(context.parameters.get("id") ?? "", signedIn: signedIn, problems: [], done: request.uri.queryParameters.get("done") != nil)
            }
        }
        router.post("claims/:id/:decision") { request, context in
            let form = try await FormData.read(request)
            return try await respond(request, context, roles: [.insurer], form: form) { signedIn in
                let id = Self.pathSafe(context.parameters.get("id") ?? "")
                let body: [String: Any]
                switch context.parameters.get("decision") {
                case "approval": body = [:]
                case "payment": body = ["paymentReference": form["paymentReference"] ?? ""]
                case "rejection": body = ["reason": form["reason"] ?? ""]
                default: return .page(template: "error", title: "页面不存在", values: ["heading": "页面不存在", "message": ""], status: .notFound)
                }
                let answer = try await backends.insurance.post("/v1/claims/\(id)/\(context.parameters.get("decision") ?? "")", json: body, token: signedIn.token)
                if answer.ok { return .redirect("/claims/\(id)?done=1") }
                return try await claimPage(id, signedIn: signedIn, problems: Self.problems(answer), done: false, status: .init(code: answer.status))
            }
        }
    }

    func claimRow(_ claim: [String: Any]) -> [String: Any] {
        [
            "claimId": claim["claimId"] as? String ?? "", "householdId": claim["householdId"] as? String ?? "",
            "lineName": claim["lineName"] as? String ?? "", "incidentDate": claim["incidentDate"] as? String ?? "",
            "loss": Display.yuan(fen: claim["lossFen"]), "statusName": claim["statusName"] as? String ?? "",
            "status": claim["status"] as? String ?? "", "payout": claim["payoutFen"].map { Display.yuan(fen: $0) } ?? "",
            "filedAt": Display.time(claim["filedAt"]),
        ]
    }

    func claimPage(_ id: String, signedIn: SignedIn, problems: [[String: String]], done: Bool, status: HTTPResponse.Status = .ok) async throws -> Outcome {
        let answer = try await backends.insurance.get("/v1/claims/\(Self.pathSafe(id))", token: signedIn.token)
        guard answer.ok else {
            return .page(template: "error", title: "理赔不存在", values: ["heading": "理赔不存在", "message": "没有找到这笔理赔，或它不在您的范围内。"], status: .notFound)
        }
        let claim = answer.json
        var values = claimRow(claim)
        let steps = (claim["breakdown"] as? [[String: Any]]) ?? (claim["estimate"] as? [[String: Any]]) ?? []
        values["steps"] = steps.map { ["description": $0["description"] as? String ?? "", "amount": Display.yuan(fen: $0["amountFen"])] }
        values["isEstimate"] = claim["breakdown"] == nil || claim["breakdown"] is NSNull
        values["description"] = claim["description"] as? String ?? ""
        values["categoryName"] = claim["category"] as? String ?? ""
        let payee = claim["payee"] as? [String: Any] ?? [:]
        values["payee"] = "\(payee["name"] as? String ?? "") · \(payee["bankName"] as? String ?? "") \(payee["accountMasked"] as? String ?? "")"
        values["reason"] = claim["reason"] as? String ?? ""
        values["paymentReference"] = claim["paymentReference"] as? String ?? ""
        let state = claim["status"] as? String ?? ""
        values["canApprove"] = signedIn.role == .insurer && state == "filed"
        values["canPay"] = signedIn.role == .insurer && state == "approved"
        values["canReject"] = signedIn.role == .insurer && (state == "filed" || state == "approved")
        values["problems"] = problems
        values["hasProblems"] = !problems.isEmpty
        values["done"] = done
        return .page(template: "claim", title: "理赔 \(id)", values: values, status: status)
    }
}
