import Foundation
import Hummingbird
import LifelineAuth

/// QR posters (申请二维码海报) to print and put up: a village downloads its own; a town or the district
/// starts a run for all its villages in the background, follows it on a page that refreshes itself,
/// and downloads the ZIP when it is done (the latest five runs can be found again).
extension Console {
    static let posterViewers: Set<Role> = [.village, .town, .district]

    func addPosterRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("posters") { request, context in
            try await respond(request, context, roles: Self.posterViewers) { signedIn in
                try await postersPage(signedIn, problem: nil)
            }
        }
        for format in ["png", "svg"] {
            router.get("posters/village.\(format)") { request, context in
                // The signed-in village's own poster (intake answers 404 for any other region).
                try await passOnFile(
                    request, roles: Self.posterViewers, refusal: "您的账号角色不能下载海报。", backend: backends.intake,
                    path: { "/v1/villages/\(Self.pathSafe($0.region))/poster.\(format)" }, failure: "无法下载海报",
                    contentType: format == "png" ? "image/png" : "image/svg+xml", fileName: { "poster-\(Self.pathSafe($0.region)).\(format)" })
            }
        }
        router.post("posters") { request, context in
            let form = try await FormData.read(request)
            return try await respond(request, context, roles: [.town, .district], form: form) { signedIn in
                let answer = try await backends.intake.post(
                    "/v1/poster-runs", json: ["region": signedIn.region, "format": form["format"] == "svg" ? "svg" : "png"], token: signedIn.token)
                guard answer.status == 202, let id = answer.json["id"] as? String else {
                    return try await postersPage(signedIn, problem: answer.message.isEmpty ? "生成失败（\(answer.status)）" : answer.message, status: .init(code: answer.status))
                }
                return .redirectUpdating("/posters/\(Self.pathSafe(id))", session: { session in
                    session.posterRuns = Array(([id] + (session.posterRuns ?? [])).prefix(5))
                })
            }
        }
        router.get("posters/:id") { request, context in
            try await respond(request, context, roles: [.town, .district]) { signedIn in
                let id = Self.pathSafe(context.parameters.get("id") ?? "")
                let run = try await backends.intake.get("/v1/poster-runs/\(id)", token: signedIn.token)
                guard run.ok else {
                    return .page(template: "error", title: "海报生成", values: ["heading": "没有这次海报生成", "message": "没有找到，或不在您的管辖范围内。"], status: .notFound)
                }
                var values = posterRunRow(run.json)
                if values["working"] as? Bool == true { values["refreshSeconds"] = 2 }
                return .page(template: "poster-run", title: "海报生成", values: values)
            }
        }
        router.get("posters/:id/archive.zip") { request, context in
            let id = Self.pathSafe(context.parameters.get("id") ?? "")
            // A district's PNG posters run to tens of MB: read up to 512 MiB (held in memory while passed on).
            return try await passOnFile(
                request, roles: [.town, .district], refusal: "只有镇街和区级可以批量生成海报。", backend: backends.intake,
                path: { _ in "/v1/poster-runs/\(id)/archive" }, failure: "无法下载海报", contentType: "application/zip", fileName: { _ in "posters-\(id).zip" },
                maximumBytes: 512 * 1024 * 1024)
        }
    }

    func postersPage(_ signedIn: SignedIn, problem: String?, status: HTTPResponse.Status = .ok) async throws -> Outcome {
        let recent = try await recentJobs(
            signedIn.session.posterRuns, backend: backends.intake, path: { "/v1/poster-runs/\($0)" }, token: signedIn.token, row: posterRunRow)
        return .page(template: "posters", title: "二维码海报", values: [
            "isVillage": signedIn.role == .village, "canRun": signedIn.role == .town || signedIn.role == .district, "recent": recent,
            "problem": problem ?? "", "scope": signedIn.role == .district ? "全区" : "本镇街",
        ], status: status)
    }

    func posterRunRow(_ run: [String: Any]) -> [String: Any] {
        let status = run["status"] as? String ?? ""
        let names = ["queued": "排队中", "running": "生成中", "completed": "已完成", "failed": "失败"]
        return [
            "id": run["id"] as? String ?? "", "format": (run["format"] as? String ?? "").uppercased(), "statusName": names[status] ?? status,
            "working": status == "queued" || status == "running", "completed": status == "completed", "failed": status == "failed",
            "failure": run["failure"] as? String ?? "", "percent": run["percent"] as? Int ?? 0,
            "villagesDone": run["villagesDone"] as? Int ?? 0, "villagesTotal": run["villagesTotal"] as? Int ?? 0,
            "submittedAt": Display.time(run["submittedAt"]), "finishedAt": Display.time(run["finishedAt"]),
        ]
    }
}
