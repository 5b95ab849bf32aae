import Foundation
import Hummingbird
import LifelineAuth

/// Account administration (账号管理) for the district's and towns' administrators: the list, a new
/// account (its initial password shown once), disabling and enabling, a password reset, the audit
/// of one account, and accounts for every grid member of a region at once.
extension Console {
    func addAccountRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("accounts") { request, context in
            try await respond(request, context) { signedIn in
                try await accountsPage(signedIn, query: request.uri.queryParameters.get("q").map { String($0) }, problems: [], form: nil)
            }
        }
        router.post("accounts") { request, context in
            let form = try await FormData.read(request)
            return try await respond(request, context, form: form) { signedIn in
                var body: [String: Any] = [
                    "name": form["name"] ?? "", "mobile": form["mobile"] ?? "", "role": form["role"] ?? "", "region": form["region"] ?? "",
                    "administrator": form.checked("administrator"),
                ]
                if let member = form["gridMemberId"] { body["gridMemberId"] = member }
                if let department = form["department"] { body["department"] = department }
                let answer = try await backends.accounts.post("/v1/accounts", json: body, token: signedIn.token, forwardedFor: forwardedFor(request, context))
                guard answer.ok else { return try await accountsPage(signedIn, query: nil, problems: Self.problems(answer), form: form, status: .init(code: answer.status)) }
                return .page(template: "account-created", title: "账号已创建", values: Self.created(answer.json))
            }
        }
        router.post("accounts/from-grid") { request, context in
            let form = try await FormData.read(request)
            return try await respond(request, context, form: form) { signedIn in
                let answer = try await backends.accounts.post(
                    "/v1/accounts/from-grid", json: ["region": form["region"] ?? signedIn.region], token: signedIn.token, forwardedFor: forwardedFor(request, context))
                guard answer.ok else { return try await accountsPage(signedIn, query: nil, problems: Self.problems(answer), form: form, status: .init(code: answer.status)) }
                let outcomes = ["created": "已创建", "hasAccount": "已有账号", "mobileTaken": "手机号已被占用", "badMobile": "手机号无效"]
                let rows = (answer.json["results"] as? [[String: Any]] ?? []).map { row -> [String: Any] in
                    [
                        "name": row["name"] as? String ?? "", "duty": row["duty"] as? String ?? "", "unitName": row["unitName"] as? String ?? "",
                        "outcome": outcomes[row["outcome"] as? String ?? ""] ?? "", "initialPassword": row["initialPassword"] as? String ?? "",
                        "mobile": (row["account"] as? [String: Any])?["mobile"] as? String ?? "",
                    ]
                }
                return .page(template: "accounts-from-grid", title: "按网格批量开通", values: [
                    "rows": rows, "created": rows.filter { !($0["initialPassword"] as? String ?? "").isEmpty }.count,
                ])
            }
        }
        router.get("accounts/:id") { request, context in
            try await respond(request, context) { signedIn in
                try await accountPage(context.parameters.get("id") ?? "", signedIn: signedIn, message: nil)
            }
        }
        router.post("accounts/:id/:action") { request, context in
            let form = try await FormData.read(request)
            return try await respond(request, context, form: form) { signedIn in
                let id = Self.pathSafe(context.parameters.get("id") ?? "")
                switch context.parameters.get("action") {
                case "disable", "enable":
                    let answer = try await backends.accounts.patch(
                        "/v1/accounts/\(id)", json: ["disabled": context.parameters.get("action") == "disable"], token: signedIn.token,
                        forwardedFor: forwardedFor(request, context))
                    return try await accountPage(id, signedIn: signedIn, message: answer.ok ? "已保存" : answer.message)
                case "reset":
                    let answer = try await backends.accounts.post(
                        "/v1/accounts/\(id)/password-reset", json: [:], token: signedIn.token, forwardedFor: forwardedFor(request, context))
                    guard answer.ok else { return try await accountPage(id, signedIn: signedIn, message: answer.message) }
                    return .page(template: "account-created", title: "密码已重置", values: Self.created(answer.json).merging(["reset": true]) { $1 })
                default:
                    return .page(template: "error", title: "页面不存在", values: ["heading": "页面不存在", "message": ""], status: .notFound)
                }
            }
        }
    }

    static let roleChoices: [(String, String)] = [
        ("village", "村级"), ("grid-member", "联户长"), ("town", "镇街"), ("district", "区级"), ("department", "部门数据专员"), ("insurer", "保险公司"),
        ("hotline-operator", "热线系统"),
    ]

    func accountsPage(
        _ signedIn: SignedIn, query: String?, problems: [[String: String]], form: FormData?, status: HTTPResponse.Status = .ok
    ) async throws -> Outcome {
        let search = query.map { "?q=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") } ?? ""
        let answer = try await backends.accounts.get("/v1/accounts\(search)", token: signedIn.token)
        guard answer.ok else {
            return .page(template: "error", title: "账号管理", values: ["heading": "无法管理账号", "message": answer.message], status: .init(code: answer.status))
        }
        let accounts = (answer.json["accounts"] as? [[String: Any]] ?? []).map(Self.accountRow)
        let chosen = form?["role"] ?? "village"
        return .page(template: "accounts", title: "账号管理", values: [
            "accounts": accounts, "count": accounts.count, "query": query ?? "", "problems": problems, "hasProblems": !problems.isEmpty, "form": Self.formValues(form),
            "region": signedIn.region, "roles": Self.roleChoices.map { ["value": $0.0, "name": $0.1, "selected": $0.0 == chosen] },
            "districtAdmin": DivisionCode.significantPrefix(signedIn.region).count <= 6 || signedIn.role == .admin,
        ], status: status)
    }

    func accountPage(_ id: String, signedIn: SignedIn, message: String?) async throws -> Outcome {
        let answer = try await backends.accounts.get("/v1/accounts/\(Self.pathSafe(id))", token: signedIn.token)
        guard answer.ok else {
            return .page(template: "error", title: "账号不存在", values: ["heading": "账号不存在", "message": "没有找到这个账号，或它不在您的管理范围内。"], status: .notFound)
        }
        let audit = try await backends.accounts.get("/v1/accounts/\(Self.pathSafe(id))/audit", token: signedIn.token)
        let actions = [
            "signIn": "登录", "signOut": "退出", "changePassword": "修改密码", "createAccount": "创建账号", "createAccountFromGrid": "按网格创建",
            "updateAccount": "修改账号", "resetPassword": "重置密码",
        ]
        let outcomes = ["done": "成功", "wrongPassword": "密码错误", "wrongPasswordLocked": "密码错误，已锁定", "locked": "锁定中", "disabled": "已停用"]
        let entries = (audit.json["entries"] as? [[String: Any]] ?? []).map { entry -> [String: Any] in
            [
                "at": Display.time(entry["at"]), "action": actions[entry["action"] as? String ?? ""] ?? entry["action"] as? String ?? "",
                "outcome": outcomes[entry["outcome"] as? String ?? ""] ?? entry["outcome"] as? String ?? "", "actor": entry["actor"] as? String ?? "",
            ]
        }
        var values = Self.accountRow(answer.json)
        values["entries"] = entries
        if let message { values["message"] = message }
        return .page(template: "account", title: "账号 \(values["name"] as? String ?? "")", values: values)
    }

    static func accountRow(_ account: [String: Any]) -> [String: Any] {
        [
            "id": account["id"] as? String ?? "", "name": account["name"] as? String ?? "", "mobile": account["mobile"] as? String ?? "",
            "roleName": account["roleName"] as? String ?? "", "region": account["region"] as? String ?? "",
            "regionName": account["regionName"] as? String ?? "", "statusName": account["statusName"] as? String ?? "",
            "disabled": account["status"] as? String == "disabled", "administrator": account["administrator"] as? Bool ?? false,
            "gridMemberId": account["gridMemberId"] as? String ?? "", "lastSignInAt": Display.time(account["lastSignInAt"]),
        ]
    }

    static func created(_ json: [String: Any]) -> [String: Any] {
        var values = accountRow(json["account"] as? [String: Any] ?? [:])
        values["initialPassword"] = json["initialPassword"] as? String ?? ""
        return values
    }

    static func problems(_ answer: Backend.Answer) -> [[String: String]] {
        let list = answer.fieldProblems.map { ["field": $0.field, "message": $0.message] }
        return list.isEmpty ? [["field": "", "message": answer.message.isEmpty ? "操作失败（\(answer.status)）" : answer.message]] : list
    }
}
