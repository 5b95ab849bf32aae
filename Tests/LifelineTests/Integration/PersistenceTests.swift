import Foundation
import LifelineEventBus
import LifelineEvents
import LifelineKafka
@testable import LifelinePersistence
import Logging
import ServiceLifecycle
import Testing

@Suite(.tags(.integration), .timeLimit(.minutes(2))) struct PersistenceTests {
    let logger = Logger(label: "persistence-test")

    static let sample = Migration(version: 100, name: "sample", statements: [
        "CREATE TABLE sample (id integer PRIMARY KEY)",
        "INSERT INTO sample VALUES (1)",
    ])

    @Test func migrationsApplyOnceWhenInstancesStartTogether() async throws {
        try await TestDatabase.withScratchSchema { configuration in
            try await TestDatabase.with(configuration) { database in
                let migrations = SharedMigrations.all + [Self.sample]
                let migrator = Migrator(database: database, logger: logger)
                let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                    for _ in 0..<3 { group.addTask { try await migrator.migrate(migrations) } }
                    var all: [Int] = []
                    for try await versions in group { all += versions }
                    return all
                }
                #expect(applied.sorted() == SharedMigrations.all.map(\.version) + [100])
                var versions: [Int] = []
                for try await version in try await database.query("SELECT version FROM schema_migrations ORDER BY version").decode(Int.self) {
                    versions.append(version)
                }
                #expect(versions == SharedMigrations.all.map(\.version) + [100])
                #expect(try await migrator.migrate(migrations).isEmpty)
            }
        }
    }

    /// A batch takes its tokens all at once or not at all; what the bucket cannot give whole is refused
    /// with the wait, and single tokens still come while the bucket has them.
    @Test func aRateLimitGivesABatchAllOrNone() async throws {
        try await TestDatabase.withScratchSchema { configuration in
            try await TestDatabase.with(configuration) { database in
                try await Migrator(database: database, logger: logger).migrate(SharedMigrations.all)
                let limiter = SharedRateLimiter(scope: "test.batch", capacity: 10, period: .seconds(3600), database: database)
                #expect(try await limiter.acquire("k", cost: 8).allowed)
                let refused = try await limiter.acquire("k", cost: 3)
                #expect(!refused.allowed && refused.retryAfterSeconds >= 1)
                #expect(try await limiter.acquire("k", cost: 2).allowed)
                #expect(!(try await limiter.acquire("k").allowed))
                #expect(!(try await limiter.acquire("other", cost: 11).allowed))  // above the capacity: never
                #expect(try await limiter.acquire("other", cost: 10).allowed)
            }
        }
    }

    /// Concurrent takes go to the database together, and together they give exactly what one at a time
    /// would: a bucket with 2 tokens left lets 2 of 5 simultaneous requests through, a fresh bucket of 10
    /// lets 10 of 30, other keys are not affected by either.
    @Test func concurrentTakesShareStatementsAndGiveExactlyTheBucketsTokens() async throws {
        try await TestDatabase.withScratchSchema { configuration in
            try await TestDatabase.with(configuration) { database in
                try await Migrator(database: database, logger: logger).migrate(SharedMigrations.all)
                let limiter = SharedRateLimiter(scope: "test.together", capacity: 10, period: .seconds(3600), database: database)
                #expect(try await limiter.acquire("nearly-spent", cost: 8).allowed)
                // Many clients with one request each are what combining is for; the refused keys above are
                // decided one request at a time whatever the batching.
                let clients = (1...20).map { "client-\($0)" }
                let keys = Array(repeating: "nearly-spent", count: 5) + Array(repeating: "fresh", count: 30) + ["alone"] + clients
                let decisions = try await withThrowingTaskGroup(of: (String, SharedRateLimiter.Decision).self) { group in
                    for key in keys { group.addTask { (key, try await limiter.acquire(key)) } }
                    var all: [(String, SharedRateLimiter.Decision)] = []
                    for try await decision in group { all.append(decision) }
                    return all
                }
                func allowed(_ key: String) -> Int { decisions.filter { $0.0 == key && $0.1.allowed }.count }
                #expect(allowed("nearly-spent") == 2)
                #expect(allowed("fresh") == 10)
                #expect(allowed("alone") == 1)
                #expect(clients.allSatisfy { allowed($0) == 1 })
                #expect(decisions.filter { !$0.1.allowed }.allSatisfy { $0.1.retryAfterSeconds >= 1 })
                let statements = await limiter.takes.statements, takes = await limiter.takes.takes
                #expect(takes == 57)
                #expect(statements < takes, "takes should have been combined: \(statements) statements for \(takes) takes")
                #expect(!(try await limiter.acquire("fresh").allowed))
            }
        }
    }

    /// Record numbers keep counting past 999,999 instead of cutting the seventh digit off (which made
    /// department screening's warning numbers repeat after a million warnings and fail every import).
    @Test func recordNumbersGrowPastSixDigits() async throws {
        try await TestDatabase.withScratchSchema { configuration in
            try await TestDatabase.with(configuration) { database in
                var texts: [String] = []
                for value in ["0", "42", "999999", "1000000", "1234567", "9223372036854775807"] {
                    for try await text in try await database.query(PostgresQuery(unsafeSQL: "SELECT " + RecordNumberSQL.digits(value))).decode(String.self) {
                        texts.append(text)
                    }
                }
                #expect(texts == ["000000", "000042", "999999", "1000000", "1234567", "9223372036854775807"])
                #expect(try await Self.single(database, "SELECT " + RecordNumberSQL.digits("42", atLeast: 8)) == "00000042")

                try await database.query("CREATE SEQUENCE numbers_seq")
                try await database.query("SELECT setval('numbers_seq', 999998)")
                var numbers: [String] = []
                for try await number in try await database.query(PostgresQuery(unsafeSQL: """
                    SELECT \(RecordNumberSQL.next(prefix: "YJ", sequence: "numbers_seq")) FROM generate_series(1, 3)
                    """)).decode(String.self) { numbers.append(number) }
                #expect(numbers.count == 3 && Set(numbers).count == 3)
                #expect(numbers.map { String($0.dropFirst(10)) }.sorted { ($0.count, $0) < ($1.count, $1) } == ["999999", "1000000", "1000001"])
                #expect(numbers.allSatisfy { $0.hasPrefix("YJ") && $0.dropFirst(2).prefix(8).allSatisfy(\.isNumber) })
            }
        }
    }

    private static func single(_ database: Database, _ sql: String) async throws -> String? {
        for try await text in try await database.query(PostgresQuery(unsafeSQL: sql)).decode(String.self) { return text }
        return nil
    }

    @Test func aServiceRoleCannotReadAnotherServicesSchema() async throws {
        try await TestDatabase.with(try TestEnvironment.database(schema: "review")) { database in
            do {
                try await database.query("SELECT count(*) FROM intake.applications")
                Issue.record("svc_review read intake's table")
            } catch {
                #expect(DatabaseFailure.sqlState(of: error) == "42501")  // insufficient_privilege
            }
            do {
                try await database.query("CREATE TABLE intake.intruder (id int)")
                Issue.record("svc_review created a table in intake's schema")
            } catch {
                #expect(DatabaseFailure.sqlState(of: error) == "42501")
            }
            // …while its own schema is its search path.
            for try await schema in try await database.query("SELECT current_schema()").decode(String.self) {
                #expect(schema == "review")
            }
        }
    }

    @Test func theInboxClaimsAnEventOnce() async throws {
        try await TestDatabase.withScratchSchema { configuration in
            try await TestDatabase.with(configuration) { database in
                try await Migrator(database: database, logger: logger).migrate(SharedMigrations.all)
                let inbox = Inbox(logger: logger)
                let first = try await database.transaction { try await inbox.claim(consumer: "c", source: "/s", eventId: "e1", eventType: "t", on: $0) }
                let again = try await database.transaction { try await inbox.claim(consumer: "c", source: "/s", eventId: "e1", eventType: "t", on: $0) }
                let otherConsumer = try await database.transaction { try await inbox.claim(consumer: "d", source: "/s", eventId: "e1", eventType: "t", on: $0) }
                #expect(first && !again && otherConsumer)
                try await database.query("UPDATE inbox SET received_at = now() - interval '40 days' WHERE consumer = 'c'")
                #expect(try await inbox.purge(olderThan: .seconds(30 * 24 * 3600), in: database) == 1)
                #expect(try await database.transaction { try await inbox.claim(consumer: "d", source: "/s", eventId: "e1", eventType: "t", on: $0) } == false)
            }
        }
    }

    @Test func theInboxTellsEqualIdsOfTwoSourcesApartAndClaimsABatchInOneStatement() async throws {
        try await TestDatabase.withScratchSchema { configuration in
            try await TestDatabase.with(configuration) { database in
                try await Migrator(database: database, logger: logger).migrate(SharedMigrations.all)
                let inbox = Inbox(logger: logger)
                let hotline = Inbox.Key(source: "/12345", id: "WO-1")
                let petition = Inbox.Key(source: "/petition", id: "WO-1")
                let fresh = try await database.transaction {
                    try await inbox.claimAll(consumer: "c", keys: [hotline, petition, hotline], types: ["t", "t", "t"], on: $0)
                }
                #expect(fresh == [hotline, petition])
                let again = try await database.transaction {
                    try await inbox.claimAll(consumer: "c", keys: [petition, Inbox.Key(source: "/12345", id: "WO-2")], types: ["t", "t"], on: $0)
                }
                #expect(again == [Inbox.Key(source: "/12345", id: "WO-2")])
                // A record from before the source was kept (migration 3 gave it source '') still counts.
                try await database.query("INSERT INTO inbox (consumer, source, event_id, event_type) VALUES ('c', '', 'old-1', 't')")
                let legacy = try await database.transaction {
                    try await inbox.claimAll(consumer: "c", keys: [Inbox.Key(source: "/12345", id: "old-1")], types: ["t"], on: $0)
                }
                #expect(legacy.isEmpty)
                let single = try await database.transaction { try await inbox.claim(consumer: "c", source: "/12345", eventId: "old-1", eventType: "t", on: $0) }
                #expect(!single)
            }
        }
    }

    @Test func aSentMarkTurnsOffTheFlushWaitForItsOwnTransactionOnly() async throws {
        try await withOneConnection { database, store, publisher in
            try await database.transaction { connection in
                for sequence in 0..<3 {
                    try await publisher.publish(TestEvent(household: "h\(sequence)", sequence: sequence), to: "test.unused", on: connection)
                }
            }
            let entries = try await store.unsent(limit: 10)
            try #require(entries.count == 3)
            try await store.markSent([entries[0].id, entries[2].id])
            #expect(try await store.unsent(limit: 10).map(\.id) == [entries[1].id])
            #expect(try await database.count("SELECT count(*)::bigint FROM outbox WHERE sent_at IS NOT NULL") == 2)
            // The setting was local to the mark's transaction: later commits on the connection wait for
            // their flush again.
            var setting: [String] = []
            for try await value in try await database.query("SELECT current_setting('synchronous_commit')").decode(String.self) {
                setting.append(value)
            }
            #expect(setting == ["on"])
        }
    }

    /// The outbox statement takes a key's advisory lock before it writes, in the same statement: a
    /// second writer of the key waits until the first commits (so per key, id order is commit order),
    /// while a writer of another key does not wait.
    @Test func aSecondWriterOfAKeyWaitsForTheFirstToCommit() async throws {
        try await TestDatabase.withScratchSchema { configuration in
            try await TestDatabase.with(configuration) { database in
                try await Migrator(database: database, logger: logger).migrate(SharedMigrations.all)
                let store = OutboxStore(database: database, logger: logger)
                let publisher = EventPublisher(source: "/lifeline/test", outbox: store)
                let clock = ContinuousClock()
                let firstWrote = StartGate()
                // Outside `Database.transaction`, `publish` writes (and locks) at once, and the first
                // writer then holds its transaction open for a second.
                let firstCommitted = Task {
                    try await database.client.withTransaction(logger: logger) { connection in
                        try await publisher.publish(TestEvent(household: "h-shared", sequence: 1), to: "test.unused", on: connection)
                        firstWrote.open()
                        try await Task.sleep(for: .seconds(1))
                    }
                    return clock.now
                }
                _ = await firstWrote.wait()
                let started = clock.now
                try await database.transaction { connection in
                    try await publisher.publish(TestEvent(household: "h-other", sequence: 3), to: "test.unused", on: connection)
                }
                let otherKeyTook = clock.now - started
                try await database.transaction { connection in
                    try await publisher.publish(TestEvent(household: "h-shared", sequence: 2), to: "test.unused", on: connection)
                }
                let secondCommitted = clock.now
                let firstCommit = try await firstCommitted.value
                #expect(otherKeyTook < .milliseconds(500))
                #expect(secondCommitted >= firstCommit)
                let entries = try await store.unsent(limit: 10)
                let shared = try entries.filter { $0.partitionKey == "h-shared" }.map { try JSONDecoder().decode(TestEvent.self, from: Data($0.payload)).sequence }
                #expect(shared == [1, 2])
            }
        }
    }

    /// The statements every transaction and relay round runs are prepared: PostgreSQL parses the
    /// outbox insert once on a connection and then only executes it.
    @Test func theOutboxInsertIsParsedOncePerConnection() async throws {
        try await withOneConnection { database, store, publisher in
            for sequence in 0..<7 {
                try await database.transaction { connection in
                    try await publisher.publish(TestEvent(household: "h\(sequence % 2)", sequence: sequence), to: "test.unused", on: connection)
                }
            }
            let unsent = try await store.unsent(limit: 10)
            #expect(unsent.map(\.eventId).count == 7)
            try await store.markSent(unsent.map(\.id))
            var prepared: [String: Int64] = [:]
            for try await (name, uses) in try await database.query("""
                SELECT name, generic_plans + custom_plans FROM pg_prepared_statements WHERE name LIKE 'lifeline_outbox_%'
                """).decode((String, Int64).self) {
                prepared[name] = uses
            }
            #expect(prepared == ["lifeline_outbox_insert": 7, "lifeline_outbox_unsent": 1, "lifeline_outbox_mark_sent": 1])
        }
    }

    /// PostgresNIO remembers a failed preparation for the connection's life; `run` closes such a
    /// connection, so the statement works again on the next one instead of failing on it forever.
    @Test func aPreparationThatFailsDoesNotPoisonTheConnection() async throws {
        try await withOneConnection { database, store, _ in
            // The relay's read is first prepared in a transaction an earlier statement aborted (25P02).
            await #expect(throws: (any Error).self) {
                try await database.transaction { connection in
                    _ = try? await connection.query("SELECT 1 / 0", logger: logger)
                    _ = try await connection.run(OutboxUnsent(limit: 1), logger: logger)
                }
            }
            let onTheNextConnection = try await store.unsent(limit: 10)
            let andAgain = try await store.unsent(limit: 10)
            #expect(onTheNextConnection.isEmpty && andAgain.isEmpty)
        }
    }

    /// A migrated scratch schema whose pool has one connection, so that every statement of `body` runs
    /// on the same connection, with the schema's outbox and a publisher.
    private func withOneConnection(_ body: @Sendable (Database, OutboxStore, EventPublisher) async throws -> Void) async throws {
        try await TestDatabase.withScratchSchema { configuration in
            var configuration = configuration
            configuration.maximumConnections = 1
            try await TestDatabase.with(configuration) { database in
                try await Migrator(database: database, logger: logger).migrate(SharedMigrations.all)
                let store = OutboxStore(database: database, logger: logger)
                try await body(database, store, EventPublisher(source: "/lifeline/test", outbox: store))
            }
        }
    }

    /// The backlog counts unsent entries apart from parked ones and ages from the first unsent entry;
    /// sent entries (kept for a week) count for nothing, and its parts read the outbox's partial indexes.
    @Test func theBacklogCountsUnsentAndParkedEntriesAndAgesFromTheFirstUnsent() async throws {
        try await TestDatabase.withScratchSchema { configuration in
            try await TestDatabase.with(configuration) { database in
                try await Migrator(database: database, logger: logger).migrate(SharedMigrations.all)
                let store = OutboxStore(database: database, logger: logger)
                let publisher = EventPublisher(source: "/lifeline/test", outbox: store)
                #expect(try await store.backlog() == OutboxBacklog(count: 0, oldestAgeSeconds: 0, parked: 0))
                try await database.transaction { connection in
                    for sequence in 0..<5 {
                        try await publisher.publish(TestEvent(household: "h\(sequence)", sequence: sequence), to: "test.unused", on: connection)
                    }
                }
                let entries = try await store.unsent(limit: 10)
                try #require(entries.count == 5)
                try await store.markSent([entries[0].id])
                try await store.park(entries[1].id, reason: "refused")
                // The first entry still unsent (the third) was written 90 s ago, the sent one long before.
                _ = try await database.count("""
                    WITH aged AS (UPDATE outbox SET created_at = clock_timestamp() - CASE WHEN id = \(entries[0].id) THEN interval '1 day'
                        ELSE interval '90 seconds' END WHERE id IN (\(entries[0].id), \(entries[2].id)) RETURNING 1)
                    SELECT count(*)::bigint FROM aged
                    """)
                let backlog = try await store.backlog()
                #expect(backlog.count == 3 && backlog.parked == 1, "\(backlog)")
                #expect((89.0..<120.0).contains(backlog.oldestAgeSeconds), "\(backlog)")
                // With sequential scans off (the table is tiny here), every part reads a partial index, none the whole table.
                var plan: [String] = []
                try await database.transaction { connection in
                    try await connection.query("SET LOCAL enable_seqscan = off", logger: logger)
                    let explain = PostgresQuery(unsafeSQL: "EXPLAIN " + OutboxStore.backlogSQL)
                    for try await line in try await connection.query(explain, logger: logger).decode(String.self) { plan.append(line) }
                }
                let scans = plan.filter { $0.contains("Scan") && !$0.contains("Bitmap Heap Scan") }  // a heap scan follows its index scan
                #expect(!scans.isEmpty && scans.allSatisfy { $0.contains("outbox_unsent") || $0.contains("outbox_parked") }, "\(plan)")
            }
        }
    }

    @Test func outboxEventsReachKafkaInOrderAndOnlyWhenCommitted() async throws {
        let topic = EventTopic(name: TestData.unique("test.outbox"), partitions: 3)
        try await KafkaAdmin(configuration: try TestEnvironment.kafka()).createTopics([KafkaTopicSpecification(name: topic.name, partitions: 3)])
        try await TestDatabase.withScratchSchema { configuration in
            let database = Database(configuration: configuration, logger: logger)
            let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: try TestEnvironment.kafka()), logger: logger)
            let relay = OutboxRelay(database: database, producerConfiguration: KafkaProducerConfiguration(client: try TestEnvironment.kafka()), logger: logger)
            let group = ServiceGroup(configuration: .init(services: [database, producer], logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try await Migrator(database: database, logger: logger).migrate(SharedMigrations.all)
                let relayGroup = ServiceGroup(configuration: .init(services: [relay], logger: logger))
                tasks.addTask { try await relayGroup.run() }
                let publisher = EventPublisher(source: "/lifeline/test", outbox: OutboxStore(database: database, logger: logger))
                for batch in 0..<4 {
                    try await database.transaction { connection in
                        for index in 0..<5 {
                            try await publisher.publish(TestEvent(household: "h\((batch * 5 + index) % 2)", sequence: batch * 5 + index), to: topic.name, on: connection)
                        }
                    }
                }
                struct Rollback: Error {}
                await #expect(throws: Rollback.self) {
                    try await database.transaction { connection in
                        try await publisher.publish(TestEvent(household: "h0", sequence: -1), to: topic.name, on: connection)
                        throw Rollback()
                    }
                }
                let messages = try await KafkaProbe.collect(topic: topic.name) { $0.count >= 20 }
                let events = try messages.map { try $0.cloudEvent().decode(TestEvent.self) }
                #expect(!events.contains { $0.sequence == -1 })
                for household in ["h0", "h1"] {
                    let sequence = events.filter { $0.household == household }.map(\.sequence)
                    #expect(sequence == sequence.sorted())
                    #expect(sequence.count == 10)
                }
                #expect(messages.allSatisfy { $0.headers.text(for: "ce_source") == "/lifeline/test" })
                _ = try await eventually("outbox marked sent") {
                    try await OutboxStore(database: database, logger: logger).backlog().count == 0 ? true : nil
                }
                await relayGroup.triggerGracefulShutdown()
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }
}

/// An event type for tests of the shared machinery.
struct TestEvent: DomainEvent, Hashable {
    static let eventType = "lifeline.test.TestEvent.v1"
    static var topic: EventTopic { EventTopic(name: "test.unused", partitions: 1) }
    var household: String
    var sequence: Int
    var partitionKey: String { household }
}
