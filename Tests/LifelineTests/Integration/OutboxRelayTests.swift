import Foundation
import LifelineEventBus
import LifelineEvents
import LifelineKafka
import LifelinePersistence
import Logging
import ServiceLifecycle
import Testing

/// The outbox's guards and the relay's handling of entries the broker refuses, against the real
/// PostgreSQL and broker.
@Suite(.tags(.integration), .timeLimit(.minutes(2))) struct OutboxRelayTests {
    let logger = Logger(label: "relay-test")

    /// A scratch schema with the shared tables and a running pool.
    func withOutbox(_ body: @escaping @Sendable (Database) async throws -> Void) async throws {
        try await TestDatabase.withScratchSchema { configuration in
            try await TestDatabase.with(configuration) { database in
                try await Migrator(database: database, logger: logger).migrate(SharedMigrations.all)
                try await body(database)
            }
        }
    }

    @Test func anEventLargerThanTheLimitIsRefusedInThePublishingTransaction() async throws {
        try await withOutbox { database in
            let publisher = EventPublisher(
                source: "/lifeline/test", outbox: OutboxStore(database: database, logger: logger, maximumEventBytes: 2_000))
            let big = TestEvent(household: String(repeating: "户", count: 1_000), sequence: 1)
            let error = await #expect(throws: OutboxError.self) {
                try await database.transaction { connection in
                    try await publisher.publish(TestEvent(household: "small", sequence: 0), to: "test.unused", on: connection)
                    try await publisher.publish(big, to: "test.unused", on: connection)
                }
            }
            #expect(error?.code == .eventTooLarge)
            #expect(error?.message.contains("2000 bytes") == true)
            #expect(error?.message.contains(TestEvent.eventType) == true)
            #expect(error?.message.contains("户") == false, "the message must not quote the payload")
            // The whole transaction rolled back: the small event did not go out either.
            let rows = try await database.count("SELECT count(*)::bigint FROM outbox")
            #expect(rows == 0)
        }
    }

    @Test func anEntryTheBrokerRefusesIsParkedAndHoldsBackOnlyItsOwnKey() async throws {
        let topic = TestData.unique("test.parking")
        try await KafkaAdmin(configuration: try TestEnvironment.kafka()).createTopics([KafkaTopicSpecification(name: topic, partitions: 3)])
        try await withOutbox { database in
            // The outbox accepts 3 MB; the producer refuses anything over librdkafka's 1,000,000 bytes.
            let publisher = EventPublisher(
                source: "/lifeline/test", outbox: OutboxStore(database: database, logger: logger, maximumEventBytes: 3_000_000))
            let store = OutboxStore(database: database, logger: logger, maximumEventBytes: 3_000_000)
            try await database.transaction { connection in
                try await publisher.publish(TestEvent(household: "A", sequence: 1), to: topic, on: connection)
                try await store.append(
                    OutboxEntry(eventId: "big", topic: topic, partitionKey: "A", headers: ["ce_id": "big"], payload: Array(repeating: 0x20, count: 1_500_000)),
                    on: connection)
            }
            try await database.transaction { connection in
                try await publisher.publish(TestEvent(household: "B", sequence: 2), to: topic, on: connection)
            }
            let relay = OutboxRelay(database: database, producerConfiguration: KafkaProducerConfiguration(client: try TestEnvironment.kafka()), logger: logger)
            let relayGroup = ServiceGroup(configuration: .init(services: [relay], logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await relayGroup.run() }
                let parked = try await eventually("the big entry parked") { () -> [ParkedOutboxEntry]? in
                    let parked = try await store.parked()
                    return parked.isEmpty ? nil : parked
                }
                #expect(parked.count == 1)
                #expect(parked.first?.reason.contains("too large") == true || parked.first?.reason.contains("size") == true)
                // A later event of the same key published after the parking waits too.
                try await database.transaction { connection in
                    try await store.append(
                        OutboxEntry(eventId: "held", topic: topic, partitionKey: "A", headers: ["ce_id": "held"], payload: Array("{}".utf8)),
                        on: connection)
                }
                // Both keys' first events, whichever partition the probe reads first.
                let delivered = try await KafkaProbe.collect(topic: topic) { messages in
                    messages.contains { $0.keyText == "B" } && messages.contains { $0.keyText == "A" }
                }
                #expect(delivered.compactMap(\.keyText).sorted() == ["A", "B"])
                #expect(!delivered.contains { $0.headers.text(for: "ce_id") == "held" }, "nothing behind the parked entry of key A may overtake it")
                let behind = try await store.parked().first?.waitingBehind
                #expect(behind == 1)
                #expect(try await store.backlog().parked == 1)

                // The operator gives up on the parked entry: its key flows again.
                try await store.skip(parked[0].id)
                _ = try await eventually("the held entry sent") { try await store.backlog().count == 0 ? true : nil }
                let after = try await KafkaProbe.collect(topic: topic) { messages in messages.contains { $0.headers.text(for: "ce_id") == "held" } }
                #expect(!after.contains { $0.headers.text(for: "ce_id") == "big" })
                #expect(try await store.parked().isEmpty)
                await #expect(throws: OutboxError.self) { try await store.skip(parked[0].id) }
                await relayGroup.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }
}
