import LifelineEventBus
import LifelineEvents
import LifelineRuntime

/// Intake (受理): the household registry, the four-level grid, and the front door of self-applications
/// and grid reports.
public enum IntakeService {
    /// Port when `HTTP_PORT` is not set.
    public static let defaultHTTPPort = 8081

    /// Imports run one at a time per instance.
    static let importQueue = ImportQueue()
    /// Poster runs, one at a time per instance.
    static let posterQueue = SerialJobQueue()

    /// The service's definition.
    public static let definition = ServiceDefinition(
        name: "intake",
        migrations: IntakeMigrations.all,
        producedTopics: [.intakeApplications, .intakeHouseholds, .intakeLeads, .intakeGrid],
        consumers: [
            ConsumerDefinition(name: "application-progress", topics: [.reviewCases, .reviewLeads]) { dependencies in
                let progress = ApplicationProgressHandler(dependencies: dependencies)
                // Other review events (objections, monitoring, deadlines) do not concern applicants' progress.
                var handlers = EventHandlers(unknownTypes: .ignore)
                handlers.on(LeadJoinedCase.self) { joined, context in try await progress.leadJoined(joined, on: context.connection) }
                handlers.on(CaseStageChanged.self) { changed, context in try await progress.stageChanged(changed, on: context.connection) }
                handlers.on(CaseDecided.self) { decided, context in try await progress.caseDecided(decided, on: context.connection) }
                handlers.on(LeadSettled.self) { settled, context in try await progress.leadSettled(settled, on: context.connection) }
                return handlers
            }
        ],
        checkSettings: { settings in
            _ = try PublicLimits.Settings(settings: settings)
            _ = try settings.int("IMPORT_MAX_BYTES", default: 512 << 20, range: 1024...(8 << 30))
            _ = try settings.int("INTAKE_POSTER_RENDERINGS", default: 2, range: 1...64)
        },
        backgroundServices: { dependencies in
            [
                JobKeeper(jobs: ImportJobStore(database: dependencies.database, logger: dependencies.logger), queue: importQueue, logger: dependencies.logger),
                JobKeeper(jobs: PosterRunStore(database: dependencies.database, logger: dependencies.logger), queue: posterQueue, logger: dependencies.logger),
            ]
        },
        routes: { router, dependencies in
            let grid = GridStore(database: dependencies.database, logger: dependencies.logger)
            let limits: PublicLimits
            let imports: ImportRoutes
            let posterRenderings: Int
            do {
                posterRenderings = try dependencies.configuration.settings.int("INTAKE_POSTER_RENDERINGS", default: 2, range: 1...64)
                limits = PublicLimits(settings: try PublicLimits.Settings(settings: dependencies.configuration.settings), database: dependencies.database)
                imports = try ImportRoutes(dependencies: dependencies, queue: importQueue)
            } catch {
                // checkSettings refused these settings before the routes were built.
                preconditionFailure("intake settings were checked at start-up: \(error)")
            }
            let villages = VillageLookupCache(grid: grid)
            ApplicationRoutes(dependencies: dependencies, limits: limits, villages: villages).add(to: router)
            PageRoutes(villages: villages, limits: limits).add(to: router)
            // One gate for single posters, ZIPs and background runs alike.
            let gate = RenderingGate(limit: posterRenderings)
            PosterRoutes(grid: grid, tokenKeys: dependencies.tokenKeys, publicBaseURL: dependencies.configuration.publicBaseURL, gate: gate).add(to: router)
            PosterRunRoutes(
                grid: grid, runs: PosterRunStore(database: dependencies.database, logger: dependencies.logger), queue: posterQueue,
                tokenKeys: dependencies.tokenKeys, publicBaseURL: dependencies.configuration.publicBaseURL, gate: gate, logger: dependencies.logger
            ).add(to: router)
            GridRoutes(grid: grid, publisher: dependencies.publisher, tokenKeys: dependencies.tokenKeys).add(to: router)
            HouseholdRoutes(dependencies: dependencies).add(to: router)
            imports.add(to: router)
        }
    )
}
