import Foundation
import Hummingbird
import LifelineAuth

/// Insurance certifications (保险认定) in the console: a household not monitored but in hardship is
/// covered by the anti-poverty insurance once its town certifies it (遭遇临时性困难, or 经政策帮扶仍未解决
/// 实际困难), for at most a year. The town certifies and revokes; the district reads and revokes.
extension Console {
    static let certificationReaders: Set<Role> = [.town, .district]

    func addCertificationRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("certifications") { request, context in
            try await respond(request, context, roles: Self.certificationReaders) { signedIn in
                try await certificationsPage(signedIn, done: request.uri.queryParameters.get("done").map { String($0) }, problems: [], form: nil)
            }
        }
        router.post("certifications") { request, context in
            let form = try await FormData.read(request)
            return try await respond(request, context, roles: [.town], form: form) { signedIn in
                var body: [String: Any] = [
                    "householdId": form["householdId"] ?? "", "kind": form["kind"] ?? "", "reason": form["reason"] ?? "", "validFrom": form["validFrom"] ?? "",
                ]
                if let until = form["validUntil"] { body["validUntil"] = until }
                let answer = try await backends.insurance.post("/v1/certifications", json: body, token: signedIn.token)
                if answer.ok { return .redirect("/certifications?done=certified") }
                return try await certificationsPage(signedIn, done: nil, problems: Self.problems(answer), form: form, status: .init(code: answer.status))
            }
        }
        router.post("certifications/:id/revocation") { request, context in
            let form = try await FormData.read(request)
            return try await respond(request, context, roles: Self.certificationReaders, form: form) { signedIn in
                let id = Self.pathSafe(context.parameters.get("id") ?? "")
                let answer = try await backends.insurance.post("/v1/certifications/\(id)/revocation", json: ["reason": form["reason"] ?? ""], token: signedIn.token)
                if answer.ok { return .redirect("/certifications?done=revoked") }
                return try await certificationsPage(signedIn, done: nil, problems: Self.problems(answer), form: nil, status: .init(code: answer.status))
            }
        }
    }

    func certificationsPage(
        _ signedIn: SignedIn, done: String?, problems: [[String: String]], form: FormData?, status: HTTPResponse.Status = .ok
    ) async throws -> Outcome {
        let answer = try await backends.insurance.get("/v1/certifications", token: signedIn.token)
        guard answer.ok else {
            return .page(template: "error", title: "保险认定", values: ["heading": "无法查看保险认定", "message": answer.message], status: .init(code: answer.status))
        }
        let today = Display.today()
        let rows = (answer.json["certifications"] as? [[String: Any]] ?? []).map { item -> [String: Any] in
            let revoked = item["revokedAt"] is String
            let until = item["validUntil"] as? String ?? ""
            return [
                "certificationId": item["certificationId"] as? String ?? "", "householdId": item["householdId"] as? String ?? "",
                "kindName": item["kindName"] as? String ?? "", "reason": item["reason"] as? String ?? "",
                "validFrom": item["validFrom"] as? String ?? "", "validUntil": until, "revoked": revoked,
                "revocationReason": item["revocationReason"] as? String ?? "", "expired": !revoked && until < today,
                "canRevoke": !revoked && until >= today,
            ]
        }
        let kind = form?["kind"] ?? "suddenHardship"
        return .page(template: "certifications", title: "保险认定", values: [
            "certifications": rows, "count": rows.count, "canCertify": signedIn.role == .town,
            "done": done.map { $0 == "revoked" ? "认定已撤销。" : "认定已登记，该户在有效期内可申请防返贫保险理赔。" } ?? "",
            "problems": problems, "hasProblems": !problems.isEmpty,
            "householdId": form?["householdId"] ?? "", "reason": form?["reason"] ?? "", "validFrom": form?["validFrom"] ?? today, "validUntil": form?["validUntil"] ?? "",
            "suddenHardship": kind == "suddenHardship", "remainingHardship": kind == "remainingHardship",
        ], status: status)
    }
}
