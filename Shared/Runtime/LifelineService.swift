import Foundation
import Hummingbird
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelineKafka
import LifelinePersistence
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Assembles and runs one service: database pool, producer, outbox relay, consumers and the HTTP server,
/// in one service group.
///
/// Start-up: the pool and producer start; migrations run under an advisory lock and topics are created;
/// then the relay and consumers start and the HTTP server opens. Shutdown runs in reverse: HTTP stops
/// taking requests, consumers finish the message in hand and leave their groups, the relay stops, the
/// producer flushes, the pool closes.
public final class LifelineService: Sendable {
    /// The service's definition.
    public let definition: ServiceDefinition
    /// Its configuration.
    public let configuration: LifelineConfiguration
    /// What routes and handlers use.
    public let dependencies: ServiceDependencies
    private let producer: KafkaProducer
    private let gate = StartGate()
    private let logger: Logger
    private let boundPort = BoundPort()
    private let serviceGroup = Mutex<ServiceGroup?>(nil)
    private let consumerServices = Mutex<[EventConsumerService]>([])
    private let relay = Mutex<OutboxRelay?>(nil)

    /// Partitions each consumer group member of this instance owns, by group id.
    public var consumerAssignments: [String: Int] {
        Dictionary(uniqueKeysWithValues: consumerServices.withLock { $0 }.map { ($0.name, $0.assignment.count) })
    }

    /// Whether this instance leads its schema's outbox relay right now.
    public var isRelayLeader: Bool { relay.withLock { $0?.isLeading ?? false } }

    /// Builds the service from its definition and configuration; nothing runs until `run()`.
    public init(definition: ServiceDefinition, configuration: LifelineConfiguration, logger: Logger? = nil) async throws {
        let logger = logger ?? LogSetup.logger(service: definition.name)
        try definition.checkSettings?(configuration.settings)
        _ = MetricsSetup.registry
        self.definition = definition
        self.configuration = configuration
        self.logger = logger
        self.producer = try KafkaProducer(configuration: configuration.producerConfiguration, logger: logger)
        let database = Database(configuration: configuration.database, logger: logger)
        self.dependencies = ServiceDependencies(
            configuration: configuration,
            database: database,
            publisher: EventPublisher(
                source: configuration.eventSource,
                outbox: OutboxStore(database: database, logger: logger, maximumEventBytes: configuration.maximumEventBytes)),
            tokenKeys: try await TokenKeys.verifying(publicKeyPEM: configuration.authPublicKeyPEM, audience: definition.name),
            logger: logger
        )
    }

    /// The HTTP port once the server listens (useful with `HTTP_PORT=0`).
    public var port: Int? { boundPort.value }

    /// Waits until the HTTP server listens and returns its port.
    public func waitForPort() async -> Int {
        await boundPort.wait()
    }

    /// Runs until one of `signals` arrives or `shutdown()` is called, then shuts down gracefully.
    public func run(gracefulShutdownSignals signals: [UnixSignal] = [.sigterm, .sigint]) async throws {
        let application = makeApplication()
        let group = ServiceGroup(configuration: .init(services: [application], gracefulShutdownSignals: signals, logger: logger))
        serviceGroup.withLock { $0 = group }
        try await group.run()
    }

    /// Starts graceful shutdown (as SIGTERM would).
    public func shutdown() async {
        guard let group = serviceGroup.withLock({ $0 }) else { return }
        await group.triggerGracefulShutdown()
    }

    /// The consumer group ids this service runs.
    public var consumerGroups: [String] { definition.consumers.map { "\(definition.name).\($0.name)" } }

    private func makeApplication() -> some ApplicationProtocol {
        let dependencies = self.dependencies
        let router = Router(context: LifelineRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: MetricsMiddleware())

        var services: [any Service] = [dependencies.database, producer]
        let relay = OutboxRelay(
            database: dependencies.database, producerConfiguration: configuration.producerConfiguration, configuration: configuration.relay,
            logger: logger)
        self.relay.withLock { $0 = relay }
        var components = [relay.health]
        services.append(GatedService(gate: gate, service: relay))
        for background in definition.backgroundServices(dependencies) {
            services.append(GatedService(gate: gate, service: background))
        }
        for consumer in definition.consumers {
            let service = EventConsumerService(
                consumer: configuration.consumerConfiguration(groupId: "\(definition.name).\(consumer.name)", topics: consumer.topics),
                database: dependencies.database, producer: producer, retryPolicy: configuration.retryPolicy,
                batchSize: configuration.eventBatchSize, transactionTimeout: configuration.eventTransactionTimeout, faults: configuration.faults, logger: logger,
                handlers: consumer.makeHandlers(dependencies))
            consumerServices.withLock { $0.append(service) }
            components.append(service.health)
            services.append(GatedService(gate: gate, service: service))
        }
        ReadinessProbe(database: dependencies.database, producer: producer, gate: gate, components: components).addRoutes(to: router)
        definition.routes(router, dependencies)

        var application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: "lifeline-\(definition.name)"),
            services: services,
            onServerRunning: { [boundPort] channel in
                boundPort.set(channel.localAddress?.port ?? 0)
            },
            logger: logger
        )
        application.beforeServerStarts { [self] in
            try await self.prepare()
        }
        return application
    }

    /// Migrations (retrying while the database is not yet reachable) and topics, then opens the gate.
    private func prepare() async throws {
        await dependencies.database.waitUntilRunning()
        let migrator = Migrator(database: dependencies.database, logger: logger)
        var attempt = 0
        while true {
            attempt += 1
            do {
                try await migrator.migrate(SharedMigrations.all + definition.migrations)
                break
            } catch where DatabaseFailure.isRetriable(error) && attempt < 30 {
                logger.warning("database not ready; retrying migrations", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                try await Task.sleep(for: .seconds(1))
            }
        }
        try await definition.onPrepared?(dependencies)
        let admin = KafkaAdmin(configuration: configuration.kafka)
        if configuration.createTopics {
            try await admin.createTopics(topicSpecifications())
        }
        try await admin.waitUntilVisible(Set(definition.consumers.flatMap(\.topics).map(\.name)))
        gate.open()
        logger.info("service prepared", metadata: ["http.port": "\(configuration.httpPort)", "consumers": "\(consumerGroups)"])
    }

    /// Topics this service writes or reads, and its dead-letter topics.
    func topicSpecifications() -> [KafkaTopicSpecification] {
        var topics = definition.producedTopics + definition.consumers.flatMap(\.topics)
        topics += consumerGroups.map(EventTopic.deadLetter(forGroup:))
        var seen = Set<String>()
        return topics.filter { seen.insert($0.name).inserted }.map { topic in
            KafkaTopicSpecification(
                name: topic.name, partitions: topic.partitions, replicationFactor: configuration.replicationFactor,
                config: topic.compacted ? ["cleanup.policy": "compact"] : [:])
        }
    }
}

/// The HTTP port once known, and the tasks waiting for it.
final class BoundPort: Sendable {
    private struct State {
        var port: Int?
        var waiters: [CheckedContinuation<Int, Never>] = []
    }

    private let state = Mutex(State())

    var value: Int? { state.withLock { $0.port } }

    func set(_ port: Int) {
        let waiters = state.withLock { state -> [CheckedContinuation<Int, Never>] in
            state.port = port
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume(returning: port) }
    }

    func wait() async -> Int {
        await withCheckedContinuation { continuation in
            let port = state.withLock { state -> Int? in
                if let port = state.port { return port }
                state.waiters.append(continuation)
                return nil
            }
            if let port { continuation.resume(returning: port) }
        }
    }
}
