// lifeline-bench: the figures in docs/performance.md. Run through `make bench` (scripts/bench.sh), which
// starts PostgreSQL and Tansu on the bench ports and exports their addresses.
//
// 1. raw produce: 200-byte records, acks=all, idempotent, lz4 — what the broker takes from one producer;
// 2. raw consume: the same records read back by one consumer-group member (after the group join);
// 3. one event hop: events are consumed, handled in one transaction with inbox, a state row and an
//    outbox entry, relayed and published — throughput on a backlog, and latency (publish of the input to
//    arrival of the output) at a steady offered rate.
import Foundation
import LifelineEventBus
import LifelineEvents
import LifelineKafka
import LifelinePersistence
import Logging
import ServiceLifecycle

struct BenchEvent: DomainEvent {
    static let eventType = "lifeline.bench.BenchEvent.v1"
    static let topic = EventTopic(name: "bench.unused", partitions: 1)
    var household: String
    var sequence: Int
    var sentAtNanos: UInt64
    var padding: String
    var partitionKey: String { household }
}

func environment(_ name: String) -> String {
    guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
        FileHandle.standardError.write(Data("lifeline-bench: \(name) is not set; run `make bench`\n".utf8))
        exit(2)
    }
    return value
}

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
}

let arguments = CommandLine.arguments
let rawCount = Int(arguments.dropFirst().first ?? "") ?? 200_000
let hopCount = Int(arguments.dropFirst(2).first ?? "") ?? 20_000
let logger: Logger = {
    var logger = Logger(label: "bench")
    logger.logLevel = .warning
    return logger
}()
let client = KafkaClientConfiguration(bootstrapServers: environment("KAFKA_BOOTSTRAP_SERVERS"), clientId: "lifeline-bench")
let admin = KafkaAdmin(configuration: client)
let run = UUID().uuidString.prefix(8).lowercased()

// MARK: 1-2. Raw produce and consume.
let rawTopic = "bench.raw-\(run)"
try await admin.createTopics([KafkaTopicSpecification(name: rawTopic, partitions: 6)])
let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
let payload = [UInt8](repeating: 0x61, count: 200)
let produceStart = now()
var failures = 0
for chunkStart in stride(from: 0, to: rawCount, by: 20_000) {
    let records = (chunkStart..<min(rawCount, chunkStart + 20_000)).map { KafkaRecord(topic: rawTopic, key: "h\($0 % 1000)", value: payload) }
    for result in await producer.sendAll(records) { if case .failure = result { failures += 1 } }
}
let produceSeconds = Double(now() - produceStart) / 1e9
print(String(format: "raw produce: %d records in %.2f s = %.0f msg/s (%d failed)", rawCount, produceSeconds, Double(rawCount) / produceSeconds, failures))

var consumerConfiguration = KafkaConsumerConfiguration(client: client, groupId: "bench-raw-\(run)", topics: [rawTopic])
consumerConfiguration.maxBufferedMessages = 10_000
let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
var consumed = 0
var consumeStart: UInt64 = 0
for await message in consumer.messages {
    if consumed == 0 { consumeStart = now() }
    consumed += 1
    if consumed % 1000 == 0 { try? consumer.storeOffset(for: message) }
    if consumed == rawCount { break }
}
let consumeSeconds = Double(now() - consumeStart) / 1e9
await consumer.close()
print(String(format: "raw consume: %d records in %.2f s = %.0f msg/s (after the group join)", consumed, consumeSeconds, Double(consumed) / consumeSeconds))

// MARK: 3. One event hop.
let inTopic = "bench.in-\(run)"
let outTopic = "bench.out-\(run)"
try await admin.createTopics([
    KafkaTopicSpecification(name: inTopic, partitions: 6), KafkaTopicSpecification(name: outTopic, partitions: 6),
    KafkaTopicSpecification(name: "bench.hop-\(run).deadletter", partitions: 1),
])
let schema = "bench_\(run)"
let database = Database(
    configuration: DatabaseConfiguration(
        host: "127.0.0.1", port: Int(environment("DATABASE_PORT"))!, database: "lifeline", username: "svc_lifeline_test",
        password: "lifeline", schema: schema, maximumConnections: 8),
    logger: logger)
let infrastructure = ServiceGroup(configuration: .init(services: [database], logger: logger))
let infrastructureTask = Task { try await infrastructure.run() }
await database.waitUntilRunning()
try await database.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"))
try await Migrator(database: database, logger: logger).migrate(SharedMigrations.all + [
    Migration(version: 100, name: "state", statements: ["CREATE TABLE state (household text PRIMARY KEY, last_sequence integer NOT NULL)"])
])
let publisher = EventPublisher(source: "/lifeline/bench", outbox: OutboxStore(database: database, logger: logger))
var hopConsumer = KafkaConsumerConfiguration(client: client, groupId: "bench.hop-\(run)", topics: [inTopic])
hopConsumer.sessionTimeoutMilliseconds = 6000
let hop = EventConsumerService(consumer: hopConsumer, database: database, producer: producer, logger: logger) { received, connection in
    var event = try received.payload(BenchEvent.self)
    try await connection.query("""
        INSERT INTO state (household, last_sequence) VALUES (\(event.household), \(event.sequence))
        ON CONFLICT (household) DO UPDATE SET last_sequence = EXCLUDED.last_sequence
        """, logger: logger)
    event.padding = ""
    try await publisher.publish(event, to: outTopic, on: connection, causedBy: received.event)
}
let relay = OutboxRelay(database: database, producerConfiguration: KafkaProducerConfiguration(client: client), logger: logger)
let pipeline = ServiceGroup(configuration: .init(services: [relay, hop], logger: logger))
let pipelineTask = Task { try await pipeline.run() }

/// Reads `count` outputs with a sequence of at least `from` (a new group starts at the earliest offset,
/// and Tansu's "latest" offset lookup is unreliable) and returns (latencies in ms, seconds from first to
/// last arrival).
func collectOutputs(_ count: Int, from: Int = 0, group: String) async throws -> ([Double], Double) {
    var configuration = KafkaConsumerConfiguration(client: client, groupId: group, topics: [outTopic])
    configuration.maxBufferedMessages = 10_000
    let reader = try KafkaConsumer(configuration: configuration, logger: logger)
    var latencies: [Double] = []
    var first: UInt64 = 0
    for await message in reader.messages {
        let event = try message.cloudEvent().decode(BenchEvent.self)
        guard event.sequence >= from else { continue }
        let arrived = now()
        if latencies.isEmpty { first = arrived }
        latencies.append(Double(arrived - event.sentAtNanos) / 1e6)
        if latencies.count == count { break }
    }
    let seconds = Double(now() - first) / 1e9
    await reader.close()
    return (latencies, seconds)
}

func send(_ range: Range<Int>) async throws {
    let records = try range.map { index in
        let event = try BenchEvent(household: "h\(index % 500)", sequence: index, sentAtNanos: now(), padding: String(repeating: "x", count: 120))
            .cloudEvent(source: "/lifeline/bench")
        return KafkaRecord(topic: inTopic, key: "h\(index % 500)", event: event)
    }
    for result in await producer.sendAll(records) { _ = try result.get() }
}

// Throughput: a backlog of `hopCount` events, drained by one consumer instance.
let throughputReader = Task { try await collectOutputs(hopCount, group: "bench-out-a-\(run)") }
let backlogStart = now()
try await send(0..<hopCount)
let (_, _) = try await throughputReader.value
let hopSeconds = Double(now() - backlogStart) / 1e9
print(String(format: "event hop, backlog: %d events in %.2f s = %.0f events/s (one consumer instance, sequential per message)", hopCount, hopSeconds, Double(hopCount) / hopSeconds))

// Latency: a steady 100 events/s for 20 s.
let rate = 100
let latencyCount = rate * 20
let latencyReader = Task { try await collectOutputs(latencyCount, from: hopCount, group: "bench-out-b-\(run)") }
try await Task.sleep(for: .seconds(5))  // let the reader join its group
for second in 0..<20 {
    let tick = now()
    for index in 0..<rate {
        try await send((hopCount + second * rate + index)..<(hopCount + second * rate + index + 1))
        let target = tick + UInt64(index + 1) * 1_000_000_000 / UInt64(rate)
        let current = now()
        if target > current { try await Task.sleep(for: .nanoseconds(Int(target - current))) }
    }
}
let (latencies, _) = try await latencyReader.value
let sorted = latencies.sorted()
print(String(format: "event hop, latency at %d events/s: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d events)", rate, percentile(sorted, 0.5), percentile(sorted, 0.99), sorted.last ?? .nan, sorted.count))

await pipeline.triggerGracefulShutdown()
_ = try? await pipelineTask.value
try await database.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
await infrastructure.triggerGracefulShutdown()
_ = try? await infrastructureTask.value
await producer.shutdown()
