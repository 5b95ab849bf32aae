import HTTPTypes
import Foundation
import Hummingbird
import LifelineRuntime

/// The household's pages: `GET /apply/{villageCode}` (what a village's QR code opens) and
/// `GET /progress` (查询申报进度), and their CSS and scripts at `GET /assets/{name}`. The pages are
/// served under a content security policy that allows no inline script or style, nothing from other
/// origins, and no framing (`frame-ancestors 'none'`, against clickjacking).
struct PageRoutes: Sendable {
    let villages: VillageLookupCache
    let limits: PublicLimits

    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

    func add(to router: Router<LifelineRequestContext>) {
        router.get("apply/:village") { request, context -> Response in
            try await PublicLimits.enforce(limits.pages, limits.client(request, context))
            let code = try context.parameters.require("village")
            let village = code.count == 12 && code.allSatisfy(\.isNumber) ? try await villages.village(code) : nil
            return Self.page(ApplicationPage.html(village: village), status: village == nil ? .notFound : .ok)
        }
        let assets = PublicAssets.shared  // loaded while the routes are built: a missing file stops start-up
        router.get("assets/:name") { _, context -> Response in
            let name = try context.parameters.require("name")
            guard let response = assets.response(name) else {
                throw APIError(status: .notFound, code: "not_found", message: "没有这个文件")
            }
            return response
        }
        router.get("progress") { request, context -> Response in
            try await PublicLimits.enforce(limits.pages, limits.client(request, context))
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
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
