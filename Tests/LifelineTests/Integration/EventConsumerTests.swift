import Foundation
import LifelineEventBus
import LifelineEvents
import LifelineKafka
import LifelinePersistence
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// The consumer pipeline against the real broker and database: inbox, retries, dead letters.
@Suite(.tags(.integration), .timeLimit(.minutes(2))) struct EventConsumerTests {
    let logger = Logger(label: "consumer-test")

    final class Attempts: Sendable {
        let counts = Mutex<[String: Int]>([:])
        func record(_ id: String) -> Int { counts.withLock { $0[id, default: 0] += 1; return $0[id]! } }
        func count(_ id: String) -> Int { counts.withLock { $0[id, default: 0] } }
    }

    /// Runs a consumer service with `handler` over a fresh topic and scratch schema; `body` gets the topic,
    /// a producer, the database and the dead-letter topic.
    func withConsumer(
        handler: @escaping EventHandler,
        _ body: @escaping @Sendable (String, KafkaProducer, Database, String) async throws -> Void
    ) async throws {
        let topic = TestData.unique("test.consume")
        let groupId = TestData.unique("test-group")
        let admin = KafkaAdmin(configuration: try TestEnvironment.kafka())
        try await admin.createTopics([
            KafkaTopicSpecification(name: topic, partitions: 1),
            KafkaTopicSpecification(name: EventTopic.deadLetter(forGroup: groupId).name, partitions: 1),
        ])
        try await TestDatabase.withScratchSchema { configuration in
            let database = Database(configuration: configuration, logger: logger)
            let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: try TestEnvironment.kafka()), logger: logger)
            let infrastructure = ServiceGroup(configuration: .init(services: [database, producer], logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await infrastructure.run() }
                try await Migrator(database: database, logger: logger).migrate(SharedMigrations.all + [
                    Migration(version: 100, name: "seen", statements: ["CREATE TABLE seen (event_id text NOT NULL, note text)"])
                ])
                var consumerConfiguration = KafkaConsumerConfiguration(client: try TestEnvironment.kafka(), groupId: groupId, topics: [topic])
                consumerConfiguration.sessionTimeoutMilliseconds = 6000
                let service = EventConsumerService(
                    consumer: consumerConfiguration, database: database, producer: producer,
                    retryPolicy: RetryPolicy(maximumAttempts: 3, initialBackoff: .milliseconds(50)), logger: logger, handler: handler)
                let consumerGroup = ServiceGroup(configuration: .init(services: [service], logger: logger))
                tasks.addTask { try await consumerGroup.run() }
                try await body(topic, producer, database, EventTopic.deadLetter(forGroup: groupId).name)
                await consumerGroup.triggerGracefulShutdown()
                await infrastructure.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }

    static func recordSeen(_ received: ReceivedEvent, _ connection: PostgresConnection) async throws {
        try await connection.query("INSERT INTO seen (event_id) VALUES (\(received.event.id))", logger: Logger(label: "h"))
    }

    func seen(_ database: Database) async throws -> [String] {
        var ids: [String] = []
        for try await id in try await database.query("SELECT event_id FROM seen ORDER BY event_id").decode(String.self) { ids.append(id) }
        return ids
    }

    func record(_ topic: String, id: String, sequence: Int = 0) throws -> KafkaRecord {
        let event = try TestEvent(household: "h", sequence: sequence).cloudEvent(source: "/test")
        var record = KafkaRecord(topic: topic, key: "h", event: event)
        record.headers = record.headers.map { $0.key == "ce_id" ? KafkaHeader(key: "ce_id", text: id) : $0 }
        return record
    }

    @Test func aPoisonMessageIsDeadLetteredAndThePartitionMovesOn() async throws {
        try await withConsumer(handler: Self.recordSeen) { topic, producer, database, deadLetters in
            try await producer.send(KafkaRecord(topic: topic, key: "h", value: Array("{}".utf8), headers: [KafkaHeader(key: "ce_type", text: "x")]))
            try await producer.send(try record(topic, id: "good-1"))
            try await producer.send(try record(topic, id: "good-2"))
            _ = try await eventually("good events processed") { try await seen(database) == ["good-1", "good-2"] ? true : nil }
            let dead = try await KafkaProbe.collect(topic: deadLetters) { !$0.isEmpty }
            #expect(dead.count == 1)
            #expect(dead[0].headers.text(for: "dlq_error_code") == "contract.missing_attribute")
            #expect(dead[0].headers.text(for: "dlq_original_offset") == "0")
            #expect(dead[0].headers.text(for: "dlq_original_topic") == topic)
            #expect(dead[0].headers.text(for: "dlq_reason")?.contains("ce_") == true)
            #expect(dead[0].value == Array("{}".utf8))
        }
    }

    @Test func aRedeliveredEventChangesNothing() async throws {
        let attempts = Attempts()
        try await withConsumer(handler: { received, connection in
            _ = attempts.record(received.event.id)
            try await Self.recordSeen(received, connection)
        }) { topic, producer, database, _ in
            try await producer.send(try record(topic, id: "same"))
            try await producer.send(try record(topic, id: "same"))
            try await producer.send(try record(topic, id: "after"))
            _ = try await eventually("both ids processed") { try await seen(database) == ["after", "same"] ? true : nil }
            #expect(attempts.count("same") == 1)
        }
    }

    @Test func retriableFailuresAreRetriedWithBackoff() async throws {
        let attempts = Attempts()
        try await withConsumer(handler: { received, connection in
            if attempts.record(received.event.id) < 3 {
                throw EventHandlingError(code: .temporarilyUnavailable, reason: "flaky dependency", isRetriable: true)
            }
            try await Self.recordSeen(received, connection)
        }) { topic, producer, database, _ in
            try await producer.send(try record(topic, id: "flaky"))
            _ = try await eventually("processed on the third attempt") { try await seen(database) == ["flaky"] ? true : nil }
            #expect(attempts.count("flaky") == 3)
        }
    }

    @Test func aRejectedEventIsDeadLetteredWithoutRetriesAndItsWorkRolledBack() async throws {
        let attempts = Attempts()
        try await withConsumer(handler: { received, connection in
            _ = attempts.record(received.event.id)
            try await Self.recordSeen(received, connection)  // rolled back by the throw below
            if received.event.id == "bad" {
                throw EventHandlingError(code: .ruleViolation, reason: "village code unknown", isRetriable: false)
            }
        }) { topic, producer, database, deadLetters in
            try await producer.send(try record(topic, id: "bad"))
            try await producer.send(try record(topic, id: "next"))
            _ = try await eventually("next processed") { try await seen(database) == ["next"] ? true : nil }
            let dead = try await KafkaProbe.collect(topic: deadLetters) { !$0.isEmpty }
            #expect(dead.first?.headers.text(for: "dlq_error_code") == "handler.rule_violation")
            #expect(dead.first?.headers.text(for: "dlq_attempts") == "1")
            #expect(attempts.count("bad") == 1)
        }
    }
}
