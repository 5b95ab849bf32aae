import Foundation
import LifelineKafka
import Synchronization

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
    /// arrival at a consumer that joined before the clock started.
    static func floorLatency(rate: Int, seconds: Int, warmup: Int) async throws -> String {
        let topic = "bench.floor-\(UUID().uuidString.prefix(8).lowercased())"
        try await KafkaAdmin(configuration: client).createTopics([KafkaTopicSpecification(name: topic, partitions: 6)])
        var producerConfiguration = KafkaProducerConfiguration(client: client)
        producerConfiguration.lingerMilliseconds = 1
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(client: client, groupId: "bench-floor-\(topic)", topics: [topic]), logger: logger)
        while consumer.assignment.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        let total = rate * (warmup + seconds)
        let latencies = Mutex<[Double]>([])
        let reader = Task {
            var seen = 0
            for await batch in consumer.batches(maximum: 1_000) {
                let arrived = now()
                for message in batch {
                    seen += 1
                    guard let text = message.keyText, let parts = Optional(text.split(separator: "/")), parts.count == 2,
                        let index = Int(parts[0]), let scheduled = UInt64(parts[1]), index >= rate * warmup
                    else { continue }
                    latencies.withLock { $0.append(Double(arrived - scheduled) / 1e6) }
                }
                if seen >= total { break }
            }
        }
        try await OpenLoop.run(rate: rate, seconds: warmup + seconds) { index, scheduled in
            let record = KafkaRecord(topic: topic, key: "\(index)/\(scheduled)", value: [UInt8](repeating: 0x61, count: 200))
            Task { _ = try? await producer.send(record) }
        }
        let stopper = Task {
            try? await Task.sleep(for: .seconds(20))
            consumer.stopReading()  // whatever did not arrive by now counts as missing
        }
        await reader.value
        stopper.cancel()
        await consumer.close()
        await producer.shutdown()
        let measured = latencies.withLock { $0 }
        return "floor_events=\(measured.count) " + Percentiles(measured).fields("floor")
    }
}
