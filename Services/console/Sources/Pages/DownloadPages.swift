import Foundation
import Hummingbird
import LifelineAuth

/// Files officials download through the console: the year's approved list (纳入监测名单, XLSX) from
/// review, and a case's announcement (公示) to print. The console passes the service's answer on.
extension Console {
    func addDownloadRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("exports/entries.xlsx") { request, context in
            let (found, redirect) = await signedInOrRedirect(request)
            guard let signedIn = found else { return redirect! }
            guard [.town, .district].contains(signedIn.role) else {
                return render(
                    .page(template: "error", title: "无权访问", values: ["heading": "无权访问", "message": "只有镇街和区级可以导出名单。"], status: .forbidden),
                    request: request, signedIn: signedIn)
            }
            let year = request.uri.queryParameters.get("year").flatMap { Int($0) } ?? Int(Display.today().prefix(4))!
            let answer = try await backends.review.get("/v1/entries?format=xlsx&year=\(year)", token: signedIn.token)
            guard answer.ok else {
                return render(
                    .page(template: "error", title: "无法导出", values: ["heading": "无法导出", "message": answer.message], status: .init(code: answer.status)),
                    request: request, signedIn: signedIn)
            }
            return workbook(answer.body, fileName: "monitoring-entries-\(year).xlsx", signedIn: signedIn)
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

    /// A workbook a service answered, passed on as a download (with the renewed cookie, if any).
    func workbook(_ bytes: Data, fileName: String, signedIn: SignedIn) -> Response {
        var response = Response(
            status: .ok,
            headers: [
                .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", .cacheControl: "no-store",
                .contentDisposition: "attachment; filename=\"\(fileName)\"",
            ], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        if signedIn.renewed { response.setCookie(sessionCookie(signedIn.session)) }
        return response
    }
}
