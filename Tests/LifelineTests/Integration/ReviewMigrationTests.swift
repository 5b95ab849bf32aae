import Foundation
import LifelinePersistence
import Logging
@testable import Review
import Testing

/// Review's schema moved from one case per lead (version 100) to the workflow (101): existing rows
/// must survive as leads of one case per household.
@Suite(.tags(.integration)) struct ReviewMigrationTests {
    @Test func casesOfVersion100BecomeLeadsOfOneCasePerHousehold() async throws {
        try await TestDatabase.withScratchSchema { configuration in
            try await TestDatabase.with(configuration) { database in
                let migrator = Migrator(database: database, logger: Logger(label: "test"))
                _ = try await migrator.migrate(SharedMigrations.all + [ReviewMigrations.all[0]])
                let now = Date()
                for (id, household, application, lead) in [
                    ("AJ20261101000001", "H1", "SQ1", nil), ("AJ20261101000002", "H1", nil, "GL1"), ("AJ20261101000003", nil, nil, "RL1"),
                ] as [(String, String?, String?, String?)] {
                    _ = try await database.query("""
                        INSERT INTO cases (id, household_id, village_code, road, application_number, lead_id, contact_name, contact_phone, stage, opened_at, due_by)
                        VALUES (\(id), \(household), '370115101201', 'gridReport', \(application), \(lead), NULL, NULL, 'homeVerification', \(now), \(now))
                        """).collect()
                }
                _ = try await migrator.migrate(SharedMigrations.all + ReviewMigrations.all)
                var leads: [String] = []
                for try await (origin, status, caseId) in try await database.query(
                    "SELECT origin_id, status, coalesce(case_id, '-') FROM leads ORDER BY origin_id").decode((String, String, String).self) {
                    leads.append("\(origin):\(status):\(caseId)")
                }
                #expect(leads == ["GL1:joined:AJ20261101000001", "RL1:triage:-", "SQ1:joined:AJ20261101000001"])
                for try await count in try await database.query("SELECT count(*)::int FROM cases").decode(Int.self) { #expect(count == 1) }
                // The database now refuses a second open case for the household.
                await #expect(throws: (any Error).self) {
                    _ = try await database.query("""
                        INSERT INTO cases (id, household_id, village_code, town_code, road, stage, opened_at, discovered_at, due_by)
                        VALUES ('AJ2', 'H1', '370115101201', '370115101', 'gridReport', 'homeVerification', now(), now(), now())
                        """).collect()
                }
            }
        }
    }
}
