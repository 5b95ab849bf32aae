import Foundation
import Hummingbird
import LifelineAuth
import LifelinePersistence
import LifelineRuntime
import Logging

/// Poster runs (海报批量生成): `POST /v1/poster-runs` starts rendering every village's poster of a town or
/// the district in the background (202 with the run), `GET /v1/poster-runs/{id}` answers its progress
/// and `GET /v1/poster-runs/{id}/archive` the ZIP once done. Renderings go through the same gate as
/// single posters, one village at a time, so officials downloading one poster are not held up.
struct PosterRunRoutes: Sendable {
    let grid: GridStore
    let runs: PosterRunStore
    let queue: SerialJobQueue
    let tokenKeys: TokenKeys
    let publicBaseURL: String
    let gate: RenderingGate
    let logger: Logger

    struct Accepted: Encodable {
        var id: String
        var status: String
        var progressURL: String
    }

    func add(to router: Router<LifelineRequestContext>) {
        let group = router.group("v1/poster-runs").add(middleware: BearerAuthMiddleware(keys: tokenKeys))
        group.post { request, context -> Response in
            let user = try context.requireUser()
            try user.require(PosterRoutes.viewers)
            struct Body: Decodable { var region: String?; var format: String? }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            let region = body.region ?? user.region
            let format = body.format ?? "png"
            guard format == "png" || format == "svg" else {
                throw APIError.validation([.init(field: "format", message: "应为 png 或 svg")])
            }
            guard DivisionCode.isValid(region) else { throw APIError.validation([.init(field: "region", message: "应为区划代码")]) }
            guard user.covers(region: region) else {
                throw APIError(status: .forbidden, code: "forbidden", message: "outside the caller's jurisdiction", field: "region")
            }
            let villages = try await grid.villages(in: DivisionCode.significantPrefix(region))
            guard !villages.isEmpty else { throw APIError(status: .notFound, code: "not_found", message: "该区域没有村") }
            // The same posters already under way: join that run (one at a time per region and format).
            if let running = try await runs.unfinished(region: region, format: format) {
                return try JSONResponse.make(Accepted(id: running, status: "queued", progressURL: "/v1/poster-runs/\(running)"), status: .accepted)
            }
            let id = "PR" + ImportRoutes.timestamp() + String(UUID().uuidString.prefix(6))
            try await runs.create(id: id, region: region, format: format, submittedBy: user.id)
            await queue.enqueue(id) { await self.render(id, villages: villages, format: format) }
            return try JSONResponse.make(Accepted(id: id, status: "queued", progressURL: "/v1/poster-runs/\(id)"), status: .accepted)
        }
        group.get(":id") { _, context -> Response in
            try JSONResponse.make(try await visibleRun(context))
        }
        group.get(":id/archive") { _, context -> Response in
            let run = try await visibleRun(context)
            guard run.status == "completed", let archive = try await runs.archive(run.id) else {
                throw APIError(status: .conflict, code: "not_ready", message: "海报尚未生成完毕")
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/zip"
            headers[.contentDisposition] = "attachment; filename=\"posters-\(run.region).zip\""
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: archive)))
        }
    }

    private func visibleRun(_ context: LifelineRequestContext) async throws -> PosterRunView {
        let user = try context.requireUser()
        try user.require(PosterRoutes.viewers)
        let id = try context.parameters.require("id")
        guard id.count <= 40, let run = try await runs.run(id), user.covers(region: run.region) else {
            throw APIError(status: .notFound, code: "not_found", message: "没有这次海报生成")
        }
        return run
    }

    /// Renders the villages one by one (waiting for the gate when it is busy), recording progress, then
    /// stores the ZIP. Its writes wait out a database outage: the run ends late, not failed.
    private func render(_ id: String, villages: [VillageSummary], format: String) async {
        let retry = DatabaseRetry(logger: logger)
        do {
            let total = villages.count
            try await retry.run("poster run start") { try await runs.started(id, villages: total) }
            var entries: [(name: String, data: Data)] = []
            var lastReport = ContinuousClock.now
            for village in villages {
                let content = PosterRoutes.content(for: village, publicBaseURL: publicBaseURL)
                let data = try await renderWaitingForTheGate {
                    if format == "svg" { return Data(try PosterRenderer.svg(content).utf8) }
                    return try await BlockingWork.run { try PosterRenderer.png(content) }
                }
                entries.append((name: "\(content.townName)-\(content.villageName)-\(content.villageCode).\(format)", data: data))
                if ContinuousClock.now - lastReport > .seconds(1) || entries.count == villages.count {
                    let done = entries.count
                    try await retry.run("poster run progress") { try await runs.progress(id, done: done) }
                    lastReport = .now
                }
            }
            let archive = try await BlockingWork.run { [entries] in try ZipBundle.make(entries: entries) }
            try await retry.run("poster run end") { try await runs.finish(id, archive: archive) }
        } catch {
            logger.error("poster run failed", metadata: ["run": "\(id)", "error": "\(String(reflecting: type(of: error)))"])
            try? await retry.run("poster run end") { try await runs.fail(id, failure: "海报生成失败，请稍后重新生成") }
        }
    }

    /// One rendering through the gate; a full gate is waited out rather than failing the run.
    private func renderWaitingForTheGate(_ work: @escaping @Sendable () async throws -> Data) async throws -> Data {
        while true {
            do {
                return try await gate.run { try await work() }
            } catch let error as APIError where error.status == .serviceUnavailable {
                try await Task.sleep(for: .seconds(1))
            }
        }
    }
}
