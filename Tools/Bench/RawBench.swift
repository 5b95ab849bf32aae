import Foundation
import LifelineKafka

/// The broker alone: what one producer puts in and one consumer-group member takes out, and the bare
/// produce → consume latency that every event hop pays twice.
enum RawBench {
    static func produce(topic: String, records: Int) async throws -> String {
        try await KafkaAdmin(configuration: client).createTopics([KafkaTopicSpecification(name: topic, partitions: 6)])
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
        let payload = [UInt8](repeating: 0x61, count: 200)
        let start = now()
        var failures = 0
        for chunkStart in stride(from: 0, to: records, by: 20_000) {
            let chunk = (chunkStart..<min(records, chunkStart + 20_000)).map { KafkaRecord(topic: topic, key: "h\($0 % 1000)", value: payload) }
            for result in await producer.sendAll(chunk) { if case .failure = result { failures += 1 } }
        }
        let seconds = Double(now() - start) / 1e9
        await producer.shutdown()
        return "produce_msgs_per_s=\(Int(Double(records) / seconds)) failed=\(failures)"
    }

    /// Reads `records` from the beginning with a new group, in batches, timed from the first message
    /// (the group join excluded). The same settings as the services' consumers.
    static func consume(topic: String, records: Int) async throws -> String {
        var configuration = KafkaConsumerConfiguration(client: client, groupId: "bench-raw-\(UUID().uuidString.prefix(8))", topics: [topic])
        configuration.maxBufferedMessages = 20_000
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        var consumed = 0
        var bytes = 0
        var start: UInt64 = 0
        for await batch in consumer.batches(maximum: 5_000) {
            if consumed == 0 { start = now() }
            consumed += batch.count
            for message in batch { bytes += message.value.count }
            if let last = batch.last { try? consumer.storeOffset(for: last) }
            if consumed >= records { break }
        }
        let seconds = Double(now() - start) / 1e9
        await consumer.close()
        return "consume_msgs_per_s=\(Int(Double(consumed) / seconds)) consumed=\(consumed) bytes=\(bytes)"
    }

    /// Open-loop produce → consume at `rate`, on a fresh topic: latency from the scheduled send to
    /// arrival at a consumer that joined before the clock started. With `streams` > 1, that many such
    /// streams run side by side (each its own topic, producer and consumer) and their latencies are
    /// pooled: the broker then carries the traffic of an event hop (its input and its output) and the
    /// floor is what one crossing of it costs under that load. The output is named `floor` for one
    /// stream and `floor<streams>` otherwise.
    static func floorLatency(rate: Int, seconds: Int, warmup: Int, streams: Int = 1) async throws -> String {
        let streams = max(1, streams)
        let name = streams == 1 ? "floor" : "floor\(streams)"
        // Every stream is set up (topic, producer, consumer assigned) before any clock starts, so the
        // streams run over the same seconds.
        let prepared = try await withThrowingTaskGroup(of: FloorStream.self) { group in
            for _ in 0..<streams { group.addTask { try await FloorStream() } }
            return try await group.reduce(into: [FloorStream]()) { $0.append($1) }
        }
        let results = await withTaskGroup(of: [(index: Int, latency: Double)].self) { group in
            for stream in prepared { group.addTask { await stream.run(rate: rate, seconds: seconds, warmup: warmup) } }
            return await group.reduce(into: [[(index: Int, latency: Double)]]()) { $0.append($1) }
        }
        var tail = WindowedTail(rate: rate, firstIndex: rate * warmup, seconds: seconds)
        for stream in results { for (index, latency) in stream { tail.add(index: index, latency: latency) } }
        let measured = results.flatMap { $0.map(\.latency) }
        return "\(name)_events=\(measured.count) " + Percentiles(measured).fields(name) + " " + tail.field(name)
    }
}

/// One produce → consume stream of the floor: its own topic, producer and consumer-group member.
private struct FloorStream: Sendable {
    let topic = "bench.floor-\(UUID().uuidString.prefix(8).lowercased())"
    let producer: KafkaProducer
    let consumer: KafkaConsumer

    /// Creates the topic, the producer and the consumer, and waits until the consumer owns its partitions.
    init() async throws {
        try await KafkaAdmin(configuration: client).createTopics([KafkaTopicSpecification(name: topic, partitions: 6)])
        var producerConfiguration = KafkaProducerConfiguration(client: client)
        producerConfiguration.lingerMilliseconds = 1
        producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(client: client, groupId: "bench-floor-\(topic)", topics: [topic]), logger: logger)
        while consumer.assignment.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
    }

    /// Sends open loop for `warmup + seconds` and returns the latency of each send after the warm-up,
    /// by its index; closes the clients.
    func run(rate: Int, seconds: Int, warmup: Int) async -> [(index: Int, latency: Double)] {
        let total = rate * (warmup + seconds)
        let consumer = self.consumer, producer = self.producer, topic = self.topic
        let reader = Task {
            var seen = 0
            var latencies: [(index: Int, latency: Double)] = []
            for await batch in consumer.batches(maximum: 1_000) {
                let arrived = now()
                for message in batch {
                    seen += 1
                    guard let text = message.keyText, let parts = Optional(text.split(separator: "/")), parts.count == 2,
                        let index = Int(parts[0]), let scheduled = UInt64(parts[1]), index >= rate * warmup
                    else { continue }
                    latencies.append((index, Double(arrived - scheduled) / 1e6))
                }
                if seen >= total { break }
            }
            return latencies
        }
        try? await OpenLoop.run(rate: rate, seconds: warmup + seconds) { index, scheduled in
            let record = KafkaRecord(topic: topic, key: "\(index)/\(scheduled)", value: [UInt8](repeating: 0x61, count: 200))
            Task { _ = try? await producer.send(record) }
        }
        let stopper = Task {
            try? await Task.sleep(for: .seconds(20))
            consumer.stopReading()  // whatever did not arrive by now counts as missing
        }
        let latencies = await reader.value
        stopper.cancel()
        await consumer.close()
        await producer.shutdown()
        return latencies
    }
}
