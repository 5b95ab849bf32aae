/// A message to be produced.
public struct KafkaRecord: Sendable {
    /// The topic to write to.
    public var topic: String
    /// The partition key; Lifeline uses household ids so one household's events stay in order.
    public var key: [UInt8]?
    /// The payload.
    public var value: [UInt8]
    /// Record headers.
    public var headers: [KafkaHeader]

    /// Creates a record.
    public init(topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader] = []) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// Creates a record with a text key.
    public init(topic: String, key: String?, value: [UInt8], headers: [KafkaHeader] = []) {
        self.init(topic: topic, key: key.map { Array($0.utf8) }, value: value, headers: headers)
    }
}

/// Where the broker stored a produced record.
public struct KafkaDeliveryReport: Sendable, Hashable {
    /// The topic the record went to.
    public var topic: String
    /// The partition the record went to.
    public var partition: Int32
    /// The record's offset in its partition.
    public var offset: Int64
}

/// A topic and partition.
public struct KafkaTopicPartition: Sendable, Hashable, CustomStringConvertible {
    /// The topic name.
    public var topic: String
    /// The partition number.
    public var partition: Int32

    /// Creates a topic-partition pair.
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// A consumed message.
public struct KafkaMessage: Sendable {
    /// Where the message came from.
    public var topicPartition: KafkaTopicPartition
    /// The message's offset in its partition.
    public var offset: Int64
    /// The partition key, if any.
    public var key: [UInt8]?
    /// The payload.
    public var value: [UInt8]
    /// Record headers.
    public var headers: [KafkaHeader]
    /// The record timestamp in milliseconds since the epoch, when the broker supplied one.
    public var timestampMilliseconds: Int64?
    /// Messages behind this one in the partition when it was fetched (from the fetch high watermark).
    public var lag: Int64

    /// The topic name.
    public var topic: String { topicPartition.topic }
    /// The partition number.
    public var partition: Int32 { topicPartition.partition }
    /// The key decoded as UTF-8.
    public var keyText: String? { key.flatMap { String(validating: $0, as: UTF8.self) } }

    /// Creates a message (used by tests and by the consumer).
    public init(
        topicPartition: KafkaTopicPartition, offset: Int64, key: [UInt8]?, value: [UInt8],
        headers: [KafkaHeader], timestampMilliseconds: Int64? = nil, lag: Int64 = 0
    ) {
        self.topicPartition = topicPartition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
        self.lag = lag
    }
}
