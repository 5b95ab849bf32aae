import Foundation
import LifelineEventBus
import LifelinePersistence
import LifelineRuntime
import Logging

/// The intake executable's commands besides serving (the demo commands `seed-demo` and
/// `write-demo-csv` live in the executable, over the `IntakeDemo` target, and end in these):
/// - `import FILE [--region CODE]`: imports a household file as the district (or a town) would.
/// - `import-grid FILE`: loads the grid (units and grid members) from a file (docs/grid.md).
/// They use the same configuration (`DATABASE_*`) as the service and write only intake's schema; the
/// registry events wait in the outbox until the service's relay sends them.
public enum IntakeCommands {
    /// Whether `arguments` name a command (otherwise the executable serves).
    public static func isCommand(_ arguments: [String]) -> Bool {
        ["import", "import-grid"].contains(arguments.first ?? "")
    }

    /// Runs the command and returns the exit status.
    public static func run(_ arguments: [String]) async -> Int32 {
        LogSetup.bootstrap()
        let logger = LogSetup.logger(service: "intake")
        let options = CommandOptions(arguments.dropFirst())
        do {
            switch arguments.first {
            case "import":
                guard let path = options.positional.first else { throw UsageError(message: "import needs a FILE") }
                let region = options["--region"] ?? "370115"
                try await withDatabase(logger: logger) { database in
                    try await importFile(URL(fileURLWithPath: path), region: region, database: database, logger: logger)
                }
            case "import-grid":
                guard let path = options.positional.first else { throw UsageError(message: "import-grid needs a FILE") }
                try await withDatabase(logger: logger) { database in
                    let outcome = try await GridFileImporter(grid: GridStore(database: database, logger: logger), publisher: publisher(database, logger)).run(file: URL(fileURLWithPath: path), covers: { _ in true })  // the operator at the console speaks for every region
                    for problem in outcome.problems.prefix(50) { print("line \(problem.line): \(problem.field): \(problem.reason)") }
                    print("grid: \(outcome.units) units, \(outcome.members) grid members, \(outcome.problems.count) rows refused")
                }
            default:
                throw UsageError(message: "unknown command")
            }
            return 0
        } catch let error as UsageError {
            FileHandle.standardError.write(Data("lifeline-intake: \(error.message)\n".utf8))
            return 2
        } catch let failure as ImportFailure {
            FileHandle.standardError.write(Data("lifeline-intake: import failed: \(failure.message)\n".utf8))
            return 1
        } catch {
            // Type, SQLSTATE and object names only: a server message can quote a rejected value.
            logger.critical("command failed", metadata: [
                "error.type": "\(type(of: error))", "error.sqlstate": "\(DatabaseFailure.sqlState(of: error) ?? "-")",
                "error.db_object": "\(DatabaseFailure.objectNames(of: error) ?? "-")",
            ])
            return 1
        }
    }

    private static func importFile(_ file: URL, region: String, database: Database, logger: Logger) async throws {
        let started = ContinuousClock.now
        let importer = HouseholdImporter(database: database, publisher: publisher(database, logger), grid: GridStore(database: database, logger: logger), logger: logger)
        let reporter = ImportReporter(
            problems: { problems in
                for problem in problems.prefix(20) { print("line \(problem.line): \(problem.field): \(problem.reason)") }
            },
            progress: { _ in })
        let counts = try await importer.run(file: file, region: region, reporter: reporter)
        let seconds = Double((ContinuousClock.now - started).components.seconds)
        print("""
            households: \(counts.householdsCreated) created, \(counts.householdsUpdated) updated, \(counts.householdsUnchanged) unchanged; \
            rows: \(counts.rowsRead) read, \(counts.rowsAccepted) accepted, \(counts.rowsRejected) rejected (\(Int(seconds)) s)
            """)
    }

    /// Intake's publisher for commands: events wait in the outbox until the service's relay sends them.
    private static func publisher(_ database: Database, _ logger: Logger) -> EventPublisher {
        EventPublisher(source: "/lifeline/intake", outbox: OutboxStore(database: database, logger: logger))
    }

    private static func withDatabase(logger: Logger, _ body: @Sendable @escaping (Database) async throws -> Void) async throws {
        let configuration = try LifelineConfiguration.load(service: "intake", defaultHTTPPort: IntakeService.defaultHTTPPort)
        let database = Database(configuration: configuration.database, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await database.run() }
            await database.waitUntilRunning()
            defer { group.cancelAll() }
            try await Migrator(database: database, logger: logger).migrate(SharedMigrations.all + IntakeMigrations.all)
            try await body(database)
        }
    }

    private struct UsageError: Error { var message: String }
}
