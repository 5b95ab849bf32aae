import Foundation
import LifelineFiles
import Hummingbird
import LifelineAuth
import LifelineEventBus
import LifelinePersistence
import LifelineRuntime
import Logging

/// `POST /v1/imports/households` (upload a file; 202 with the job), `GET /v1/imports/{id}` (progress,
/// totals and the first problems) and `GET /v1/imports/{id}/errors` (all problems, paged).
/// District and town officials import for their own jurisdiction.
struct ImportRoutes: Sendable {
    let jobs: ImportJobStore
    let importer: HouseholdImporter
    let queue: ImportQueue
    let tokenKeys: TokenKeys
    let maximumBytes: Int
    let logger: Logger

    static let importers: Set<Role> = [.district, .town]

    init(dependencies: ServiceDependencies, queue: ImportQueue) throws {
        jobs = ImportJobStore(database: dependencies.database, logger: dependencies.logger)
        importer = HouseholdImporter(
            database: dependencies.database, publisher: dependencies.publisher,
            grid: GridStore(database: dependencies.database, logger: dependencies.logger), logger: dependencies.logger)
        self.queue = queue
        tokenKeys = dependencies.tokenKeys
        maximumBytes = try dependencies.configuration.settings.int("IMPORT_MAX_BYTES", default: 512 << 20, range: 1024...(8 << 30))
        logger = dependencies.logger
    }

    struct Accepted: Encodable {
        var id: String
        var status: String
        var progressURL: String
    }

    func add(to router: Router<LifelineRequestContext>) {
        let imports = router.group("v1/imports").add(middleware: BearerAuthMiddleware(keys: tokenKeys))
        imports.post("households") { request, context -> Response in
            let user = try context.requireUser()
            try user.require(Self.importers)
            let fileName = String((request.uri.queryParameters.get("fileName") ?? "upload").prefix(200))
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-import-\(UUID().uuidString)")
            let id = "IMP" + Self.timestamp() + String(UUID().uuidString.prefix(6))
            do {
                try await self.receive(request.body, into: file)
                // A workbook whose directory already shows a bomb is refused now, not in the job.
                do {
                    try await BlockingWork.run { try XLSXLimits.checkUpload(file) }
                } catch let error as TabularFileError {
                    let failure = ImportFailure(error)
                    throw APIError(status: .contentTooLarge, code: failure.code.rawValue, message: failure.message, field: "file")
                }
                try await jobs.create(id: id, fileName: fileName, submittedBy: user.id, region: user.region)
            } catch {
                try? FileManager.default.removeItem(at: file)  // a dropped upload leaves no personal data behind
                throw error
            }
            await queue.enqueue(id) { await self.run(job: id, file: file, region: user.role == .admin ? "370115" : user.region) }
            return try JSONResponse.make(Accepted(id: id, status: "queued", progressURL: "/v1/imports/\(id)"), status: .accepted)
        }
        imports.get(":id") { _, context -> Response in
            let found = try await self.visibleJob(context)
            return try JSONResponse.make(found)
        }
        imports.get(":id/errors") { request, context -> Response in
            let job = try await self.visibleJob(context)
            let offset = max(0, request.uri.queryParameters.get("offset").flatMap { Int($0) } ?? 0)
            let limit = min(1000, max(1, request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? 200))
            struct Page: Encodable { var total: Int; var offset: Int; var errors: [RowProblem] }
            return try JSONResponse.make(Page(total: job.errorCount, offset: offset, errors: try await jobs.problems(job.id, offset: offset, limit: limit)))
        }
    }

    private func visibleJob(_ context: LifelineRequestContext) async throws -> ImportJobView {
        let user = try context.requireUser()
        try user.require(Self.importers)
        let id = try context.parameters.require("id")
        guard id.count <= 40, let (view, region) = try await jobs.job(id), user.covers(region: region) else {
            throw APIError(status: .notFound, code: "not_found", message: "没有这个导入任务")
        }
        return view
    }

    /// Streams the body to `file`, refusing more than `maximumBytes`.
    private func receive(_ body: RequestBody, into file: URL) async throws {
        try await UploadedFile.receive(body, into: file, maximumBytes: maximumBytes)
    }

    /// Runs one import job to its end, recording progress and problems as it goes.
    func run(job id: String, file: URL, region: String) async {
        defer { try? FileManager.default.removeItem(at: file) }
        let jobs = self.jobs
        // The job's own rows are written through database outages too: the import ends late, not failed.
        let retry = DatabaseRetry(logger: logger)
        let reporter = ImportReporter(
            problems: { problems in try await retry.run("import problems") { try await jobs.addProblems(id, problems) } },
            progress: { counts in try await retry.run("import progress") { try await jobs.progress(id, counts) } },
            started: { format, rows in try await retry.run("import start") { try await jobs.started(id, format: format, estimatedRows: rows) } })
        do {
            let counts = try await importer.run(file: file, region: region, reporter: reporter)
            try await retry.run("import end") { try await jobs.finish(id, failure: nil) }
            logger.info("import finished", metadata: [
                "import.id": "\(id)", "rows.read": "\(counts.rowsRead)", "rows.rejected": "\(counts.rowsRejected)",
                "households.created": "\(counts.householdsCreated)", "households.updated": "\(counts.householdsUpdated)",
            ])
        } catch let failure as ImportFailure {
            try? await retry.run("import end") { try await jobs.finish(id, failure: failure.message) }
            logger.warning("import failed", metadata: ["import.id": "\(id)", "reason": "\(failure.code.rawValue)"])
        } catch {
            try? await jobs.finish(id, failure: "导入失败，请稍后重试（重复导入不会产生重复数据）")
            logger.error("import failed", metadata: [
                "import.id": "\(id)", "error.type": "\(type(of: error))", "error.sqlstate": "\(DatabaseFailure.sqlState(of: error) ?? "-")",
            ])
        }
    }

    static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMddHHmmss"
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        return formatter.string(from: Date())
    }
}
