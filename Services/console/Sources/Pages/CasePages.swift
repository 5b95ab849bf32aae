import Foundation
import Hummingbird
import LifelineAuth

/// A case's page (案件): its whole timeline, and the form of the step the official may take now —
/// the village's home verification (入户核实) and democratic appraisal (民主评议), the town's review
/// (镇级审核) and its decision on adverse comparison findings (信息比对), the district's entry (区级录入). Review decides who may see and do what; a case outside
/// the official's jurisdiction answers "not found".
extension Console {
    static let steps: [String: (stage: String, role: Set<Role>)] = [
        "home-verification": ("homeVerification", [.village]), "democratic-appraisal": ("democraticAppraisal", [.village]),
        "comparison-decision": ("informationComparison", [.town]), "town-review": ("townReview", [.town]), "entry": ("systemEntry", [.district, .admin]),
        "objections": ("publicAnnouncement", [.village, .town]),
    ]

    func addCaseRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("cases/:id") { request, context in
            try await respond(request, context) { signedIn in
                let done = request.uri.queryParameters.get("done").map { String($0) }
                return try await casePage(context.parameters.get("id") ?? "", signedIn: signedIn, done: done, problems: [], form: nil)
            }
        }
        router.post("cases/:id/:step") { request, context in
            let form = try await FormData.read(request)
            return try await respond(request, context, roles: [.village, .town, .district, .admin], form: form) { signedIn in
                let id = context.parameters.get("id") ?? ""
                guard let step = context.parameters.get("step"), Self.steps[step] != nil else {
                    return .page(template: "error", title: "页面不存在", values: ["heading": "页面不存在", "message": "没有这个步骤。"], status: .notFound)
                }
                let (body, formProblems) = Self.stepBody(step, form: form)
                if !formProblems.isEmpty { return try await casePage(id, signedIn: signedIn, done: nil, problems: formProblems, form: form, status: .badRequest) }
                let answer = try await backends.review.post("/v1/cases/\(Self.pathSafe(id))/\(step)", json: body, token: signedIn.token)
                if answer.ok { return .redirect("/cases/\(Self.pathSafe(id))?done=\(step)") }
                var problems = answer.fieldProblems.map { ["field": $0.field, "message": $0.message] }
                if problems.isEmpty { problems = [["field": "", "message": answer.message.isEmpty ? "提交失败（\(answer.status)）" : answer.message]] }
                return try await casePage(id, signedIn: signedIn, done: nil, problems: problems, form: form, status: .init(code: answer.status))
            }
        }
    }

    /// The town's resolution of an objection (异议处理).
    func addObjectionRoute(to router: Router<ConsoleRequestContext>) {
        router.post("cases/:id/objections/:number/resolution") { request, context in
            let form = try await FormData.read(request)
            return try await respond(request, context, roles: [.town], form: form) { signedIn in
                let id = Self.pathSafe(context.parameters.get("id") ?? "")
                let number = Int(context.parameters.get("number") ?? "") ?? 0
                let answer = try await backends.review.post(
                    "/v1/cases/\(id)/objections/\(number)/resolution",
                    json: ["upheld": form["upheld"] == "true", "resolution": form["resolution"] ?? ""], token: signedIn.token)
                if answer.ok { return .redirect("/cases/\(id)?done=objection-resolution") }
                return try await casePage(id, signedIn: signedIn, done: nil, problems: Self.problems(answer), form: form, status: .init(code: answer.status))
            }
        }
    }

    func casePage(
        _ id: String, signedIn: SignedIn, done: String?, problems: [[String: String]], form: FormData?, status: HTTPResponse.Status = .ok
    ) async throws -> Outcome {
        let answer = try await backends.review.get("/v1/cases/\(Self.pathSafe(id))", token: signedIn.token)
        guard answer.ok, let item = answer.json["case"] as? [String: Any] else {
            return .page(
                template: "error", title: "案件不存在", values: ["heading": "案件不存在", "message": "没有找到这个案件，或它不在您的管辖范围内。", "notFound": true],
                status: answer.status == 403 || answer.status == 404 ? .notFound : .init(code: answer.status))
        }
        var values = caseRow(item)
        let stage = item["stage"] as? String ?? ""
        values["categoryName"] = item["categoryName"] as? String ?? ""
        values["outcomeName"] = item["outcomeName"] as? String ?? ""
        values["decisionReason"] = item["decisionReason"] as? String ?? ""
        values["applicationNumber"] = item["applicationNumber"] as? String ?? ""
        values["contactPhoneMasked"] = item["contactPhoneMasked"] as? String ?? ""
        values["openedAt"] = Display.time(item["openedAt"])
        values["discoveredAt"] = Display.time(item["discoveredAt"])
        values["announcementEndsOn"] = item["announcementEndsOn"] as? String ?? ""
        values["closed"] = item["closedAt"] != nil && !(item["closedAt"] is NSNull)
        values["steps"] = (answer.json["steps"] as? [[String: Any]] ?? []).map { step -> [String: Any] in
            [
                "stageName": step["stageName"] as? String ?? "", "recordedAt": Display.time(step["recordedAt"]),
                "recordedBy": step["recordedBy"] as? String ?? "", "recordedRole": Display.roleName(step["recordedRole"]),
            ]
        }
        values["leads"] = (answer.json["leads"] as? [[String: Any]] ?? []).map { lead -> [String: Any] in
            ["roadName": lead["roadName"] as? String ?? "", "summary": lead["summary"] as? String ?? "", "receivedAt": Display.time(lead["receivedAt"])]
        }
        values["comparisons"] = (answer.json["comparisons"] as? [[String: Any]] ?? []).map { comparison -> [String: Any] in
            [
                "requestedAt": Display.time(comparison["requestedAt"]), "answered": comparison["answeredAt"] is String,
                "answeredAt": Display.time(comparison["answeredAt"]), "adverse": comparison["adverse"] as? Bool ?? false,
                "findings": (comparison["findings"] as? [[String: Any]] ?? []).map { finding -> [String: Any] in
                    [
                        "department": finding["department"] as? String ?? "", "summary": finding["summary"] as? String ?? "",
                        "against": finding["arguesAgainstMonitoring"] as? Bool ?? false,
                    ]
                },
            ]
        }
        values["objections"] = (answer.json["objections"] as? [[String: Any]] ?? []).map { objection -> [String: Any] in
            [
                "number": objection["number"] as? Int ?? 0, "receivedOn": objection["receivedOn"] as? String ?? "",
                "content": objection["content"] as? String ?? "", "resolved": objection["resolvedAt"] is String,
                "upheld": objection["upheld"] as? Bool ?? false, "resolution": objection["resolution"] as? String ?? "",
                "canResolve": signedIn.role == .town && !(objection["resolvedAt"] is String),
            ]
        }
        values["hasObjections"] = !(values["objections"] as? [[String: Any]] ?? []).isEmpty
        let role = signedIn.role
        values["canObject"] = stage == "publicAnnouncement" && (role == .village || role == .town)
        values["canHomeVerification"] = stage == "homeVerification" && role == .village
        values["canAppraisal"] = stage == "democraticAppraisal" && role == .village
        values["canTownReview"] = stage == "townReview" && role == .town
        values["canComparisonDecision"] = stage == "informationComparison" && role == .town && item["comparisonState"] as? String == "adverse"
        values["canEntry"] = stage == "systemEntry" && (role == .district || role == .admin)
        values["today"] = Display.today()
        values["risks"] = Display.risks.map { risk in
            ["key": risk.key, "name": risk.name, "checked": form?.all("risks").contains(risk.key) ?? false] as [String: Any]
        }
        values["form"] = Self.formValues(form)
        // A refusal sent back (e.g. without its reason) comes back still a refusal.
        values["refused"] = form?["approved"] == "false"
        values["problems"] = problems
        values["hasProblems"] = !problems.isEmpty
        if let done { values["done"] = Self.doneMessages[done] ?? "已提交" }
        return .page(template: "case", title: "案件 \(id)", values: values, status: status)
    }

    static let doneMessages = [
        "home-verification": "入户核实已提交", "democratic-appraisal": "民主评议结果已提交", "town-review": "镇级审核意见已提交", "comparison-decision": "信息比对处理意见已提交", "entry": "区级录入已完成",
    ]

    /// The form's values, to fill the form again after an error.
    static func formValues(_ form: FormData?) -> [String: String] {
        var values: [String: String] = [:]
        for (name, value) in form?.pairs ?? [] where name != "_csrf" && values[name] == nil { values[name] = value }
        return values
    }

    static func pathSafe(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_"))) ?? ""
    }

    /// The JSON review takes for a step, from the step's form, and the problems the console can tell itself.
    static func stepBody(_ step: String, form: FormData) -> ([String: Any], [[String: String]]) {
        var problems: [[String: String]] = []
        func amount(_ name: String, _ label: String) -> Int64 {
            guard let fen = form.fen(name) else {
                problems.append(["field": name, "message": "\(label)应为不小于0的金额（元）"])
                return 0
            }
            return fen
        }
        func count(_ name: String, _ label: String) -> Int {
            guard let value = form.int(name), value >= 0 else {
                problems.append(["field": name, "message": "请填写\(label)"])
                return 0
            }
            return value
        }
        switch step {
        case "home-verification":
            let visitors = (form["visitors"] ?? "").split(whereSeparator: { "，, 、".contains($0) }).map(String.init)
            let body: [String: Any] = [
                "visitDate": form["visitDate"] ?? "", "visitors": visitors, "people": count("people", "共同生活人口"),
                "membersPresent": count("membersPresent", "在场人数"),
                "incomeItems": [
                    ["kind": "wages", "amountFen": amount("wagesYuan", "工资性收入")], ["kind": "businessNet", "amountFen": amount("businessYuan", "经营净收入")],
                    ["kind": "property", "amountFen": amount("propertyYuan", "财产性收入")], ["kind": "transfer", "amountFen": amount("transferYuan", "转移性收入")],
                ],
                "rigidExpenses": [
                    ["kind": "medical", "amountFen": amount("medicalYuan", "医疗支出")], ["kind": "schooling", "amountFen": amount("schoolingYuan", "教育支出")],
                    ["kind": "other", "amountFen": amount("otherExpenseYuan", "其他刚性支出")],
                ].filter { ($0["amountFen"] as? Int64 ?? 0) > 0 },
                "risks": form.all("risks"),
                "checklist": [
                    "food": form.checked("food"), "clothing": form.checked("clothing"), "compulsorySchooling": form.checked("compulsorySchooling"),
                    "basicMedical": form.checked("basicMedical"), "safeHousing": form.checked("safeHousing"),
                    "water": [
                        "litresPerPersonPerDay": count("waterLitres", "人均日用水量"), "dryArea": form.checked("dryArea"),
                        "qualityMeetsStandard": form.checked("waterQuality"), "piped": form.checked("piped"),
                        "interruptionDaysPerYear": count("interruptionDays", "年断水天数"),
                    ] as [String: Any],
                ] as [String: Any],
                "rigidCostsResolved": form.checked("rigidCostsResolved"), "notes": form["notes"] ?? "",
            ]
            return (body, problems)
        case "democratic-appraisal":
            let approved = form["approved"] == "true"
            return ([
                "meetingDate": form["meetingDate"] ?? "", "attendance": count("attendance", "参会人数"), "votesFor": count("votesFor", "同意人数"),
                "approved": approved, "minutes": form["minutes"] ?? "",
            ], problems)
        case "town-review", "comparison-decision":
            return (["approved": form["approved"] == "true", "opinion": form["opinion"] ?? ""], problems)
        case "objections":
            return (["receivedOn": form["receivedOn"] ?? "", "content": form["content"] ?? ""], problems)
        default:
            var body: [String: Any] = ["approved": form["approved"] == "true", "opinion": form["opinion"] ?? ""]
            if let name = form["cadreName"] { body["cadre"] = ["name": name, "phone": form["cadrePhone"] ?? ""] }
            return (body, problems)
        }
    }
}
