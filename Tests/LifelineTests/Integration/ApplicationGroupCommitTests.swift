import Foundation
@testable import Intake
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging
import Testing

/// Self-applications committed in groups against the real PostgreSQL.
@Suite(.tags(.integration)) struct ApplicationGroupCommitTests {
    static func application(village: String, name: String = "李秀英", idNumber: String = TestData.idNumber()) throws -> ValidApplication {
        ValidApplication(
            villageCode: village, applicantName: name, idNumber: try CitizenIdNumber.parse(idNumber).get(), phone: TestData.phone(),
            householdSize: 3, difficulties: [.illness], statement: "住院")
    }

    @Test func concurrentSubmissionsShareCommitsAndEachGetsItsOwnAnswer() async throws {
        let village = TestData.villageCode()
        try await TestGrid.village(village)
        let applications = try (0..<60).map { _ in try Self.application(village: village) }
        let twice = applications[0]
        let (outcomes, groups) = try await TestGrid.withIntakeDatabase { database in
            let store = ApplicationStore(database: database, publisher: TestGrid.publisher(database), logger: Logger(label: "test"))
            let commit = SubmissionGroupCommit(store: store)
            let outcomes = try await withThrowingTaskGroup(of: SubmissionOutcome.self) { group in
                for application in applications + [twice] {
                    group.addTask { try await commit.submit(application, idempotencyKey: nil) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            return (outcomes, await commit.groups)
        }
        #expect(outcomes.count == 61)
        #expect(outcomes.filter(\.created).count == 60, "the same person twice is one application")
        #expect(Set(outcomes.map(\.applicationNumber)).count == 60)
        #expect(groups < 61, "submissions waiting together were committed together (\(groups) groups)")
        #expect(try await TestDatabase.count(schema: "intake", "SELECT count(*) FROM applications WHERE village_code = \(village)") == 60)
        #expect(try await TestDatabase.count(schema: "intake", """
            SELECT count(*) FROM outbox WHERE headers->>'ce_type' = \(ApplicationSubmitted.eventType)
                AND headers->>'ce_subject' = ANY(\(outcomes.map(\.applicationNumber)))
            """) == 60)
    }

    @Test func oneBadSubmissionDoesNotFailTheOthersOfItsGroup() async throws {
        let village = TestData.villageCode()
        try await TestGrid.village(village)
        let key = TestData.unique("key")
        let first = try Self.application(village: village)
        var edited = first
        edited.statement = "另一份说明"
        let changed = edited
        let (outcomes, reused) = try await TestGrid.withIntakeDatabase { database in
            let store = ApplicationStore(database: database, publisher: TestGrid.publisher(database), logger: Logger(label: "test"))
            _ = try await store.submit(first, idempotencyKey: key)
            let results = await store.submitGroup(
                [(try Self.application(village: village), nil), (changed, key), (try Self.application(village: village), nil)])
            return (results.compactMap { try? $0.get() }, results.compactMap { result -> IntakeError? in
                if case .failure(let error as IntakeError) = result { return error }
                return nil
            })
        }
        #expect(outcomes.count == 2 && outcomes.allSatisfy(\.created))
        #expect(reused.map(\.code) == [.idempotencyKeyReused])
    }

    @Test func inAGroupARegisteredIdNumberUnderAnotherNameIsStillHeld() async throws {
        let village = TestData.villageCode()
        try await TestGrid.village(village)
        let registeredId = TestData.idNumber()
        var file = HouseholdFile()
        file.member(household: TestData.unique("G").replacingOccurrences(of: "-", with: ""), village: village, group: village + "001",
                    name: "马桂芳", idNumber: registeredId, relation: "户主")
        let url = try file.utf8File()
        _ = try await TestGrid.withIntakeDatabase { database in
            try await TestGrid.importer(database).run(file: url, region: "370115", reporter: ImportLog().reporter)
        }
        let impostor = try Self.application(village: village, name: "张冒名", idNumber: registeredId)
        let own = try Self.application(village: village, name: "马桂芳", idNumber: registeredId)
        let plain = try Self.application(village: village)
        let outcomes = try await TestGrid.withIntakeDatabase { database in
            let store = ApplicationStore(database: database, publisher: TestGrid.publisher(database), logger: Logger(label: "test"))
            return await store.submitGroup([(impostor, nil), (plain, nil), (own, nil)]).map { try? $0.get() }
        }
        #expect(outcomes.allSatisfy { $0?.created == true })
        let numbers = outcomes.compactMap { $0?.applicationNumber }
        func events(_ type: String, _ number: String) async throws -> Int {
            try await TestDatabase.count(
                schema: "intake", "SELECT count(*) FROM outbox WHERE headers->>'ce_type' = \(type) AND headers->>'ce_subject' = \(number)")
        }
        #expect(try await events(ApplicationHeldForVerification.eventType, numbers[0]) == 1)
        #expect(try await events(ApplicationSubmitted.eventType, numbers[0]) == 0)
        #expect(try await events(ApplicationSubmitted.eventType, numbers[1]) == 1)
        #expect(try await events(ApplicationSubmitted.eventType, numbers[2]) == 1, "the registered person under the registered name goes on")
    }
}
