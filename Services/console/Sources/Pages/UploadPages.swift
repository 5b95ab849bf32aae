import Foundation
import Hummingbird
import LifelineAuth
import NIOCore

/// The department clerk's monthly file (月度数据文件): uploaded through the console to department
/// screening, followed on a progress page that refreshes itself (no script) and can be left and found
/// again from the uploads page (the latest five are kept in the session), and the month's feedback
/// report (反馈报告) to download.
extension Console {
    static let uploaders: Set<Role> = [.department, .district]

    func addUploadRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("uploads") { request, context in
            try await respond(request, context, roles: Self.uploaders) { signedIn in
                let recent = try await recentJobs(
                    signedIn.session.uploads, backend: backends.departmentScreening, path: { "/v1/imports/\($0)" }, token: signedIn.token,
                    row: uploadRow)
                return .page(template: "uploads", title: "数据上传", values: [
                    "recent": recent, "period": Self.lastMonth(), "department": signedIn.session.department ?? "",
                    "isClerk": signedIn.role == .department,
                ])
            }
        }
        router.post("uploads") { request, context in
            let received = await receiveFile(request, roles: Self.uploaders) { signedIn, problem in
                .page(template: "uploads", title: "数据上传", values: [
                    "problem": problem, "period": Self.lastMonth(), "isClerk": signedIn.role == .department,
                ], status: .badRequest)
            }
            guard case .received(var signedIn, let file) = received else { return received.response! }
            let name = String(file.fileName.prefix(200))
            let answer = try await backends.departmentScreening.upload(
                "/v1/imports/records?fileName=\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "upload")", bytes: file.bytes,
                contentType: Self.uploadType(name), token: signedIn.token)
            guard answer.status == 202, let id = answer.json["id"] as? String else {
                return render(.page(template: "uploads", title: "数据上传", values: [
                    "problem": answer.message.isEmpty ? "上传失败（\(answer.status)）" : answer.message, "period": Self.lastMonth(),
                    "isClerk": signedIn.role == .department,
                ], status: .init(code: answer.status)), request: request, signedIn: signedIn)
            }
            signedIn.session.uploads = Array(([id] + (signedIn.session.uploads ?? [])).prefix(5))
            signedIn.renewed = true
            return render(.redirect("/uploads/\(Self.pathSafe(id))"), request: request, signedIn: signedIn)
        }
        router.get("uploads/feedback.xlsx") { request, context in
            let (found, redirect) = await signedInOrRedirect(request)
            guard let signedIn = found else { return redirect! }
            let period = request.uri.queryParameters.get("period").map { String($0) } ?? Self.lastMonth()
            var query = "period=\(Self.pathSafe(period))&format=xlsx"
            if let department = request.uri.queryParameters.get("department").map({ String($0) }), !department.isEmpty {
                query += "&department=\(department.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
            }
            let answer = try await backends.departmentScreening.get("/v1/feedback-report?\(query)", token: signedIn.token)
            guard answer.ok else {
                return render(
                    .page(template: "error", title: "无法下载", values: ["heading": "无法下载反馈报告", "message": answer.message], status: .init(code: answer.status)),
                    request: request, signedIn: signedIn)
            }
            return workbook(answer.body, fileName: "feedback-\(Self.pathSafe(period)).xlsx", signedIn: signedIn)
        }
        router.get("uploads/:id") { request, context in
            try await respond(request, context, roles: Self.uploaders) { signedIn in
                let id = Self.pathSafe(context.parameters.get("id") ?? "")
                let job = try await backends.departmentScreening.get("/v1/imports/\(id)", token: signedIn.token)
                guard job.ok else {
                    return .page(template: "error", title: "上传不存在", values: ["heading": "上传不存在", "message": "没有找到这次上传，或它不是您上传的。"], status: .notFound)
                }
                var values = uploadRow(job.json)
                let problems = (job.json["problems"] as? Int ?? 0)
                values["hasProblems"] = problems > 0
                if problems > 0 {
                    let errors = try await backends.departmentScreening.get("/v1/imports/\(id)/errors?limit=50", token: signedIn.token)
                    values["errors"] = (errors.json["errors"] as? [[String: Any]] ?? []).map { error -> [String: Any] in
                        ["line": error["line"] as? Int ?? 0, "field": error["field"] as? String ?? "", "message": error["message"] as? String ?? ""]
                    }
                    values["moreErrors"] = problems > 50
                }
                if values["working"] as? Bool == true { values["refreshSeconds"] = 2 }
                return .page(template: "upload", title: "上传进度", values: values)
            }
        }
    }

    func uploadRow(_ job: [String: Any]) -> [String: Any] {
        let status = job["status"] as? String ?? ""
        let counts = job["counts"] as? [String: Any] ?? [:]
        let names = ["queued": "排队中", "running": "处理中", "completed": "已完成", "failed": "失败"]
        return [
            "id": job["id"] as? String ?? "", "fileName": job["fileName"] as? String ?? "", "status": status, "statusName": names[status] ?? status,
            "working": status == "queued" || status == "running", "completed": status == "completed", "failed": status == "failed",
            "failure": job["failure"] as? String ?? "", "submittedAt": Display.time(job["submittedAt"]), "finishedAt": Display.time(job["finishedAt"]),
            "rowsRead": counts["rowsRead"] as? Int ?? 0, "rejected": counts["rejected"] as? Int ?? 0, "unmatched": counts["unmatched"] as? Int ?? 0,
            "warned": counts["warned"] as? Int ?? 0, "warningsRaised": counts["warningsRaised"] as? Int ?? 0,
            "alreadyReceived": counts["alreadyReceived"] as? Int ?? 0, "problems": job["problems"] as? Int ?? 0,
        ]
    }

    /// Last month in Beijing, `2026-11`: the period a monthly file usually covers.
    static func lastMonth() -> String {
        let today = Display.today()
        guard let year = Int(today.prefix(4)), let month = Int(today.dropFirst(5).prefix(2)) else { return String(today.prefix(7)) }
        return month == 1 ? String(format: "%04d-12", year - 1) : String(format: "%04d-%02d", year, month - 1)
    }
}
