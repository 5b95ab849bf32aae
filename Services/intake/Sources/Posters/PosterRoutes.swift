import Foundation
import Hummingbird
import LifelineAuth
import LifelineRuntime

/// QR posters for officials to print: `GET /v1/villages/{code}/poster.svg|.png` for one village and
/// `GET /v1/posters?region=…&format=png|svg` for every village of a town or the district, as a ZIP.
struct PosterRoutes: Sendable {
    let grid: GridStore
    let tokenKeys: TokenKeys
    let publicBaseURL: String
    /// Renderings at once (`INTAKE_POSTER_RENDERINGS`, default 2).
    let gate: RenderingGate

    static let viewers: Set<Role> = [.village, .town, .district]

    func add(to router: Router<LifelineRequestContext>) {
        let group = router.group("v1").add(middleware: BearerAuthMiddleware(keys: tokenKeys))
        for format in ["svg", "png"] {
            group.get("villages/:code/poster.\(format)") { _, context -> Response in
                let user = try context.requireUser()
                try user.require(Self.viewers)
                let code = try context.parameters.require("code")
                guard user.covers(region: code), let village = try await grid.village(code) else {
                    throw APIError(status: .notFound, code: "not_found", message: "没有这个村")
                }
                let content = self.content(for: village)
                if format == "svg" {
                    return Self.file(Data(try PosterRenderer.svg(content).utf8), type: "image/svg+xml; charset=utf-8", name: "\(code).svg")
                }
                let png = try await gate.run { try await BlockingWork.run { try PosterRenderer.png(content) } }
                return Self.file(png, type: "image/png", name: "\(code).png")
            }
        }
        group.get("posters") { request, context -> Response in
            let user = try context.requireUser()
            try user.require(Self.viewers)
            let region = request.uri.queryParameters.get("region") ?? user.region
            let format = request.uri.queryParameters.get("format") ?? "png"
            guard format == "png" || format == "svg" else {
                throw APIError(status: .badRequest, code: "validation_failed", message: "format must be png or svg", field: "format")
            }
            guard DivisionCode.isValid(region), user.covers(region: region) else {
                throw APIError(status: .forbidden, code: "forbidden", message: "outside the caller's jurisdiction", field: "region")
            }
            let villages = try await grid.villages(in: DivisionCode.significantPrefix(region))
            guard !villages.isEmpty else { throw APIError(status: .notFound, code: "not_found", message: "该区域没有村") }
            let contents = villages.map(content(for:))
            let archive = try await gate.run {
                try await BlockingWork.run {
                    try ZipBundle.make(entries: try contents.map { content in
                        let name = "\(content.townName)-\(content.villageName)-\(content.villageCode).\(format)"
                        return (name: name, data: format == "svg" ? Data(try PosterRenderer.svg(content).utf8) : try PosterRenderer.png(content))
                    })
                }
            }
            return Self.file(archive, type: "application/zip", name: "posters-\(region).zip")
        }
    }

    private func content(for village: VillageSummary) -> PosterContent {
        Self.content(for: village, publicBaseURL: publicBaseURL)
    }

    /// A village's poster: its names and the address of its self-application page.
    static func content(for village: VillageSummary, publicBaseURL: String) -> PosterContent {
        let base = publicBaseURL.hasSuffix("/") ? String(publicBaseURL.dropLast()) : publicBaseURL
        return PosterContent(villageCode: village.code, villageName: village.name, townName: village.townName, url: "\(base)/apply/\(village.code)")
    }

    private static func file(_ data: Data, type: String, name: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.contentDisposition] = "attachment; filename=\"\(name.allSatisfy(\.isASCII) ? name : "posters.zip")\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
