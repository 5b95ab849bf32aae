import Foundation
import Hummingbird
import LifelineAuth

/// Files officials download through the console: the year's approved list (纳入监测名单, XLSX) from
/// review, the insurance fund's report (XLSX) from insurance, and a case's announcement (公示) to print. The console passes the service's answer on.
extension Console {
    func addDownloadRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("exports/entries.xlsx") { request, context in
            let year = request.uri.queryParameters.get("year").flatMap { Int($0) } ?? Int(Display.today().prefix(4))!
            return try await passOnWorkbook(
                request, roles: [.town, .district], refusal: "只有镇街和区级可以导出名单。", backend: backends.review,
                path: "/v1/entries?format=xlsx&year=\(year)", fileName: "monitoring-entries-\(year).xlsx")
        }
        router.get("exports/fund.xlsx") { request, context in
            // The fund's use (资金使用报表) by line (险种), town or month, as insurance reports it.
            let year = request.uri.queryParameters.get("year").flatMap { Int($0) } ?? Int(Display.today().prefix(4))!
            let by = request.uri.queryParameters.get("by").map { String($0) } ?? "line"
            return try await passOnWorkbook(
                request, roles: [.district, .insurer], refusal: "只有区级和保险机构可以导出资金报表。", backend: backends.insurance,
                path: "/v1/reports/fund?format=xlsx&year=\(year)&by=\(Self.pathSafe(by))", fileName: "insurance-fund-\(year)-by-\(Self.pathSafe(by)).xlsx")
        }
        router.get("cases/:id/announcement") { request, context in
            try await respond(request, context, roles: [.village, .town, .district, .admin]) { signedIn in
                let id = Self.pathSafe(context.parameters.get("id") ?? "")
                let answer = try await backends.review.get("/v1/cases/\(id)/announcement", token: signedIn.token)
                guard answer.ok else {
                    return .page(
                        template: "error", title: "没有公示", values: ["heading": "没有公示", "message": "这个案件还没有公示内容，或不在您的管辖范围内。"],
                        status: .notFound)
                }
                return .page(template: "announcement", title: "公示", values: [
                    "caseId": id, "text": String(decoding: answer.body, as: UTF8.self),
                ])
            }
        }
    }

    /// A workbook from a service for a signed-in official of one of `roles`, passed on as a download;
    /// any other answer is shown as a page.
    func passOnWorkbook(
        _ request: Request, roles: Set<Role>, refusal: String, backend: Backend, path: String, fileName: String
    ) async throws -> Response {
        try await passOnFile(
            request, roles: roles, refusal: refusal, backend: backend, path: { _ in path }, failure: "无法导出",
            contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", fileName: { _ in fileName })
    }

    /// A file from a service (a workbook, a poster, a ZIP) for a signed-in official of one of `roles`,
    /// passed on as a download; a refusal or any other answer is shown as a page headed `failure`.
    /// `path` and `fileName` may depend on the official (e.g. the village's own poster); `maximumBytes`
    /// raises the 8 MiB every other answer is read up to.
    func passOnFile(
        _ request: Request, roles: Set<Role>, refusal: String, backend: Backend, path: (SignedIn) -> String, failure: String, contentType: String,
        fileName: (SignedIn) -> String, maximumBytes: Int? = nil
    ) async throws -> Response {
        let (found, redirect) = await signedInOrRedirect(request)
        guard let signedIn = found else { return redirect! }
        guard roles.contains(signedIn.role) else {
            return render(
                .page(template: "error", title: "无权访问", values: ["heading": "无权访问", "message": refusal], status: .forbidden),
                request: request, signedIn: signedIn)
        }
        let answer: Backend.Answer
        if let maximumBytes {
            answer = try await backend.getFile(path(signedIn), token: signedIn.token, maximumBytes: maximumBytes)
        } else {
            answer = try await backend.get(path(signedIn), token: signedIn.token)
        }
        guard answer.ok else {
            return render(
                .page(template: "error", title: failure, values: ["heading": failure, "message": answer.message], status: .init(code: answer.status)),
                request: request, signedIn: signedIn)
        }
        return download(answer.body, contentType: contentType, fileName: fileName(signedIn), signedIn: signedIn)
    }

    /// The rows of the jobs an official started lately (ids kept in the session): each asked of
    /// `backend` at `path(id)`; a job the service no longer knows or shows is left out.
    func recentJobs(_ ids: [String]?, backend: Backend, path: (String) -> String, token: String, row: ([String: Any]) -> [String: Any]) async throws
        -> [[String: Any]]
    {
        var rows: [[String: Any]] = []
        for id in ids ?? [] {
            let job = try await backend.get(path(Self.pathSafe(id)), token: token)
            if job.ok { rows.append(row(job.json)) }
        }
        return rows
    }

    /// A workbook a service answered, passed on as a download (with the renewed cookie, if any).
    func workbook(_ bytes: Data, fileName: String, signedIn: SignedIn) -> Response {
        download(bytes, contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", fileName: fileName, signedIn: signedIn)
    }

    /// A file a service answered, passed on as a download (with the renewed cookie, if any).
    func download(_ bytes: Data, contentType: String, fileName: String, signedIn: SignedIn) -> Response {
        var response = Response(
            status: .ok,
            headers: [.contentType: contentType, .cacheControl: "no-store", .contentDisposition: "attachment; filename=\"\(fileName)\""],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        if signedIn.renewed { response.setCookie(sessionCookie(signedIn.session)) }
        return response
    }
}
