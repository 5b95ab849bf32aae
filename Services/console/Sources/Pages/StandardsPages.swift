import Foundation
import Hummingbird
import LifelineAuth

/// 监测标准: the three categories of monitored household and the yearly monitoring line (防止返贫监测
/// 范围, per person per year) review measures income against. Every official reads them; only the
/// district sets a year's line, which review records in its audit trail.
extension Console {
    static let standardReaders: Set<Role> = [.village, .town, .district, .admin]

    /// The categories as the district explains them (../shared/docs/domain.md section 3).
    static let categoryGuide: [[String: String]] = [
        ["name": "脱贫不稳定户", "meaning": "已脱贫，但人均纯收入低于监测范围，存在返贫风险。"],
        ["name": "边缘易致贫户", "meaning": "一般农户，人均纯收入低于监测范围，存在致贫风险。"],
        ["name": "突发严重困难户", "meaning": "收入可能高于监测范围，但因病、因灾、因意外事故等刚性支出骤增或收入大幅缩减，基本生活出现严重困难。"],
    ]

    func addStandardsRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("standards") { request, context in
            try await respond(request, context, roles: Self.standardReaders) { signedIn in
                try await standardsPage(signedIn, done: request.uri.queryParameters.get("done") != nil, problems: [], form: nil)
            }
        }
        router.post("standards") { request, context in
            let form = try await FormData.read(request)
            return try await respond(request, context, roles: [.district], form: form) { signedIn in
                var problems: [[String: String]] = []
                let year = Int(form["year"] ?? "")
                if year == nil { problems.append(["field": "year", "message": "年份：请填写四位数字的年份"]) }
                let fen = FormData.fen(yuan: form["lineYuan"] ?? "")
                if fen == nil { problems.append(["field": "lineYuan", "message": "监测范围：请填写金额（元，最多两位小数）"]) }
                if let year, let fen, problems.isEmpty {
                    let answer = try await backends.review.put("/v1/monitoring-lines/\(year)", json: ["lineFen": fen], token: signedIn.token)
                    if answer.ok { return .redirect("/standards?done=1") }
                    problems = Self.problems(answer).map { problem in
                        // Review names the field in its own terms; the form says 元.
                        problem["field"] == "lineFen" ? ["field": "lineYuan", "message": "监测范围：" + (problem["message"] ?? "")] : problem
                    }
                    return try await standardsPage(signedIn, done: false, problems: problems, form: form, status: .init(code: answer.status))
                }
                return try await standardsPage(signedIn, done: false, problems: problems, form: form, status: .badRequest)
            }
        }
    }

    func standardsPage(_ signedIn: SignedIn, done: Bool, problems: [[String: String]], form: FormData?, status: HTTPResponse.Status = .ok) async throws -> Outcome {
        let answer = try await backends.review.get("/v1/monitoring-lines", token: signedIn.token)
        guard answer.ok else {
            return .page(template: "error", title: "监测标准", values: ["heading": "无法查看监测标准", "message": answer.message], status: .init(code: answer.status))
        }
        let lines = (answer.json["lines"] as? [[String: Any]] ?? []).reversed().map { line -> [String: Any] in
            [
                "year": line["year"] as? Int ?? 0, "line": Display.yuan(fen: line["lineFen"]),
                "setBy": line["setBy"] as? String == "initial" ? "初始设置" : (line["setBy"] as? String ?? ""), "setAt": Display.time(line["setAt"]),
            ]
        }
        return .page(template: "standards", title: "监测标准", values: [
            "categories": Self.categoryGuide, "lines": lines, "canSet": signedIn.role == .district, "done": done,
            "problems": problems, "hasProblems": !problems.isEmpty,
            "year": form?["year"] ?? String(Display.today().prefix(4)), "lineYuan": form?["lineYuan"] ?? "",
        ], status: status)
    }
}
