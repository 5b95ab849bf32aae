import Foundation
import Hummingbird
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime
import Logging

/// Insurance (防返贫综合保险): the district's fund and its four lines; claims and payouts follow in their
/// own issue. Keeps its own view of which households are in identification, from review's events, so
/// claims can tell monitored households from those hit by a temporary hardship.
public enum InsuranceService {
    /// Port when `HTTP_PORT` is not set.
    public static let defaultHTTPPort = 8085

    /// The service's definition.
    public static let definition = ServiceDefinition(
        name: "insurance",
        migrations: [
            Migration(version: 100, name: "fund and household status", statements: [
                """
                CREATE TABLE fund_lines (
                    line text PRIMARY KEY,
                    name text NOT NULL
                )
                """,
                """
                INSERT INTO fund_lines (line, name) VALUES
                    ('medical', '医疗商业补充保险'), ('accident', '人身意外险'),
                    ('property', '家庭财产险'), ('industry', '产业扶贫险')
                """,
                """
                CREATE TABLE funds (
                    id text PRIMARY KEY,
                    name text NOT NULL,
                    budget_fen bigint NOT NULL CHECK (budget_fen >= 0),
                    committed_fen bigint NOT NULL DEFAULT 0,
                    CHECK (committed_fen <= budget_fen)
                )
                """,
                "INSERT INTO funds (id, name, budget_fen) VALUES ('jiyang', '济阳区防返贫综合保险资金', 200000000)",
                """
                CREATE TABLE household_status (
                    household_id text PRIMARY KEY,
                    case_id text NOT NULL,
                    stage text NOT NULL,
                    updated_at timestamptz NOT NULL
                )
                """,
            ])
        ],
        producedTopics: [],
        consumers: [
            ConsumerDefinition(name: "case-watch", topics: [.reviewCases]) { dependencies in
                let logger = dependencies.logger
                var handlers = EventHandlers(unknownTypes: .ignore)
                handlers.on(CaseOpened.self) { opened, context in
                    guard let household = opened.householdId else { return }
                    try await context.connection.query("""
                        INSERT INTO household_status (household_id, case_id, stage, updated_at)
                        VALUES (\(household), \(opened.caseId), \(opened.stage.rawValue), \(opened.openedAt))
                        ON CONFLICT (household_id) DO UPDATE SET case_id = EXCLUDED.case_id, stage = EXCLUDED.stage, updated_at = EXCLUDED.updated_at
                        WHERE household_status.updated_at <= EXCLUDED.updated_at
                        """, logger: logger)
                }
                return handlers
            }
        ],
        routes: { router, dependencies in
            let database = dependencies.database
            struct FundView: Encodable {
                var id: String
                var name: String
                var budgetYuan: Double
                var committedYuan: Double
                var availableYuan: Double
                var lines: [String: String]
            }
            router.group("v1/fund").add(middleware: BearerAuthMiddleware(keys: dependencies.tokenKeys)).get { _, context -> Response in
                try context.requireUser().require([.insurer, .district])
                var lines: [String: String] = [:]
                for try await (line, name) in try await database.query("SELECT line, name FROM fund_lines").decode((String, String).self) {
                    lines[line] = name
                }
                let rows = try await database.query("SELECT id, name, budget_fen, committed_fen FROM funds WHERE id = 'jiyang'")
                for try await (id, name, budget, committed) in rows.decode((String, String, Int64, Int64).self) {
                    return try JSONResponse.make(FundView(
                        id: id, name: name, budgetYuan: Double(budget) / 100, committedYuan: Double(committed) / 100,
                        availableYuan: Double(budget - committed) / 100, lines: lines))
                }
                throw APIError.notFound("fund")
            }
        }
    )
}
