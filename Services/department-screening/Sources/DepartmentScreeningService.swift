import Hummingbird
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime
import Logging

/// Department screening (部门筛查预警): matches the data of health, medical insurance, civil affairs and
/// the other departments against its copy of the household registry, warns the towns by rule
/// (`WarningRaised`), tells each department what became of every record (`RecordFeedback`) and answers
/// review's information comparisons. See docs/department-screening.md.
public enum DepartmentScreeningService {
    /// Port when `HTTP_PORT` is not set.
    public static let defaultHTTPPort = 8082

    /// Monthly files are imported one at a time per instance.
    static let importQueue = SerialJobQueue()

    /// The service's definition.
    public static let definition = ServiceDefinition(
        name: "department-screening",
        migrations: ScreeningMigrations.all,
        producedTopics: [.screeningLeads, .screeningFeedback, .screeningComparisons],
        consumers: [
            ConsumerDefinition(name: "registry-replica", topics: [.intakeHouseholds]) { dependencies in
                let replica = RegistryReplica(
                    screening: RecordScreening(publisher: dependencies.publisher, logger: dependencies.logger), logger: dependencies.logger)
                var handlers = EventHandlers(unknownTypes: .ignore)
                handlers.onBatch(HouseholdRegistered.self) { households, connection in try await replica.apply(households.map(\.payload), on: connection) }
                return handlers
            },
            ConsumerDefinition(name: "record-intake", topics: [.screeningInbound]) { dependencies in
                let screening = RecordScreening(publisher: dependencies.publisher, logger: dependencies.logger)
                // Anything that is not a department record can never be processed here: dead-lettered with its reason.
                var handlers = EventHandlers(unknownTypes: .deadLetter)
                // Records that came together are screened together (the same statements for one or 500).
                handlers.onBatch(DepartmentRecordPushed.self) { records, connection in
                    try await screening.screenAll(records.map { .init(record: $0.payload, source: "push", cause: $0.received.event) }, on: connection)
                }
                return handlers
            },
            ConsumerDefinition(name: "review-events", topics: [.reviewCases, .reviewLeads, .reviewComparisons]) { dependencies in
                let monitored = MonitoredHouseholds(logger: dependencies.logger)
                let feedback = FeedbackRelay(publisher: dependencies.publisher, logger: dependencies.logger)
                let comparisons = ComparisonAnswerer(publisher: dependencies.publisher, logger: dependencies.logger)
                // Other review events (case steps, objections, deadlines) do not concern screening.
                var handlers = EventHandlers(unknownTypes: .ignore)
                handlers.on(MonitoringStarted.self) { event, context in try await monitored.started(event, on: context.connection) }
                handlers.on(RiskEliminated.self) { event, context in try await monitored.eliminated(event, on: context.connection) }
                handlers.on(LeadSettled.self) { event, context in try await feedback.leadSettled(event, cause: context.event, on: context.connection) }
                handlers.on(ComparisonRequested.self) { event, context in try await comparisons.answer(event, cause: context.event, on: context.connection) }
                return handlers
            },
        ],
        checkSettings: { settings in
            _ = try settings.int("IMPORT_MAX_BYTES", default: 512 << 20, range: 1024...(8 << 30))
        },
        backgroundServices: { dependencies in
            [JobKeeper(jobs: RecordImportJobs(database: dependencies.database), queue: importQueue, logger: dependencies.logger)]
        },
        routes: { router, dependencies in
            let group = router.group("v1").add(middleware: BearerAuthMiddleware(keys: dependencies.tokenKeys))
            ScreeningRoutes(database: dependencies.database).add(to: group)
            ComparisonKindRoutes(database: dependencies.database).add(to: group)
            FeedbackReport(database: dependencies.database).add(to: group)
            let jobs = RecordImportJobs(database: dependencies.database)
            let importer = RecordFileImport(
                database: dependencies.database, screening: RecordScreening(publisher: dependencies.publisher, logger: dependencies.logger), jobs: jobs)
            let maximumBytes = (try? dependencies.configuration.settings.int("IMPORT_MAX_BYTES", default: 512 << 20, range: 1024...(8 << 30))) ?? 512 << 20
            RecordImportRoutes(jobs: jobs, importer: importer, queue: importQueue, maximumBytes: maximumBytes).add(to: group)
        }
    )
}
