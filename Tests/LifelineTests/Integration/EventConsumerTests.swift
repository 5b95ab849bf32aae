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
        handler: @escaping EventHandler, batchSize: Int = 500,
        _ body: @escaping @Sendable (String, KafkaProducer, Database, String) async throws -> Void
    ) async throws {
        try await withConsumer(handlers: .any(handler), batchSize: batchSize, body)
    }

    func withConsumer(
        handlers: EventHandlers, batchSize: Int = 500,
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
                    Migration(version: 100, name: "seen", statements: [
                        "CREATE TABLE seen (position bigserial, event_id text NOT NULL, note text)"
                    ])
                ])
                var consumerConfiguration = KafkaConsumerConfiguration(client: try TestEnvironment.kafka(), groupId: groupId, topics: [topic])
                consumerConfiguration.sessionTimeoutMilliseconds = 6000
                let service = EventConsumerService(
                    consumer: consumerConfiguration, database: database, producer: producer,
                    retryPolicy: RetryPolicy(maximumAttempts: 3, initialBackoff: .milliseconds(50)), batchSize: batchSize, logger: logger,
                    handlers: handlers)
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

    func record(_ topic: String, id: String, sequence: Int = 0, source: String = "/test", key: String = "h") throws -> KafkaRecord {
        let event = try TestEvent(household: key, sequence: sequence).cloudEvent(source: source)
        var record = KafkaRecord(topic: topic, key: key, event: event)
        record.headers = record.headers.map { $0.key == "ce_id" ? KafkaHeader(key: "ce_id", text: id) : $0 }
        return record
    }

    /// Event ids in the order their effects committed.
    func seenInOrder(_ database: Database) async throws -> [String] {
        var ids: [String] = []
        for try await id in try await database.query("SELECT event_id FROM seen ORDER BY position").decode(String.self) { ids.append(id) }
        return ids
    }

    @Test func oneKeysEventsKeepTheirOrderAcrossBatchBoundaries() async throws {
        try await withConsumer(handler: Self.recordSeen, batchSize: 3) { topic, producer, database, _ in
            let ids = (0..<20).map { String(format: "e%02d", $0) }
            for result in await producer.sendAll(try ids.enumerated().map { try record(topic, id: $1, sequence: $0) }) { _ = try result.get() }
            _ = try await eventually("all processed") { try await seenInOrder(database).count == ids.count ? true : nil }
            #expect(try await seenInOrder(database) == ids)
        }
    }

    @Test func aPoisonEventInTheMiddleOfABatchIsTheOnlyOneDeadLettered() async throws {
        let attempts = Attempts()
        try await withConsumer(handler: { received, connection in
            _ = attempts.record(received.event.id)
            try await Self.recordSeen(received, connection)
            if received.event.id == "poison" {
                throw EventHandlingError(code: .ruleViolation, reason: "village code unknown", isRetriable: false)
            }
        }) { topic, producer, database, deadLetters in
            let ids = ["a1", "a2", "a3", "poison", "a4", "a5", "a6"]
            for result in await producer.sendAll(try ids.map { try record(topic, id: $0) }) { _ = try result.get() }
            _ = try await eventually("the good events processed") { try await seenInOrder(database).count == 6 ? true : nil }
            #expect(try await seenInOrder(database) == ["a1", "a2", "a3", "a4", "a5", "a6"])
            let dead = try await KafkaProbe.collect(topic: deadLetters) { !$0.isEmpty }
            #expect(dead.count == 1)
            #expect(dead.first?.headers.text(for: "ce_id") == "poison")
            #expect(dead.first?.headers.text(for: "dlq_error_code") == "handler.rule_violation")
        }
    }

    @Test func equalIdsFromTwoSourcesAreBothProcessed() async throws {
        try await withConsumer(handler: { received, connection in
            try await connection.query("INSERT INTO seen (event_id, note) VALUES (\(received.event.id), \(received.event.source))", logger: Logger(label: "h"))
        }) { topic, producer, database, _ in
            try await producer.send(try record(topic, id: "WO-1", source: "/hotline/12345"))
            try await producer.send(try record(topic, id: "WO-1", source: "/hotline/petition"))
            try await producer.send(try record(topic, id: "WO-1", source: "/hotline/12345"))  // a true redelivery
            _ = try await eventually("both sources processed") { () -> Bool? in
                var notes: [String] = []
                for try await note in try await database.query("SELECT note FROM seen ORDER BY note").decode(String.self) { notes.append(note) }
                return notes == ["/hotline/12345", "/hotline/petition"] ? true : nil
            }
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await seen(database).count == 2)
        }
    }

    /// Consecutive events of a batch handler's type come together, in order; a payload that does not
    /// decode makes the bus redo the batch event by event, so that only it is dead-lettered.
    @Test func aBatchHandlerGetsConsecutiveEventsTogetherAndAPoisonOneAlone() async throws {
        final class Calls: Sendable { let list = Mutex<[[Int]]>([]) }
        let calls = Calls()
        var handlers = EventHandlers(unknownTypes: .deadLetter)
        handlers.onBatch(TestEvent.self) { events, connection in
            calls.list.withLock { $0.append(events.map(\.payload.sequence)) }
            for (event, received) in events {
                try await connection.query(
                    "INSERT INTO seen (event_id, note) VALUES (\(received.event.id), \(String(event.sequence)))", logger: Logger(label: "h"))
            }
        }
        try await withConsumer(handlers: handlers) { topic, producer, database, deadLetters in
            let good = try (0..<40).map { try record(topic, id: String(format: "a%02d", $0), sequence: $0) }
            for result in await producer.sendAll(good) { _ = try result.get() }
            _ = try await eventually("the first events processed") { try await seenInOrder(database).count == 40 ? true : nil }
            var records = try (0..<6).map { try record(topic, id: "b\($0)", sequence: 100 + $0) }
            records[4].value = Array(#"{"household":"h"}"#.utf8)  // no sequence: does not decode
            for result in await producer.sendAll(records) { _ = try result.get() }
            _ = try await eventually("the good events processed") { try await seenInOrder(database).count == 45 ? true : nil }
            #expect(try await seenInOrder(database) == good.indices.map { String(format: "a%02d", $0) } + ["b0", "b1", "b2", "b3", "b5"])
            let dead = try await KafkaProbe.collect(topic: deadLetters) { !$0.isEmpty }
            #expect(dead.map { $0.headers.text(for: "ce_id") } == ["b4"])
            // Forty events sent at once are not polled one at a time: some call got several, each in order.
            let seenCalls = calls.list.withLock { $0 }
            #expect(seenCalls.contains { $0.count > 1 } && seenCalls.allSatisfy { $0 == $0.sorted() }, "\(seenCalls)")
        }
    }

    /// A batch registered for several types gets consecutive events of any of them together, in order,
    /// each read into the batch's value (notification's notifier queues a mixed run with a few statements).
    @Test func aBatchOfSeveralTypesGetsTheirEventsTogetherInOrder() async throws {
        final class Calls: Sendable { let list = Mutex<[[String]]>([]) }
        let calls = Calls()
        var handlers = EventHandlers(unknownTypes: .deadLetter)
        handlers.onBatch([
            BatchedType.of(TestEvent.self) { "t\($0.sequence)" },
            BatchedType.of(OtherTestEvent.self) { "o\($0.sequence)" },
        ]) { events, connection in
            calls.list.withLock { $0.append(events.map(\.payload)) }
            for (value, received) in events {
                try await connection.query("INSERT INTO seen (event_id, note) VALUES (\(received.event.id), \(value))", logger: Logger(label: "h"))
            }
        }
        try await withConsumer(handlers: handlers) { topic, producer, database, _ in
            let records = try (0..<40).map { index -> KafkaRecord in
                var record = try record(topic, id: String(format: "m%02d", index), sequence: index)
                if index % 2 == 1 {
                    record.headers = record.headers.map { $0.key == "ce_type" ? KafkaHeader(key: "ce_type", text: OtherTestEvent.eventType) : $0 }
                }
                return record
            }
            for result in await producer.sendAll(records) { _ = try result.get() }
            _ = try await eventually("every event processed") { try await seenInOrder(database).count == 40 ? true : nil }
            var notes: [String] = []
            for try await note in try await database.query("SELECT note FROM seen ORDER BY position").decode(String.self) { notes.append(note) }
            #expect(notes == (0..<40).map { $0 % 2 == 1 ? "o\($0)" : "t\($0)" })
            let seenCalls = calls.list.withLock { $0 }
            // Some call got both types at once, and every call kept the order they were sent in.
            #expect(seenCalls.contains { call in call.contains { $0.hasPrefix("t") } && call.contains { $0.hasPrefix("o") } }, "\(seenCalls)")
            #expect(seenCalls.allSatisfy { call in call.map { Int($0.dropFirst())! } == call.map { Int($0.dropFirst())! }.sorted() })
        }
    }

    @Test func typedHandlersDecodeTheirEventsAndFollowThePolicyForUnknownTypes() async throws {
        var handlers = EventHandlers(unknownTypes: .deadLetter)
        handlers.on(TestEvent.self) { event, context in
            try await context.connection.query(
                "INSERT INTO seen (event_id, note) VALUES (\(context.event.id), \(String(event.sequence)))", logger: Logger(label: "h"))
        }
        try await withConsumer(handlers: handlers) { topic, producer, database, deadLetters in
            var unknown = try record(topic, id: "other")
            unknown.headers = unknown.headers.map { $0.key == "ce_type" ? KafkaHeader(key: "ce_type", text: "lifeline.test.Other.v1") : $0 }
            try await producer.send(unknown)
            try await producer.send(try record(topic, id: "typed", sequence: 7))
            _ = try await eventually("typed event processed") { try await seen(database) == ["typed"] ? true : nil }
            let dead = try await KafkaProbe.collect(topic: deadLetters) { !$0.isEmpty }
            #expect(dead.first?.headers.text(for: "dlq_error_code") == "contract.unsupported_type")
            var notes: [String] = []
            for try await note in try await database.query("SELECT note FROM seen").decode(String.self) { notes.append(note) }
            #expect(notes == ["7"])
        }
        var ignoring = EventHandlers(unknownTypes: .ignore)
        ignoring.on(TestEvent.self) { _, context in
            try await context.connection.query("INSERT INTO seen (event_id) VALUES (\(context.event.id))", logger: Logger(label: "h"))
        }
        try await withConsumer(handlers: ignoring) { topic, producer, database, _ in
            var unknown = try record(topic, id: "other")
            unknown.headers = unknown.headers.map { $0.key == "ce_type" ? KafkaHeader(key: "ce_type", text: "lifeline.test.Other.v1") : $0 }
            try await producer.send(unknown)
            try await producer.send(try record(topic, id: "after"))
            _ = try await eventually("the known event processed") { try await seen(database) == ["after"] ? true : nil }
            let inboxed = try await database.count("SELECT count(*)::bigint FROM inbox")
            #expect(inboxed == 2)  // the ignored one is recorded too: ignoring it again on redelivery is free
        }
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
            // Once in its batch (rolled back), once alone to single it out; never retried beyond that.
            #expect(attempts.count("bad") <= 2)
            #expect(try await seen(database) == ["next"])
        }
    }

    final class Switch: Sendable {
        let state = Mutex(false)
        var isOn: Bool { state.withLock { $0 } }
        func turnOn() { state.withLock { $0 = true } }
    }

    @Test func deadLettersAreReplayedAfterAFixAndReplayingTwiceChangesNothing() async throws {
        let fixed = Switch()
        let handlers = EventHandlers.any { received, connection in
            guard fixed.isOn else { throw EventHandlingError(code: .ruleViolation, reason: "village code unknown", isRetriable: false) }
            try await Self.recordSeen(received, connection)
        }
        try await withConsumer(handlers: handlers) { topic, producer, database, deadLetters in
            try await producer.send(try record(topic, id: "late-1"))
            try await producer.send(try record(topic, id: "late-2"))
            _ = try await KafkaProbe.collect(topic: deadLetters) { $0.count >= 2 }
            #expect(try await seen(database).isEmpty)

            fixed.turnOn()  // the fix is deployed
            let replayer = DeadLetterReplayer(
                group: String(deadLetters.dropLast(".deadletter".count)), handlers: handlers, database: database,
                kafka: try TestEnvironment.kafka(), logger: logger)
            let letters = try await replayer.list()
            #expect(letters.count == 2)
            #expect(letters.allSatisfy { $0.errorCode == "handler.rule_violation" && $0.originalTopic == topic })
            #expect(Set(letters.compactMap(\.eventId)) == ["late-1", "late-2"])
            let first = await replayer.replay(letters)
            #expect(first.map(\.1) == [.processed, .processed])
            let second = await replayer.replay(try await replayer.list())
            #expect(second.map(\.1) == [.alreadyProcessed, .alreadyProcessed])
            #expect(try await seen(database) == ["late-1", "late-2"])
        }
    }

    struct RoadTestEvent: DomainEvent {
        static let eventType = "lifeline.test.RoadTestEvent.v1"
        static var topic: EventTopic { EventTopic(name: "test.unused", partitions: 1) }
        var household: String
        var road: DiscoveryRoad
        var partitionKey: String { household }
    }

    @Test func aDomainValueThisVersionDoesNotKnowIsProcessedNotDeadLettered() async throws {
        var handlers = EventHandlers(unknownTypes: .deadLetter)
        handlers.on(RoadTestEvent.self) { event, context in
            // This consumer's rule for unknown roads: record them under their raw value, flagged.
            try await context.connection.query(
                "INSERT INTO seen (event_id, note) VALUES (\(context.event.id), \(event.road.rawValue + (event.road.isKnown ? "" : "?")))",
                logger: Logger(label: "h"))
        }
        try await withConsumer(handlers: handlers) { topic, producer, database, deadLetters in
            for (id, road) in [("future", "villageDoctorReferral"), ("known", "gridReport")] {
                let event = CloudEvent(
                    source: "/lifeline/newer-intake", type: RoadTestEvent.eventType, time: Date(), subject: nil,
                    data: Array(#"{"household":"h","road":"\#(road)"}"#.utf8))
                var record = KafkaRecord(topic: topic, key: "h", event: event)
                record.headers = record.headers.map { $0.key == "ce_id" ? KafkaHeader(key: "ce_id", text: id) : $0 }
                try await producer.send(record)
            }
            _ = try await eventually("both processed") { try await seen(database) == ["future", "known"] ? true : nil }
            var notes: [String] = []
            for try await note in try await database.query("SELECT note FROM seen ORDER BY position").decode(String.self) { notes.append(note) }
            #expect(notes == ["villageDoctorReferral?", "gridReport"])
            #expect(try await FaultInfrastructureFreeCount.messages(on: deadLetters) == 0)
        }
    }
}

/// Counts what a topic of the test broker holds now.
enum FaultInfrastructureFreeCount {
    static func messages(on topic: String) async throws -> Int {
        let environment = ["KAFKA_BOOTSTRAP_SERVERS": try TestEnvironment.require("KAFKA_BOOTSTRAP_SERVERS")]
        return try await FaultInfrastructure.count(topic: topic, environment: environment, window: .seconds(5))
    }
}

/// A second event type with `TestEvent`'s shape, for handlers of several types.
struct OtherTestEvent: DomainEvent, Hashable {
    static let eventType = "lifeline.test.OtherTestEvent.v1"
    static var topic: EventTopic { EventTopic(name: "test.unused", partitions: 1) }
    var household: String
    var sequence: Int
    var partitionKey: String { household }
}
