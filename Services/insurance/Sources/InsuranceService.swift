import Foundation
import Hummingbird
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime
import Logging

/// Insurance (防返贫综合保险): the district's fund per policy year and the payout rules of its four
/// lines, who is covered (monitored households from review's events and intake's register, and
/// households their town certifies), claims from the towns decided and paid by the insurer, and a
/// ledger that never lets approvals overspend the fund or a household's yearly cap. See docs/insurance.md.
public enum InsuranceService {
    /// Port when `HTTP_PORT` is not set.
    public static let defaultHTTPPort = 8085

    /// The service's definition.
    public static let definition = ServiceDefinition(
        name: "insurance",
        migrations: InsuranceMigrations.all,
        producedTopics: [.insuranceClaims, .insuranceFund],
        consumers: [
            ConsumerDefinition(name: "coverage", topics: [.reviewCases]) { dependencies in
                let registry = InsuranceRegistry(logger: dependencies.logger)
                // Only the start and end of monitoring decide coverage; the steps of a case do not.
                var handlers = EventHandlers(unknownTypes: .ignore)
                handlers.on(MonitoringStarted.self) { started, context in try await registry.apply(started, on: context.connection) }
                handlers.on(RiskEliminated.self) { eliminated, context in try await registry.apply(eliminated, on: context.connection) }
                return handlers
            },
            ConsumerDefinition(name: "registry", topics: [.intakeHouseholds, .intakeGrid]) { dependencies in
                let registry = InsuranceRegistry(logger: dependencies.logger)
                // Applications and visits do not concern insurance.
                var handlers = EventHandlers(unknownTypes: .ignore)
                handlers.on(HouseholdRegistered.self) { household, context in try await registry.apply(household, on: context.connection) }
                handlers.on(GridUnitRegistered.self) { unit, context in try await registry.apply(unit, on: context.connection) }
                return handlers
            },
        ],
        checkSettings: { settings in _ = try InsuranceSettings(settings: settings) },
        routes: { router, dependencies in
            let settings = InsuranceSettings.from(dependencies)
            let audit = InsuranceAudit(logger: dependencies.logger)
            let (database, publisher, logger) = (dependencies.database, dependencies.publisher, dependencies.logger)
            let group = router.group("v1").add(middleware: BearerAuthMiddleware(keys: dependencies.tokenKeys))
            ClaimRoutes(
                claims: ClaimStore(database: database, publisher: publisher, audit: audit, accounts: settings.accounts, logger: logger),
                decisions: ClaimDecisions(database: database, publisher: publisher, audit: audit, logger: logger)
            ).add(to: group)
            CertificationRoutes(
                certifications: CertificationStore(database: database, audit: audit, logger: logger),
                coverage: CoverageQueries(database: database, logger: logger)
            ).add(to: group)
            PolicyRoutes(policies: PolicyStore(database: database, audit: audit, logger: logger)).add(to: group)
        }
    )
}
