import Foundation
import LifelineEventBus
import LifelineEvents
import LifelineKafka
import LifelinePersistence
import Logging

/// Everything a service reads at start-up. See docs/operations.md for each variable and its default.
public struct LifelineConfiguration: Sendable {
    /// The service's name, e.g. `intake`; also its CloudEvents source `/lifeline/<name>`.
    public var serviceName: String
    /// HTTP listen address (`HTTP_HOST`, default 127.0.0.1).
    public var httpHost: String
    /// HTTP port (`HTTP_PORT`; 0 picks a free port, as tests do).
    public var httpPort: Int
    /// Database connection (`DATABASE_*`).
    public var database: DatabaseConfiguration
    /// Kafka connection (`KAFKA_BOOTSTRAP_SERVERS`, `KAFKA_CLIENT_ID`, and `KAFKA_PROPERTIES` for
    /// further librdkafka properties such as TLS and SASL settings in production).
    public var kafka: KafkaClientConfiguration
    /// Replication factor for topics the service creates (`KAFKA_REPLICATION_FACTOR`, 1 locally, 3 in production).
    public var replicationFactor: Int32
    /// Whether the service creates its topics at start (`KAFKA_CREATE_TOPICS`).
    public var createTopics: Bool
    /// Consumer group session timeout (`KAFKA_SESSION_TIMEOUT_MS`).
    public var sessionTimeoutMilliseconds: Int
    /// Retry policy for failing events (`EVENT_MAX_ATTEMPTS`).
    public var retryPolicy: RetryPolicy
    /// Most events a consumer handles in one transaction (`EVENT_BATCH_SIZE`, 500).
    public var eventBatchSize: Int = 500
    /// A consumer transaction that has not finished after this long is given up and retried
    /// (`EVENT_TRANSACTION_TIMEOUT_SECONDS`, 30).
    public var eventTransactionTimeout: Duration = .seconds(30)
    /// Broker fetch wait (`KAFKA_FETCH_WAIT_MAX_MS`, 5): see `KafkaConsumerConfiguration`.
    public var fetchWaitMaxMilliseconds: Int = 5
    /// Producer linger (`KAFKA_LINGER_MS`, 1): chosen for latency; batches still form under load.
    public var producerLingerMilliseconds: Int = 1
    /// Largest event the outbox accepts (`OUTBOX_MAX_EVENT_BYTES`, 1,000,000).
    public var maximumEventBytes: Int = 1_000_000
    /// Outbox relay lease, stall and readiness settings (`OUTBOX_LEASE_SECONDS`, `OUTBOX_STALL_SECONDS`,
    /// `OUTBOX_READY_MAX_AGE_SECONDS`).
    public var relay = OutboxRelay.Configuration()
    /// PEM of the public key that verifies access tokens (`AUTH_PUBLIC_KEY_FILE` or `AUTH_PUBLIC_KEY`).
    public var authPublicKeyPEM: String
    /// Public base URL for links and QR codes (`PUBLIC_BASE_URL`).
    public var publicBaseURL: String
    /// `text` or `json` (`LOG_FORMAT`).
    public var logFormat: String
    /// Log level (`LOG_LEVEL`).
    public var logLevel: Logger.Level
    /// Test-only fault injection (`LIFELINE_FAULT_CRASH_AFTER_COMMIT=<event type>`).
    public var faults: EventConsumerService.Faults

    /// The CloudEvents source of this service.
    /// The environment this configuration was read from, for a service's own settings
    /// (for example intake's rate limits).
    public var settings: ConfigReader = ConfigReader(environment: [:])

    public var eventSource: String { "/lifeline/\(serviceName)" }

    /// Reads the configuration of `service` from `reader`.
    public static func load(service: String, defaultHTTPPort: Int, reader: ConfigReader = ConfigReader()) throws -> LifelineConfiguration {
        let schema = reader.string("DATABASE_SCHEMA", default: service.replacingOccurrences(of: "-", with: "_"))
        let publicKey: String
        if let file = reader.optionalString("AUTH_PUBLIC_KEY_FILE") {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ConfigurationError(variable: "AUTH_PUBLIC_KEY_FILE", reason: "cannot read the file")
            }
            publicKey = text
        } else if let text = reader.optionalString("AUTH_PUBLIC_KEY") {
            publicKey = text
        } else {
            throw ConfigurationError(variable: "AUTH_PUBLIC_KEY_FILE", reason: "is required (or AUTH_PUBLIC_KEY): the PEM public key that verifies access tokens")
        }
        let levelText = reader.string("LOG_LEVEL", default: "info")
        guard let level = Logger.Level(rawValue: levelText) else {
            throw ConfigurationError(variable: "LOG_LEVEL", reason: "must be trace, debug, info, notice, warning, error or critical")
        }
        var configuration = LifelineConfiguration(
            serviceName: service,
            httpHost: reader.string("HTTP_HOST", default: "127.0.0.1"),
            httpPort: try reader.int("HTTP_PORT", default: defaultHTTPPort, range: 0...65535),
            database: DatabaseConfiguration(
                host: reader.string("DATABASE_HOST", default: "127.0.0.1"),
                port: try reader.int("DATABASE_PORT", default: 5432, range: 1...65535),
                database: reader.string("DATABASE_NAME", default: "lifeline"),
                username: reader.string("DATABASE_USER", default: "svc_\(schema)"),
                password: reader.string("DATABASE_PASSWORD", default: "lifeline"),
                schema: schema,
                maximumConnections: try reader.int("DATABASE_POOL_SIZE", default: 10, range: 2...200)
            ),
            kafka: KafkaClientConfiguration(
                bootstrapServers: reader.string("KAFKA_BOOTSTRAP_SERVERS", default: "127.0.0.1:9092"),
                clientId: reader.string("KAFKA_CLIENT_ID", default: "lifeline-\(service)"),
                extraProperties: try reader.properties("KAFKA_PROPERTIES")
            ),
            replicationFactor: Int32(try reader.int("KAFKA_REPLICATION_FACTOR", default: 1, range: 1...10)),
            createTopics: try reader.bool("KAFKA_CREATE_TOPICS", default: true),
            sessionTimeoutMilliseconds: try reader.int("KAFKA_SESSION_TIMEOUT_MS", default: 6000, range: 1000...300_000),
            retryPolicy: RetryPolicy(maximumAttempts: try reader.int("EVENT_MAX_ATTEMPTS", default: 5, range: 1...100)),
            authPublicKeyPEM: publicKey,
            publicBaseURL: reader.string("PUBLIC_BASE_URL", default: "http://127.0.0.1:\(defaultHTTPPort)"),
            logFormat: try reader.choice("LOG_FORMAT", default: "text", allowed: ["text", "json"]),
            logLevel: level,
            faults: EventConsumerService.Faults(crashAfterCommitOfType: reader.optionalString("LIFELINE_FAULT_CRASH_AFTER_COMMIT"))
        )
        configuration.eventBatchSize = try reader.int("EVENT_BATCH_SIZE", default: 500, range: 1...10_000)
        configuration.eventTransactionTimeout = .seconds(try reader.int("EVENT_TRANSACTION_TIMEOUT_SECONDS", default: 30, range: 1...3_600))
        configuration.fetchWaitMaxMilliseconds = try reader.int("KAFKA_FETCH_WAIT_MAX_MS", default: 5, range: 0...5_000)
        configuration.producerLingerMilliseconds = try reader.int("KAFKA_LINGER_MS", default: 1, range: 0...1_000)
        configuration.maximumEventBytes = try reader.int("OUTBOX_MAX_EVENT_BYTES", default: 1_000_000, range: 1_024...100_000_000)
        configuration.relay.leaseDuration = .seconds(try reader.int("OUTBOX_LEASE_SECONDS", default: 10, range: 2...600))
        configuration.relay.stallTimeout = .seconds(try reader.int("OUTBOX_STALL_SECONDS", default: 30, range: 2...3_600))
        configuration.relay.readyBacklogAge = .seconds(try reader.int("OUTBOX_READY_MAX_AGE_SECONDS", default: 120, range: 1...86_400))
        configuration.settings = reader
        return configuration
    }
}

extension LifelineConfiguration {
    /// The producer every part of the service uses (dead letters) and the relay builds for each term.
    public var producerConfiguration: KafkaProducerConfiguration {
        var producer = KafkaProducerConfiguration(client: kafka)
        producer.lingerMilliseconds = producerLingerMilliseconds
        return producer
    }

    /// A consumer group member's configuration with this service's settings.
    public func consumerConfiguration(groupId: String, topics: [EventTopic]) -> KafkaConsumerConfiguration {
        var consumer = KafkaConsumerConfiguration(client: kafka, groupId: groupId, topics: topics.map(\.name))
        consumer.sessionTimeoutMilliseconds = sessionTimeoutMilliseconds
        consumer.fetchWaitMaxMilliseconds = fetchWaitMaxMilliseconds
        return consumer
    }
}
