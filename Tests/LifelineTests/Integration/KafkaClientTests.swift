import Foundation
import LifelineKafka
import Logging
import Testing

@Suite(.tags(.integration), .timeLimit(.minutes(2))) struct KafkaClientTests {
    let logger = Logger(label: "kafka-test")

    func newTopic(partitions: Int32) async throws -> String {
        let name = TestData.unique("test.kafka")
        try await KafkaAdmin(configuration: try TestEnvironment.kafka()).createTopics([KafkaTopicSpecification(name: name, partitions: partitions)])
        return name
    }

    func producer() throws -> KafkaProducer {
        try KafkaProducer(configuration: KafkaProducerConfiguration(client: try TestEnvironment.kafka()), logger: logger)
    }

    func consumer(group: String, topic: String, maxBuffered: Int = 1000) throws -> KafkaConsumer {
        var configuration = KafkaConsumerConfiguration(client: try TestEnvironment.kafka(), groupId: group, topics: [topic])
        configuration.maxBufferedMessages = maxBuffered
        return try KafkaConsumer(configuration: configuration, logger: logger)
    }

    @Test func theLoadedLibrdkafkaIsNewEnough() throws {
        try LibrdkafkaVersion.check()
        let parts = LibrdkafkaVersion.loaded.split(separator: ".").compactMap { Int($0) }
        #expect(parts.count >= 2 && (parts[0] > 2 || (parts[0] == 2 && parts[1] >= 10)))
    }

    @Test func recordsKeepPerKeyOrderAndHeaders() async throws {
        let topic = try await newTopic(partitions: 3)
        let producer = try producer()
        let records = (0..<30).map { index in
            KafkaRecord(topic: topic, key: "household-\(index % 5)", value: Array("\(index)".utf8),
                        headers: [KafkaHeader(key: "ce_id", text: "event-\(index)"), KafkaHeader(key: "empty", value: nil)])
        }
        let reports = await producer.sendAll(records)
        for report in reports { _ = try report.get() }
        await producer.shutdown()

        let consumer = try consumer(group: TestData.unique("g"), topic: topic)
        var received: [KafkaMessage] = []
        for await message in consumer.messages {
            received.append(message)
            if received.count == 30 { break }
        }
        await consumer.close()
        for key in 0..<5 {
            let sequence = received.filter { $0.keyText == "household-\(key)" }.map { Int(String(decoding: $0.value, as: UTF8.self))! }
            #expect(sequence == Array(stride(from: key, to: 30, by: 5)))
        }
        let first = try #require(received.first { String(decoding: $0.value, as: UTF8.self) == "7" })
        #expect(first.headers.text(for: "ce_id") == "event-7")
        #expect(first.headers.contains(KafkaHeader(key: "empty", value: nil)))
    }

    @Test func onlyStoredOffsetsAreCommitted() async throws {
        let topic = try await newTopic(partitions: 1)
        let producer = try producer()
        for result in await producer.sendAll((0..<10).map { KafkaRecord(topic: topic, key: "k", value: Array("\($0)".utf8)) }) {
            _ = try result.get()
        }
        await producer.shutdown()
        let group = TestData.unique("g")
        let first = try consumer(group: group, topic: topic)
        var seen = 0
        for await message in first.messages {
            seen += 1
            if message.offset < 4 { try first.storeOffset(for: message) }  // "processed" only 0...3
            if seen == 10 { break }
        }
        await first.close()

        let second = try consumer(group: group, topic: topic)
        var resumed: KafkaMessage?
        for await message in second.messages {
            resumed = message
            break
        }
        await second.close()
        #expect(resumed?.offset == 4)
    }

    @Test func pausesFetchingWhileTheReaderIsBehind() async throws {
        let topic = try await newTopic(partitions: 1)
        let producer = try producer()
        for result in await producer.sendAll((0..<200).map { KafkaRecord(topic: topic, key: "k", value: Array("\($0)".utf8)) }) {
            _ = try result.get()
        }
        await producer.shutdown()
        let consumer = try consumer(group: TestData.unique("g"), topic: topic, maxBuffered: 10)
        _ = try await eventually("consumer pauses") { consumer.isPaused ? true : nil }
        var offsets: [Int64] = []
        for await message in consumer.messages {
            offsets.append(message.offset)
            if offsets.count == 200 { break }
        }
        #expect(offsets == Array(0..<200))
        _ = try await eventually("consumer resumes") { consumer.isPaused ? nil : true }
        await consumer.close()
    }

    @Test func partitionsMoveWhenMembersJoinAndLeave() async throws {
        let topic = try await newTopic(partitions: 2)
        let group = TestData.unique("g")
        let first = try consumer(group: group, topic: topic)
        _ = try await eventually("first member owns both partitions") { first.assignment.count == 2 ? true : nil }
        let second = try consumer(group: group, topic: topic)
        _ = try await eventually("partitions shared", timeout: .seconds(60)) {
            first.assignment.count == 1 && second.assignment.count == 1 ? true : nil
        }
        await second.close()
        _ = try await eventually("first member owns both again", timeout: .seconds(60)) { first.assignment.count == 2 ? true : nil }
        await first.close()
    }

    @Test func topicCreationIsIdempotent() async throws {
        let admin = KafkaAdmin(configuration: try TestEnvironment.kafka())
        let spec = KafkaTopicSpecification(name: TestData.unique("test.idempotent"), partitions: 4)
        try await admin.createTopics([spec])
        try await admin.createTopics([spec])
        try await admin.checkBrokers()
    }
}
