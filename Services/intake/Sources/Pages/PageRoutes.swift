import HTTPTypes
import Foundation
import Hummingbird
import LifelineRuntime

/// The household's pages: `GET /apply/{villageCode}` (what a village's QR code opens) and
/// `GET /progress` (查询申报进度). Both are self-contained HTML under a strict content security policy.
struct PageRoutes: Sendable {
    let grid: GridStore
    let limits: PublicLimits

    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'"

    func add(to router: Router<LifelineRequestContext>) {
        router.get("apply/:village") { request, context -> Response in
            try PublicLimits.enforce(limits.pages, limits.client(request, context))
            let code = try context.parameters.require("village")
            let village = code.count == 12 && code.allSatisfy(\.isNumber) ? try await grid.village(code) : nil
            return Self.page(ApplicationPage.html(village: village), status: village == nil ? .notFound : .ok)
        }
        router.get("progress") { request, context -> Response in
            try PublicLimits.enforce(limits.pages, limits.client(request, context))
            return Self.page(ProgressPage.html(), status: .ok)
        }
    }

    static func page(_ html: String, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
