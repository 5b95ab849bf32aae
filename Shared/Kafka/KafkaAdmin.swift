import CRdKafka
import Logging

/// A topic to create: name, partition count, replication factor and topic configuration.
public struct KafkaTopicSpecification: Sendable, Hashable {
    /// The topic name.
    public var name: String
    /// Number of partitions (the unit of parallelism of a consumer group).
    public var partitions: Int32
    /// Copies per partition; 3 in production, 1 on a single local broker.
    public var replicationFactor: Int32
    /// Topic configuration, for example `cleanup.policy=compact`.
    public var config: [String: String]

    /// Creates a specification.
    public init(name: String, partitions: Int32, replicationFactor: Int32 = 1, config: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.config = config
    }
}

/// Administrative requests: topic creation and broker reachability.
public struct KafkaAdmin: Sendable {
    private let configuration: KafkaClientConfiguration

    /// Creates an admin client configuration; each call opens and closes its own handle.
    public init(configuration: KafkaClientConfiguration) {
        self.configuration = configuration
    }

    /// Creates topics that do not exist yet; existing topics are left unchanged.
    public func createTopics(_ topics: [KafkaTopicSpecification], timeout: Duration = .seconds(15)) async throws {
        guard !topics.isEmpty else { return }
        let properties = configuration.baseProperties.merging(configuration.extraProperties) { _, new in new }
        let milliseconds = Int32(timeout.components.seconds * 1000)
        try await BlockingCalls.run {
            let handle = try RDKafkaHandle.make(type: RD_KAFKA_PRODUCER, properties: properties, opaque: nil)
            defer { rd_kafka_destroy(handle.pointer) }
            try Self.create(topics, handle: handle, timeoutMilliseconds: milliseconds)
        }
    }

    /// Waits until every topic in `names` appears in the brokers' metadata. A consumer that subscribes
    /// before a new topic is visible would leave it out of its first assignment until its next
    /// metadata refresh, minutes later.
    public func waitUntilVisible(_ names: Set<String>, timeout: Duration = .seconds(30)) async throws {
        let properties = configuration.baseProperties.merging(configuration.extraProperties) { _, new in new }
        let deadline = ContinuousClock.now + timeout
        while true {
            let visible = try await BlockingCalls.run {
                let handle = try RDKafkaHandle.make(type: RD_KAFKA_PRODUCER, properties: properties, opaque: nil)
                defer { rd_kafka_destroy(handle.pointer) }
                return try handle.topicNames(timeoutMilliseconds: 5000)
            }
            let missing = names.subtracting(visible)
            if missing.isEmpty { return }
            guard ContinuousClock.now < deadline else {
                throw KafkaError(code: .admin, message: "topics not visible: \(missing.sorted())", isRetriable: true)
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Throws unless a broker answers a metadata request within `timeout`.
    public func checkBrokers(timeout: Duration = .seconds(2)) async throws {
        let properties = configuration.baseProperties.merging(configuration.extraProperties) { _, new in new }
        let milliseconds = Int32(timeout.components.seconds * 1000)
        _ = try await BlockingCalls.run {
            let handle = try RDKafkaHandle.make(type: RD_KAFKA_PRODUCER, properties: properties, opaque: nil)
            defer { rd_kafka_destroy(handle.pointer) }
            return try handle.fetchMetadata(timeoutMilliseconds: milliseconds)
        }
    }

    private static func create(_ topics: [KafkaTopicSpecification], handle: RDKafkaHandle, timeoutMilliseconds: Int32) throws {
        var errorText = [CChar](repeating: 0, count: 512)
        var newTopics: [OpaquePointer?] = []
        defer { newTopics.forEach { rd_kafka_NewTopic_destroy($0) } }
        for topic in topics {
            guard let newTopic = rd_kafka_NewTopic_new(topic.name, topic.partitions, topic.replicationFactor, &errorText, errorText.count) else {
                throw KafkaError(code: .admin, message: "topic \(topic.name): \(errorText.nulTerminatedText)")
            }
            for (key, value) in topic.config {
                _ = rd_kafka_NewTopic_set_config(newTopic, key, value)
            }
            newTopics.append(newTopic)
        }
        let queue = rd_kafka_queue_new(handle.pointer)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(handle.pointer, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMilliseconds, &errorText, errorText.count)
        newTopics.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_CreateTopics(handle.pointer, buffer.baseAddress, buffer.count, options, queue)
        }
        guard let event = rd_kafka_queue_poll(queue, timeoutMilliseconds + 1000) else {
            throw KafkaError(code: .admin, message: "create topics timed out", isRetriable: true)
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        guard eventError == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.fromResponse(eventError, code: .admin, context: "create topics")
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else { return }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        for index in 0..<count {
            let topicResult = results[index]
            let err = rd_kafka_topic_result_error(topicResult)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
                let name = String(cString: rd_kafka_topic_result_name(topicResult))
                throw KafkaError.fromResponse(err, code: .admin, context: "create topic \(name)")
            }
        }
    }
}
