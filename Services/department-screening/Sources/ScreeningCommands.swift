import Foundation
import LifelineEventBus
import LifelinePersistence
import LifelineRuntime
import Logging

/// The department-screening executable's commands besides serving:
/// - `import-records FILE`: imports a monthly file of department records as an upload would, and
///   prints what became of the rows and the first problems by line.
/// It uses the service's configuration (`DATABASE_*`) and writes only its schema; warnings and
/// feedback wait in the outbox until the service's relay sends them.
public enum ScreeningCommands {
    /// Whether `arguments` name a command (otherwise the executable serves).
    public static func isCommand(_ arguments: [String]) -> Bool {
        arguments.first == "import-records"
    }

    /// Runs the command and returns the exit status.
    public static func run(_ arguments: [String]) async -> Int32 {
        LogSetup.bootstrap()
        let logger = LogSetup.logger(service: "department-screening")
        let options = CommandOptions(arguments.dropFirst())
        guard let path = options.positional.first else {
            FileHandle.standardError.write(Data("lifeline-department-screening: import-records needs a FILE\n".utf8))
            return 2
        }
        do {
            let configuration = try LifelineConfiguration.load(service: "department-screening", defaultHTTPPort: DepartmentScreeningService.defaultHTTPPort)
            let database = Database(configuration: configuration.database, logger: logger)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await database.run() }
                await database.waitUntilRunning()
                defer { group.cancelAll() }
                try await Migrator(database: database, logger: logger).migrate(SharedMigrations.all + ScreeningMigrations.all)
                let jobs = RecordImportJobs(database: database)
                let publisher = EventPublisher(source: configuration.eventSource, outbox: OutboxStore(database: database, logger: logger))
                let id = "BM" + String(Int(Date().timeIntervalSince1970)) + String(UUID().uuidString.prefix(6))
                try await jobs.create(id: id, fileName: URL(fileURLWithPath: path).lastPathComponent, submittedBy: "console")
                // The importer removes the file it read (uploads hold ID numbers): give it a copy.
                let copy = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-records-\(UUID().uuidString)")
                try FileManager.default.copyItem(at: URL(fileURLWithPath: path), to: copy)
                await RecordFileImport(database: database, screening: RecordScreening(publisher: publisher, logger: logger), jobs: jobs).run(job: id, file: copy)
                guard let view = try await jobs.view(id)?.view else { return 1 }
                for problem in try await jobs.problems(id, offset: 0, limit: 20) { print("line \(problem.line): \(problem.field): \(problem.message)") }
                let c = view.counts
                print("""
                    import \(id) \(view.status)\(view.failure.map { ": \($0)" } ?? ""): \(c.rowsRead) rows; \(c.warned) warned (\(c.warningsRaised) new warnings), \
                    \(c.matchedWithoutWarning) matched without a warning, \(c.unmatched) unmatched, \(c.rejected) rejected, \(c.alreadyReceived) received before
                    """)
                return view.status == "completed" ? 0 : 1
            }
        } catch {
            logger.critical("command failed", metadata: [
                "error.type": "\(type(of: error))", "error.sqlstate": "\(DatabaseFailure.sqlState(of: error) ?? "-")",
            ])
            return 1
        }
    }
}
