import Foundation
import Hummingbird
import LifelineAuth

/// The town files an insurance claim (理赔报案) for a household of its own: the policy year's lines and
/// loss kinds to choose from, the loss and what others already paid, the documents gathered and the
/// payee. The form carries an Idempotency-Key, so a double submit files one claim. Insurance checks
/// coverage and the rule; its field problems come back beside the form.
extension Console {
    func addClaimFilingRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("claim-form") { request, context in
            try await respond(request, context, roles: [.town]) { signedIn in
                try await claimFormPage(signedIn, year: request.uri.queryParameters.get("year").flatMap { Int($0) }, form: nil, problems: [])
            }
        }
        router.post("claim-form") { request, context in
            let form = try await FormData.read(request)
            return try await respond(request, context, roles: [.town], form: form) { signedIn in
                let (body, problems) = Self.claimBody(form)
                guard problems.isEmpty else {
                    return try await claimFormPage(signedIn, year: form.int("year"), form: form, problems: problems, status: .badRequest)
                }
                let answer = try await backends.insurance.post(
                    "/v1/claims", json: body, token: signedIn.token, headers: ["Idempotency-Key": form["idempotencyKey"] ?? ConsoleSession.newFormToken()])
                if answer.ok, let claimId = answer.json["claimId"] as? String { return .redirect("/claims/\(Self.pathSafe(claimId))?done=1") }
                return try await claimFormPage(signedIn, year: form.int("year"), form: form, problems: Self.problems(answer), status: .init(code: answer.status))
            }
        }
    }

    /// Insurance's claim body from the form, with the problems the console can tell itself.
    static func claimBody(_ form: FormData) -> ([String: Any], [[String: String]]) {
        var problems: [[String: String]] = []
        let kind = (form["lossKind"] ?? "").split(separator: "|", maxSplits: 1).map(String.init)
        if kind.count != 2 { problems.append(["field": "lossKind", "message": "请选择险种和损失类型"]) }
        let loss = form.fen("lossYuan")
        if loss == nil || loss == 0 { problems.append(["field": "lossFen", "message": "损失金额：请填写大于0的金额（元）"]) }
        var otherPayments: [[String: Any]] = []
        for index in 1...3 {
            let source = form["otherSource\(index)"]
            // An empty amount is missing, not 0.
            let amount = form["otherYuan\(index)"] == nil ? nil : form.fen("otherYuan\(index)")
            guard source != nil || form["otherYuan\(index)"] != nil else { continue }
            guard let source, let amount, amount > 0 else {
                problems.append(["field": "otherPayments", "message": "其他已支付第\(index)项：请同时填写支付方和金额（元）"])
                continue
            }
            otherPayments.append(["source": source, "amountFen": amount])
        }
        let documents = (form["documents"] ?? "").split(whereSeparator: { "，,、\n".contains($0) })
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return ([
            "householdId": form["householdId"] ?? "", "line": kind.first ?? "", "lossKind": kind.last ?? "", "incidentDate": form["incidentDate"] ?? "",
            "lossFen": loss ?? 0, "otherPayments": otherPayments, "description": form["description"] ?? "", "documents": documents,
            "payee": ["name": form["payeeName"] ?? "", "bankName": form["bankName"] ?? "", "accountNumber": form["accountNumber"] ?? ""],
        ], problems)
    }

    func claimFormPage(
        _ signedIn: SignedIn, year requested: Int?, form: FormData?, problems: [[String: String]], status: HTTPResponse.Status = .ok
    ) async throws -> Outcome {
        let answer = try await backends.insurance.get("/v1/policy-years", token: signedIn.token)
        guard answer.ok else {
            return .page(template: "error", title: "理赔报案", values: ["heading": "无法报案", "message": answer.message], status: .init(code: answer.status))
        }
        let years = (answer.json["years"] as? [[String: Any]] ?? []).sorted { ($0["year"] as? Int ?? 0) > ($1["year"] as? Int ?? 0) }
        let thisYear = Int(Display.today().prefix(4))!
        // The year asked for, else this year's policy, else the latest.
        let chosen = years.first { $0["year"] as? Int == requested } ?? years.first { $0["year"] as? Int == thisYear } ?? years.first
        let year = chosen?["year"] as? Int ?? thisYear
        let picked = form?["lossKind"]
        let kinds = (chosen?["lines"] as? [[String: Any]] ?? []).flatMap { line -> [[String: Any]] in
            (line["lossKinds"] as? [[String: Any]] ?? []).map { kind in
                let value = "\(line["line"] as? String ?? "")|\(kind["code"] as? String ?? "")"
                return ["value": value, "label": "\(line["name"] as? String ?? "") · \(kind["name"] as? String ?? "")", "selected": value == picked]
            }
        }
        var values: [String: Any] = Self.formValues(form)
        values["householdId"] = form?["householdId"] ?? ""
        values["years"] = years.map { item -> [String: Any] in
            ["year": item["year"] as? Int ?? 0, "name": item["name"] as? String ?? "", "selected": item["year"] as? Int == year]
        }
        values["year"] = year
        values["hasPolicy"] = chosen != nil
        values["lossKinds"] = kinds
        values["incidentDate"] = form?["incidentDate"] ?? (year == thisYear ? Display.today() : "\(year)-01-01")
        values["idempotencyKey"] = form?["idempotencyKey"] ?? ConsoleSession.newFormToken()
        values["problems"] = problems
        values["hasProblems"] = !problems.isEmpty
        return .page(template: "claim-form", title: "理赔报案", values: ["form": values], status: status)
    }
}
