import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime

/// Hotline (信访信息处置): takes work orders pushed by the 12345 and 12317 hotlines, the cyberspace office
/// and the petition bureau, reads them, finds the household (from its copy of intake's registry and
/// grid) and raises risk leads for the towns to verify.
public enum HotlineService {
    /// Port when `HTTP_PORT` is not set.
    public static let defaultHTTPPort = 8083

    /// The service's definition.
    public static let definition = ServiceDefinition(
        name: "hotline",
        migrations: HotlineMigrations.all,
        producedTopics: [.hotlineLeads, .hotlineReplies],
        consumers: [
            ConsumerDefinition(name: "work-order-intake", topics: [.hotlineInbound]) { dependencies in
                let intake = WorkOrderIntake(dependencies: dependencies)
                // hotline.inbound carries work orders only: anything else from the outside systems is a fault.
                var handlers = EventHandlers(unknownTypes: .deadLetter)
                let followUps = FollowUps(publisher: dependencies.publisher, settings: intake.deadlines, logger: dependencies.logger)
                handlers.onBatch(WorkOrderPushed.self) { orders, connection in try await intake.record(orders, on: connection) }
                handlers.on(WorkOrderFollowedUp.self) { followUp, context in
                    try await followUps.record(followUp, cause: context.event, on: context.connection)
                }
                return handlers
            },
            ConsumerDefinition(name: "review-outcomes", topics: [.reviewLeads]) { dependencies in
                let answers = WorkOrderAnswers(publisher: dependencies.publisher, logger: dependencies.logger)
                // Only what became of leads concerns hotline; other review events are skipped.
                var handlers = EventHandlers(unknownTypes: .ignore)
                handlers.on(LeadSettled.self) { settled, context in try await answers.leadSettled(settled, cause: context.event, on: context.connection) }
                return handlers
            },
            ConsumerDefinition(name: "registry", topics: [.intakeHouseholds, .intakeGrid]) { dependencies in
                let registry = HotlineRegistry(logger: dependencies.logger)
                // Other intake events (applications, visits) do not concern hotline.
                var handlers = EventHandlers(unknownTypes: .ignore)
                handlers.on(HouseholdRegistered.self) { household, context in try await registry.apply(household, on: context.connection) }
                handlers.on(GridUnitRegistered.self) { unit, context in try await registry.apply(unit, on: context.connection) }
                return handlers
            },
        ],
        checkSettings: { settings in
            _ = try settings.int(WorkOrderIntake.mergeDaysSetting, default: 30, range: 0...365)
            _ = try DeadlineSettings(settings: settings)
        },
        backgroundServices: { dependencies in
            let settings = DeadlineSettings.from(dependencies)
            let clock = WorkOrderClock(database: dependencies.database, settings: settings, logger: dependencies.logger)
            return [PeriodicService(name: "work order clock", interval: .seconds(settings.clockSeconds), logger: dependencies.logger) { _ = try await clock.tick() }]
        },
        routes: { router, dependencies in
            WorkOrderRoutes(dependencies: dependencies).add(to: router)
            TextRuleRoutes(dependencies: dependencies).add(to: router)
        }
    )
}
