import Foundation
import LifelineEventBus
import LifelineEvents
import LifelineKafka
import LifelinePersistence
import Logging
import ServiceLifecycle
import Synchronization

/// An input event of the hop; the handler stamps when it handled it, so the output carries the stages.
struct BenchEvent: DomainEvent {
    static let eventType = "lifeline.bench.BenchEvent.v1"
    static let topic = EventTopic(name: "bench.unused", partitions: 1)
    var household: String
    var sequence: Int
    var scheduledNanos: UInt64
    var handledNanos: UInt64 = 0
    var padding: String
    var partitionKey: String { household }
}

/// One event hop as a service runs it: an `EventConsumerService` (batches: one transaction with the
/// inbox claim, a state upsert and an outbox entry per event) and the `OutboxRelay` publishing the
/// outputs, on a scratch schema, with a reader of the output topic that joined before the clock starts.
final class HopPipeline: Sendable {
    let run = UUID().uuidString.prefix(8).lowercased()
    var inTopic: String { "bench.in-\(run)" }
    var outTopic: String { "bench.out-\(run)" }
    var schema: String { "bench_\(run)" }
    let database: Database
    let producer: KafkaProducer
    let infrastructure: ServiceGroup
    let pipeline: ServiceGroup
    let hop: EventConsumerService
    let reader: KafkaConsumer

    init() async throws {
        let admin = KafkaAdmin(configuration: client)
        try await admin.createTopics([
            KafkaTopicSpecification(name: "bench.in-\(run)", partitions: 6), KafkaTopicSpecification(name: "bench.out-\(run)", partitions: 6),
            KafkaTopicSpecification(name: "bench.hop-\(run).deadletter", partitions: 1),
        ])
        database = Database(
            configuration: DatabaseConfiguration(
                host: "127.0.0.1", port: Int(environment("DATABASE_PORT"))!, database: "lifeline", username: "svc_lifeline_test",
                password: "lifeline", schema: "bench_\(run)", maximumConnections: 8),
            logger: logger)
        var producerConfiguration = KafkaProducerConfiguration(client: client)
        producerConfiguration.lingerMilliseconds = 1
        producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        infrastructure = ServiceGroup(configuration: .init(services: [database, producer], logger: logger))
        let infrastructure = self.infrastructure
        Task { try await infrastructure.run() }
        await database.waitUntilRunning()
        try await database.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA bench_\(run)"))
        try await Migrator(database: database, logger: logger).migrate(SharedMigrations.all + [
            Migration(version: 100, name: "state", statements: ["CREATE TABLE state (household text PRIMARY KEY, last_sequence integer NOT NULL)"])
        ])
        let publisher = EventPublisher(source: "/lifeline/bench", outbox: OutboxStore(database: database, logger: logger))
        let outTopic = "bench.out-\(run)"
        var handlers = EventHandlers(unknownTypes: .deadLetter)
        handlers.on(BenchEvent.self) { event, context in
            var event = event
            event.handledNanos = now()
            try await context.connection.query("""
                INSERT INTO state (household, last_sequence) VALUES (\(event.household), \(event.sequence))
                ON CONFLICT (household) DO UPDATE SET last_sequence = EXCLUDED.last_sequence
                """, logger: logger)
            event.padding = ""
            try await publisher.publish(event, to: outTopic, on: context.connection, causedBy: context.event)
        }
        var consumer = KafkaConsumerConfiguration(client: client, groupId: "bench.hop-\(run)", topics: ["bench.in-\(run)"])
        consumer.sessionTimeoutMilliseconds = 6000
        hop = EventConsumerService(consumer: consumer, database: database, producer: producer, logger: logger, handlers: handlers)
        var relayConfiguration = OutboxRelay.Configuration()
        relayConfiguration.readyBacklogAge = .seconds(3600)
        let relay = OutboxRelay(database: database, producerConfiguration: producerConfiguration, configuration: relayConfiguration, logger: logger)
        pipeline = ServiceGroup(configuration: .init(services: [relay, hop], logger: logger))
        let pipeline = self.pipeline
        Task { try await pipeline.run() }
        var readerConfiguration = KafkaConsumerConfiguration(client: client, groupId: "bench-out-\(run)", topics: [outTopic])
        readerConfiguration.maxBufferedMessages = 20_000
        reader = try KafkaConsumer(configuration: readerConfiguration, logger: logger)
        // The clock starts once both consumers own their partitions and the relay leads.
        while hop.assignment.isEmpty || reader.assignment.isEmpty || !relay.isLeading {
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func record(index: Int, scheduled: UInt64) throws -> KafkaRecord {
        let event = try BenchEvent(
            household: "h\(index % 500)", sequence: index, scheduledNanos: scheduled, padding: String(repeating: "x", count: 120)
        ).cloudEvent(source: "/lifeline/bench")
        return KafkaRecord(topic: inTopic, key: "h\(index % 500)", event: event)
    }

    /// Reads outputs until `count` arrived (or `limit` passed), calling `arrived` for each.
    func readOutputs(_ count: Int, limit: Duration, _ arrived: (BenchEvent, UInt64) -> Void) async throws -> Int {
        let deadline = ContinuousClock.now + limit
        let reader = self.reader
        let stopper = Task {
            try? await Task.sleep(until: deadline)
            reader.stopReading()
        }
        var seen = 0
        for await batch in reader.batches(maximum: 5_000) {
            let time = now()
            for message in batch {
                arrived(try message.cloudEvent().decode(BenchEvent.self), time)
                seen += 1
            }
            if seen >= count { break }
        }
        stopper.cancel()
        return seen
    }

    /// Rows the hop left: inbox claims (one per input) and state rows.
    func rowCounts() async throws -> (inbox: Int, outbox: Int) {
        (try await database.count("SELECT count(*)::bigint FROM inbox"), try await database.count("SELECT count(*)::bigint FROM outbox"))
    }

    func close() async throws {
        await pipeline.triggerGracefulShutdown()
        await reader.close()
        try await Task.sleep(for: .milliseconds(500))
        try await database.query(PostgresQuery(unsafeSQL: "DROP SCHEMA bench_\(run) CASCADE"))
        await infrastructure.triggerGracefulShutdown()
    }
}

enum HopBench {
    /// A backlog of `events` sent as fast as the producer goes, drained by one consumer instance; timed
    /// from the first send to the last output read back, and checked by row counts.
    static func throughput(events: Int) async throws -> String {
        let pipeline = try await HopPipeline()
        let start = now()
        let sending = Task {
            let records = try (0..<events).map { try pipeline.record(index: $0, scheduled: now()) }
            for result in await pipeline.producer.sendAll(records) { _ = try result.get() }
        }
        let outputs = try await pipeline.readOutputs(events, limit: .seconds(600)) { _, _ in }
        let seconds = Double(now() - start) / 1e9
        try await sending.value
        let rows = try await pipeline.rowCounts()
        try await pipeline.close()
        return "hop_events_per_s=\(Int(Double(outputs) / seconds)) outputs=\(outputs) inbox_rows=\(rows.inbox) outbox_rows=\(rows.outbox)"
    }

    /// Open loop at `rate` for `warmup + seconds`; percentiles over the last `seconds`, from the
    /// scheduled send time, in total and per stage (in: send → handler; out: handler → output read).
    static func latency(rate: Int, seconds: Int, warmup: Int) async throws -> String {
        let pipeline = try await HopPipeline()
        let total = rate * (warmup + seconds)
        let measuredFrom = rate * warmup
        let sending = Task {
            try await OpenLoop.run(rate: rate, seconds: warmup + seconds) { index, scheduled in
                guard let record = try? pipeline.record(index: index, scheduled: scheduled) else { return }
                Task { _ = try? await pipeline.producer.send(record) }
            }
        }
        var totals: [Double] = [], stageIn: [Double] = [], stageOut: [Double] = []
        var tail = WindowedTail(rate: rate, firstIndex: measuredFrom, seconds: seconds)
        let outputs = try await pipeline.readOutputs(total, limit: .seconds(warmup + seconds + 30)) { event, arrived in
            guard event.sequence >= measuredFrom else { return }
            let total = Double(arrived - event.scheduledNanos) / 1e6
            totals.append(total)
            tail.add(index: event.sequence, latency: total)
            stageIn.append(Double(event.handledNanos - event.scheduledNanos) / 1e6)
            stageOut.append(Double(arrived - event.handledNanos) / 1e6)
        }
        try await sending.value
        try await pipeline.close()
        return "hop_latency_events=\(totals.count) outputs=\(outputs) " + Percentiles(totals).fields("hop") + " "
            + Percentiles(stageIn).fields("in") + " " + Percentiles(stageOut).fields("out") + " " + tail.field("hop")
    }
}
