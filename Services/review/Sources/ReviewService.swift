import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime

/// Review (认定): opens identification cases from every discovery road and runs the five steps
/// (入户核实—民主评议—信息比对—纳入公示—录入系统) to a decision; later also risk elimination.
public enum ReviewService {
    /// Port when `HTTP_PORT` is not set.
    public static let defaultHTTPPort = 8084

    /// The service's definition.
    public static let definition = ServiceDefinition(
        name: "review",
        migrations: ReviewMigrations.all,
        producedTopics: [.reviewCases],
        consumers: [
            ConsumerDefinition(name: "case-opener", topics: [.intakeApplications, .hotlineLeads, .intakeLeads]) { dependencies in
                let opener = CaseOpener(dependencies: dependencies)
                var handlers = EventHandlers(unknownTypes: .ignore)
                handlers.on(ApplicationSubmitted.self) { application, context in try await opener.open(for: application, context: context) }
                handlers.on(RiskLeadRaised.self) { lead, context in try await opener.open(for: lead, context: context) }
                handlers.on(GridLeadRaised.self) { lead, context in try await opener.open(for: lead, context: context) }
                return handlers
            }
        ],
        routes: { router, dependencies in
            CaseRoutes(dependencies: dependencies).add(to: router)
        }
    )
}

enum ReviewMigrations {
    static let all: [Migration] = [
        Migration(version: 100, name: "cases", statements: [
            "CREATE SEQUENCE case_number_seq",
            """
            CREATE TABLE cases (
                id text PRIMARY KEY,
                household_id text,
                village_code text NOT NULL,
                road text NOT NULL,
                application_number text UNIQUE,
                lead_id text UNIQUE,
                contact_name text,
                contact_phone text,
                stage text NOT NULL,
                opened_at timestamptz NOT NULL,
                due_by timestamptz NOT NULL
            )
            """,
            "CREATE INDEX cases_village ON cases (village_code, opened_at)",
            "CREATE INDEX cases_household ON cases (household_id)",
        ])
    ]
}
