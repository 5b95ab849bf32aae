import Foundation
import Hummingbird
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime
import Logging

/// Department screening (部门筛查预警): matches the monthly data of health, medical insurance, civil
/// affairs and other departments against the household registry and routes warnings to the towns.
/// Keeps its own copy of the registry, built from (and rebuildable by replaying) `intake.households`.
public enum DepartmentScreeningService {
    /// Port when `HTTP_PORT` is not set.
    public static let defaultHTTPPort = 8082

    /// The service's definition.
    public static let definition = ServiceDefinition(
        name: "department-screening",
        migrations: [
            Migration(version: 100, name: "registry replica", statements: [
                """
                CREATE TABLE registry_households (
                    household_id text PRIMARY KEY,
                    village_code text NOT NULL,
                    provisional boolean NOT NULL,
                    updated_at timestamptz NOT NULL
                )
                """,
                """
                CREATE TABLE registry_members (
                    id_number text PRIMARY KEY,
                    household_id text NOT NULL REFERENCES registry_households(household_id),
                    name text NOT NULL,
                    relation text NOT NULL
                )
                """,
                "CREATE INDEX registry_members_household ON registry_members (household_id)",
            ])
        ],
        producedTopics: [],
        consumers: [
            ConsumerDefinition(name: "registry-replica", topics: [.intakeHouseholds]) { dependencies in
                let replica = RegistryReplica(logger: dependencies.logger)
                var handlers = EventHandlers(unknownTypes: .ignore)
                handlers.on(HouseholdRegistered.self) { household, context in try await replica.apply(household, on: context.connection) }
                return handlers
            }
        ],
        routes: { router, dependencies in
            RegistryRoutes(database: dependencies.database, tokenKeys: dependencies.tokenKeys).add(to: router)
        }
    )
}

/// Applies registry events to the local copy; an older version of an entry never overwrites a newer one.
struct RegistryReplica: Sendable {
    let logger: Logger

    func apply(_ household: HouseholdRegistered, on connection: PostgresConnection) async throws {
        let rows = try await connection.query("""
            INSERT INTO registry_households (household_id, village_code, provisional, updated_at)
            VALUES (\(household.householdId), \(household.villageCode), \(household.provisional), \(household.updatedAt))
            ON CONFLICT (household_id) DO UPDATE SET village_code = EXCLUDED.village_code, provisional = EXCLUDED.provisional,
                updated_at = EXCLUDED.updated_at
            WHERE registry_households.updated_at <= EXCLUDED.updated_at
            RETURNING 1
            """, logger: logger)
        var applied = false
        for try await _ in rows { applied = true }
        guard applied else { return }
        try await connection.query("DELETE FROM registry_members WHERE household_id = \(household.householdId)", logger: logger)
        for member in household.members {
            try await connection.query("""
                INSERT INTO registry_members (id_number, household_id, name, relation)
                VALUES (\(member.idNumber), \(household.householdId), \(member.name), \(member.relation))
                ON CONFLICT (id_number) DO UPDATE SET household_id = EXCLUDED.household_id, name = EXCLUDED.name, relation = EXCLUDED.relation
                """, logger: logger)
        }
    }
}

/// `GET /v1/registry/summary`: how much of the registry this service holds (no personal data).
struct RegistryRoutes: Sendable {
    let database: Database
    let tokenKeys: TokenKeys

    struct Summary: Encodable {
        var households: Int
        var provisionalHouseholds: Int
        var members: Int
    }

    func add(to router: Router<LifelineRequestContext>) {
        router.group("v1/registry").add(middleware: BearerAuthMiddleware(keys: tokenKeys)).get("summary") { _, context -> Response in
            try context.requireUser().require([.department, .district])
            let rows = try await database.query("""
                SELECT (SELECT count(*) FROM registry_households)::bigint,
                       (SELECT count(*) FROM registry_households WHERE provisional)::bigint,
                       (SELECT count(*) FROM registry_members)::bigint
                """)
            for try await (households, provisional, members) in rows.decode((Int64, Int64, Int64).self) {
                return try JSONResponse.make(Summary(households: Int(households), provisionalHouseholds: Int(provisional), members: Int(members)))
            }
            throw APIError.notFound("summary")
        }
    }
}
