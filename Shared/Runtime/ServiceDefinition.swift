import ServiceLifecycle
import Hummingbird
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelineKafka
import LifelinePersistence
import Logging

/// What a service's route and handler code may use: its own database, its publisher, the token keys.
public struct ServiceDependencies: Sendable {
    /// The configuration the service started with.
    public let configuration: LifelineConfiguration
    /// The service's own schema.
    public let database: Database
    /// Publishes events through the outbox.
    public let publisher: EventPublisher
    /// Verifies access tokens.
    public let tokenKeys: TokenKeys
    /// The service's logger.
    public let logger: Logger
}

/// One consumer group of a service: the topics it reads and its typed handlers, registered with
/// `handlers.on(SomeEvent.self) { event, context in … }`.
public struct ConsumerDefinition: Sendable {
    /// The group name within the service; the group id is `<service>.<name>`.
    public var name: String
    /// Topics to read.
    public var topics: [EventTopic]
    /// Builds the handlers once the dependencies exist.
    public var makeHandlers: @Sendable (ServiceDependencies) -> EventHandlers

    /// Creates a definition.
    public init(name: String, topics: [EventTopic], makeHandlers: @escaping @Sendable (ServiceDependencies) -> EventHandlers) {
        self.name = name
        self.topics = topics
        self.makeHandlers = makeHandlers
    }
}

/// Everything that makes one service different from another; `LifelineService` assembles the rest.
public struct ServiceDefinition: Sendable {
    /// The service's name (`intake`, `review`, …).
    public var name: String
    /// Its schema migrations, versions from 100 (1-99 are the shared outbox and inbox).
    public var migrations: [Migration]
    /// Topics it publishes to.
    public var producedTopics: [EventTopic]
    /// Its consumer groups.
    public var consumers: [ConsumerDefinition]
    /// Adds its HTTP routes.
    public var routes: @Sendable (Router<LifelineRequestContext>, ServiceDependencies) -> Void

    /// Runs once after migrations and before the service is ready (for example, to mark work that a
    /// previous instance left unfinished).
    public var onPrepared: (@Sendable (ServiceDependencies) async throws -> Void)?

    /// Checks the service's own settings (`LifelineConfiguration.settings`) when the service is built,
    /// so that a bad value stops start-up with a clear message instead of failing later.
    public var checkSettings: (@Sendable (ConfigReader) throws -> Void)?

    /// Long-running work of the service besides HTTP and consumers (for example intake's import
    /// keeper); started once the service is prepared and stopped on graceful shutdown.
    public var backgroundServices: @Sendable (ServiceDependencies) -> [any Service] = { _ in [] }

    /// Creates a definition.
    public init(
        name: String, migrations: [Migration], producedTopics: [EventTopic], consumers: [ConsumerDefinition],
        checkSettings: (@Sendable (ConfigReader) throws -> Void)? = nil,
        onPrepared: (@Sendable (ServiceDependencies) async throws -> Void)? = nil,
        backgroundServices: @escaping @Sendable (ServiceDependencies) -> [any Service] = { _ in [] },
        routes: @escaping @Sendable (Router<LifelineRequestContext>, ServiceDependencies) -> Void
    ) {
        self.checkSettings = checkSettings
        self.onPrepared = onPrepared
        self.backgroundServices = backgroundServices
        self.name = name
        self.migrations = migrations
        self.producedTopics = producedTopics
        self.consumers = consumers
        self.routes = routes
    }
}
