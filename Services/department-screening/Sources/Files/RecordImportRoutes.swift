import Foundation
import Hummingbird
import LifelineAuth
import LifelineFiles
import LifelinePersistence
import LifelineRuntime

/// The monthly file over HTTP: `POST /v1/imports/records?fileName=` (202 with the job),
/// `GET /v1/imports/{id}` (progress and counts), `GET /v1/imports/{id}/errors` (row problems, paged).
/// The big-data centre (district) and department clerks upload; each sees only their own uploads.
struct RecordImportRoutes: Sendable {
    let jobs: RecordImportJobs
    let importer: RecordFileImport
    let queue: SerialJobQueue
    let maximumBytes: Int

    static let uploaders: Set<Role> = [.district, .department]

    func add(to group: RouterGroup<LifelineRequestContext>) {
        group.post("imports/records") { request, context -> Response in
            let user = try context.requireUser()
            try user.require(Self.uploaders)
            let department = try Self.clerksDepartment(user)
            let fileName = String((request.uri.queryParameters.get("fileName") ?? "upload").prefix(200))
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-records-\(UUID().uuidString)")
            let id = "BM" + String(Int(Date().timeIntervalSince1970)) + String(UUID().uuidString.prefix(6))
            do {
                try await UploadedFile.receive(request.body, into: file, maximumBytes: maximumBytes)
                do {
                    try XLSXLimits.checkUpload(file)
                } catch let error as TabularFileError {
                    throw APIError(status: .contentTooLarge, code: error.code.rawValue, message: error.message, field: "file")
                }
                try await jobs.create(id: id, fileName: fileName, submittedBy: user.id)
            } catch {
                try? FileManager.default.removeItem(at: file)
                throw error
            }
            await queue.enqueue(id) { await importer.run(job: id, file: file, onlyDepartment: department) }
            struct Accepted: Encodable { var id: String; var status: String; var progressURL: String }
            return try JSONResponse.make(Accepted(id: id, status: "queued", progressURL: "/v1/imports/\(id)"), status: .accepted)
        }
        group.get("imports/:id") { _, context -> Response in
            try JSONResponse.make(try await visible(context))
        }
        group.get("imports/:id/errors") { request, context -> Response in
            let job = try await visible(context)
            let offset = max(0, request.uri.queryParameters.get("offset").flatMap { Int($0) } ?? 0)
            let limit = min(1000, max(1, request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? 200))
            struct Page: Encodable { var total: Int; var offset: Int; var errors: [RowIssue] }
            return try JSONResponse.make(Page(total: job.problems, offset: offset, errors: try await jobs.problems(job.id, offset: offset, limit: limit)))
        }
    }

    /// A clerk sends and reads the records of the department the token names (a department token
    /// without one is refused); the big-data centre (district) handles every department's (`nil`).
    static func clerksDepartment(_ user: AuthenticatedUser) throws -> String? {
        guard user.role == .department else { return nil }
        guard let department = user.department, RecordChecks.departments.contains(department) else {
            throw APIError(status: .forbidden, code: "forbidden", message: "a department clerk's token must name the department")
        }
        return department
    }

    /// The job, if the caller submitted it (the district sees every upload).
    private func visible(_ context: LifelineRequestContext) async throws -> RecordImportView {
        let user = try context.requireUser()
        try user.require(Self.uploaders)
        guard let found = try await jobs.view(try context.parameters.require("id")), user.role != .department || found.submittedBy == user.id else {
            throw APIError.notFound("import")
        }
        return found.view
    }
}
