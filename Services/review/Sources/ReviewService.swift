import Hummingbird
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime

/// Review (认定): leads of the four roads become one case per household, which the village, the town
/// and the district take through the five steps (入户核实—民主评议—信息比对—镇审核与公示—录入系统) to a
/// decision; monitored households are later taken through risk elimination (风险消除). See docs/review.md.
public enum ReviewService {
    /// Port when `HTTP_PORT` is not set.
    public static let defaultHTTPPort = 8084

    /// The service's definition.
    public static let definition = ServiceDefinition(
        name: "review",
        migrations: ReviewMigrations.all,
        producedTopics: [.reviewCases, .reviewLeads, .reviewComparisons],
        consumers: [
            ConsumerDefinition(name: "case-opener", topics: [.intakeApplications, .hotlineLeads, .intakeLeads, .screeningLeads]) { dependencies in
                let leads = LeadStore(database: dependencies.database, publisher: dependencies.publisher, logger: dependencies.logger)
                // ApplicationHeldForVerification is the village's business in intake until it confirms the application.
                var handlers = EventHandlers(unknownTypes: .ignore)
                handlers.on(ApplicationSubmitted.self) { event, context in
                    try await leads.receive(IncomingLead(event), cause: context.event, on: context.connection)
                }
                handlers.on(RiskLeadRaised.self) { event, context in
                    try await leads.receive(IncomingLead(event), cause: context.event, on: context.connection)
                }
                handlers.on(GridLeadRaised.self) { event, context in
                    try await leads.receive(IncomingLead(event), cause: context.event, on: context.connection)
                }
                handlers.on(WarningRaised.self) { event, context in
                    try await leads.receive(IncomingLead(event), cause: context.event, on: context.connection)
                }
                return handlers
            },
            ConsumerDefinition(name: "registry", topics: [.intakeHouseholds, .intakeGrid]) { dependencies in
                let replica = RegistryReplica(logger: dependencies.logger)
                let names = GridNames(logger: dependencies.logger)
                var handlers = EventHandlers(unknownTypes: .ignore)
                handlers.on(HouseholdRegistered.self) { household, context in try await replica.apply(household, on: context.connection) }
                handlers.on(GridUnitRegistered.self) { unit, context in try await names.apply(unit, on: context.connection) }
                return handlers
            },
            ConsumerDefinition(name: "comparisons", topics: [.screeningComparisons]) { dependencies in
                let cases = CaseStore(dependencies: dependencies)
                var handlers = EventHandlers(unknownTypes: .ignore)
                handlers.on(ComparisonAnswered.self) { answer, context in
                    try await cases.comparisonAnswered(answer, cause: context.event, on: context.connection)
                }
                return handlers
            },
        ],
        checkSettings: { settings in _ = try ReviewSettings(settings: settings) },
        backgroundServices: { dependencies in
            let clock = CaseClock(cases: CaseStore(dependencies: dependencies), logger: dependencies.logger)
            return [PeriodicService(name: "case clock", interval: .seconds(clock.cases.settings.clockIntervalSeconds), logger: dependencies.logger) {
                try await clock.tick()
            }]
        },
        routes: { router, dependencies in
            let cases = CaseStore(dependencies: dependencies)
            let group = router.group("v1").add(middleware: BearerAuthMiddleware(keys: dependencies.tokenKeys))
            CaseRoutes(cases: cases).add(to: group)
            LeadRoutes(leads: LeadStore(database: dependencies.database, publisher: dependencies.publisher, logger: dependencies.logger)).add(to: group)
            MonitoringRoutes(cases: cases).add(to: group)
        }
    )
}

extension CaseStore {
    /// Builds the store from the service's dependencies; the settings were checked at start-up.
    init(dependencies: ServiceDependencies) {
        let settings: ReviewSettings
        do {
            settings = try ReviewSettings(settings: dependencies.configuration.settings)
        } catch {
            preconditionFailure("review settings were checked at start-up: \(error)")
        }
        self.init(database: dependencies.database, publisher: dependencies.publisher, settings: settings, logger: dependencies.logger)
    }
}
