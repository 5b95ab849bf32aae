/// Settings shared by producers, consumers and admin clients.
public struct KafkaClientConfiguration: Sendable {
    /// `host:port` list of brokers.
    public var bootstrapServers: String
    /// Identifies this client in broker logs.
    public var clientId: String
    /// Further librdkafka properties, applied last (for example security settings in production).
    public var extraProperties: [String: String]

    /// Creates a configuration.
    public init(bootstrapServers: String, clientId: String, extraProperties: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.clientId = clientId
        self.extraProperties = extraProperties
    }

    var baseProperties: [String: String] {
        [
            "bootstrap.servers": bootstrapServers,
            "client.id": clientId,
            "log.connection.close": "false",
            "socket.keepalive.enable": "true",
        ]
    }
}

/// Producer settings. Defaults give an idempotent producer with acks=all and lz4 compression.
public struct KafkaProducerConfiguration: Sendable {
    /// Connection settings.
    public var client: KafkaClientConfiguration
    /// Compression codec: none, gzip, snappy, lz4 or zstd.
    public var compression: String = "lz4"
    /// How long librdkafka waits to fill a batch.
    public var lingerMilliseconds: Int = 5
    /// How long a message may wait for delivery before failing.
    public var messageTimeoutMilliseconds: Int = 30_000

    /// Creates a configuration.
    public init(client: KafkaClientConfiguration) {
        self.client = client
    }

    var properties: [String: String] {
        var properties = client.baseProperties
        properties["enable.idempotence"] = "true"
        properties["acks"] = "all"
        properties["compression.codec"] = compression
        properties["linger.ms"] = String(lingerMilliseconds)
        properties["message.timeout.ms"] = String(messageTimeoutMilliseconds)
        properties.merge(client.extraProperties) { _, new in new }
        return properties
    }
}

/// Consumer-group consumer settings. Offsets are stored only after a message was processed and
/// committed by librdkafka in the background, on revocation and on close.
public struct KafkaConsumerConfiguration: Sendable {
    /// Connection settings.
    public var client: KafkaClientConfiguration
    /// The consumer group; instances with the same group share the partitions.
    public var groupId: String
    /// Topics to subscribe to.
    public var topics: [String]
    /// Group session timeout (Tansu joins in ~3 s with 6000 and a 500 ms heartbeat).
    public var sessionTimeoutMilliseconds: Int = 6_000
    /// Heartbeat interval.
    public var heartbeatIntervalMilliseconds: Int = 500
    /// Where a new group starts reading: earliest or latest.
    public var autoOffsetReset: String = "earliest"
    /// Messages buffered on the Swift side; when full, fetching waits (and pauses after a while).
    public var maxBufferedMessages: Int = 5_000
    /// Longest time the broker holds a fetch that found no data. Tansu sleeps for this long rather
    /// than answering when a record arrives, so it bounds the idle-to-first-message latency; Apache
    /// Kafka answers early, so a low value only costs a few more empty fetches there.
    /// (`KAFKA_FETCH_WAIT_MAX_MS`, 5 by default for Tansu; compose sets 500 for Apache Kafka.)
    public var fetchWaitMaxMilliseconds: Int = 5

    /// Creates a configuration.
    public init(client: KafkaClientConfiguration, groupId: String, topics: [String]) {
        self.client = client
        self.groupId = groupId
        self.topics = topics
    }

    var properties: [String: String] {
        var properties = client.baseProperties
        properties["group.id"] = groupId
        properties["enable.auto.commit"] = "true"
        properties["auto.commit.interval.ms"] = "1000"
        properties["enable.auto.offset.store"] = "false"
        properties["auto.offset.reset"] = autoOffsetReset
        properties["session.timeout.ms"] = String(sessionTimeoutMilliseconds)
        properties["heartbeat.interval.ms"] = String(heartbeatIntervalMilliseconds)
        properties["enable.partition.eof"] = "false"
        properties["fetch.wait.max.ms"] = String(fetchWaitMaxMilliseconds)
        // Keep librdkafka's own prefetch modest: the Swift-side buffer is the back-pressure.
        properties["queued.max.messages.kbytes"] = "16384"
        properties.merge(client.extraProperties) { _, new in new }
        return properties
    }
}
