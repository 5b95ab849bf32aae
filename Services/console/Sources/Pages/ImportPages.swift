import Foundation
import Hummingbird
import LifelineAuth
import NIOCore

/// The registry import (户籍信息导入): a town or the district uploads the household-member file
/// exported from the national system; intake reads it in the background. The progress page refreshes
/// itself (no script) with the share read, and the latest five imports can be found again.
extension Console {
    static let importers: Set<Role> = [.town, .district]

    func addImportRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("imports") { request, context in
            try await respond(request, context, roles: Self.importers) { signedIn in
                let recent = try await recentJobs(
                    signedIn.session.imports, backend: backends.intake, path: { "/v1/imports/\($0)" }, token: signedIn.token, row: importRow)
                return .page(template: "imports", title: "户籍导入", values: ["recent": recent])
            }
        }
        router.post("imports") { request, context in
            let received = await receiveFile(request, roles: Self.importers) { _, problem in
                .page(template: "imports", title: "户籍导入", values: ["problem": problem], status: .badRequest)
            }
            guard case .received(var signedIn, let file) = received else { return received.response! }
            let name = String(file.fileName.prefix(200))
            let answer = try await backends.intake.upload(
                "/v1/imports/households?fileName=\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "upload")", bytes: file.bytes,
                contentType: Self.uploadType(name), token: signedIn.token)
            guard answer.status == 202, let id = answer.json["id"] as? String else {
                return render(
                    .page(template: "imports", title: "户籍导入", values: [
                        "problem": answer.message.isEmpty ? "上传失败（\(answer.status)）" : answer.message,
                    ], status: .init(code: answer.status)), request: request, signedIn: signedIn)
            }
            signedIn.session.imports = Array(([id] + (signedIn.session.imports ?? [])).prefix(5))
            signedIn.renewed = true
            return render(.redirect("/imports/\(Self.pathSafe(id))"), request: request, signedIn: signedIn)
        }
        router.get("imports/:id") { request, context in
            try await respond(request, context, roles: Self.importers) { signedIn in
                let id = Self.pathSafe(context.parameters.get("id") ?? "")
                let job = try await backends.intake.get("/v1/imports/\(id)", token: signedIn.token)
                guard job.ok else {
                    return .page(template: "error", title: "导入不存在", values: ["heading": "导入不存在", "message": "没有找到这次导入，或它不在您的管辖范围内。"], status: .notFound)
                }
                var values = importRow(job.json)
                let problems = job.json["errorCount"] as? Int ?? 0
                values["hasProblems"] = problems > 0
                if problems > 0 {
                    let errors = try await backends.intake.get("/v1/imports/\(id)/errors?limit=50", token: signedIn.token)
                    values["errors"] = (errors.json["errors"] as? [[String: Any]] ?? []).map { error -> [String: Any] in
                        ["line": error["line"] as? Int ?? 0, "field": error["field"] as? String ?? "", "reason": error["reason"] as? String ?? ""]
                    }
                    values["moreErrors"] = problems > 50
                }
                if values["working"] as? Bool == true { values["refreshSeconds"] = 2 }
                return .page(template: "import", title: "导入进度", values: values)
            }
        }
    }

    func importRow(_ job: [String: Any]) -> [String: Any] {
        let status = job["status"] as? String ?? ""
        let counts = job["counts"] as? [String: Any] ?? [:]
        let names = ["queued": "排队中", "running": "处理中", "completed": "已完成", "failed": "失败"]
        return [
            "id": job["id"] as? String ?? "", "fileName": job["fileName"] as? String ?? "", "status": status, "statusName": names[status] ?? status,
            "working": status == "queued" || status == "running", "failed": status == "failed", "failure": job["failure"] as? String ?? "",
            "percent": job["percent"] as? Int ?? 0, "submittedAt": Display.time(job["submittedAt"]), "finishedAt": Display.time(job["finishedAt"]),
            "rowsRead": counts["rowsRead"] as? Int ?? 0, "rowsAccepted": counts["rowsAccepted"] as? Int ?? 0,
            "rowsRejected": counts["rowsRejected"] as? Int ?? 0, "householdsCreated": counts["householdsCreated"] as? Int ?? 0,
            "householdsUpdated": counts["householdsUpdated"] as? Int ?? 0, "householdsUnchanged": counts["householdsUnchanged"] as? Int ?? 0,
        ]
    }
}
