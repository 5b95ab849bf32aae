import Foundation
import LifelineEvents
import LifelineKafka
import LifelinePersistence
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Handles one event inside the transaction that also records it in the inbox. Throw
/// `EventContractError` or a non-retriable `EventHandlingError` for an event that can never succeed.
public typealias EventHandler = @Sendable (ReceivedEvent, PostgresConnection) async throws -> Void

/// A consumer-group member that processes each message exactly once in effect:
/// decode → (inbox claim + handler) in one transaction → store the offset.
///
/// A redelivered message finds its id in the inbox and changes nothing. Retriable failures are retried
/// with back-off; a message that can never be processed goes to the dead-letter topic and the partition
/// moves on. Graceful shutdown stops taking messages, finishes the one in hand, commits and leaves the group.
public final class EventConsumerService: Service, Sendable {
    /// Test-only fault injection. `crashAfterCommit` ends the process right after a handler's
    /// transaction committed and before its offset is stored, as a crash there would.
    public struct Faults: Sendable {
        /// Exit the process (code 86) after the first committed event of this type.
        public var crashAfterCommitOfType: String?

        /// No faults.
        public init(crashAfterCommitOfType: String? = nil) {
            self.crashAfterCommitOfType = crashAfterCommitOfType
        }
    }

    /// The consumer name: the inbox key and the consumer group id.
    public let name: String
    private let consumerConfiguration: KafkaConsumerConfiguration
    private let database: Database
    private let deadLetters: DeadLetterPublisher
    private let handler: EventHandler
    private let retryPolicy: RetryPolicy
    private let faults: Faults
    private let logger: Logger
    private let inbox: Inbox
    private let lagGauge: Gauge
    private let processedCounter: Counter
    private let duplicateCounter: Counter
    private let handlingTimer: Metrics.Timer
    private let assignedGauge: Gauge
    private let current = Mutex<KafkaConsumer?>(nil)

    /// Partitions this member owns right now (empty before it joined its group, or after it left).
    public var assignment: Set<KafkaTopicPartition> { current.withLock { $0?.assignment ?? [] } }

    /// Creates the service; the consumer joins its group when `run()` starts.
    public init(
        consumer: KafkaConsumerConfiguration, database: Database, producer: KafkaProducer, retryPolicy: RetryPolicy = .init(),
        faults: Faults = .init(), logger: Logger, handler: @escaping EventHandler
    ) {
        self.name = consumer.groupId
        self.consumerConfiguration = consumer
        self.database = database
        self.deadLetters = DeadLetterPublisher(producer: producer, group: consumer.groupId, logger: logger)
        self.handler = handler
        self.retryPolicy = retryPolicy
        self.faults = faults
        var logger = logger
        logger[metadataKey: "kafka.group"] = "\(consumer.groupId)"
        self.logger = logger
        self.inbox = Inbox(logger: logger)
        let dimensions = [("group", consumer.groupId)]
        lagGauge = Gauge(label: "lifeline_consumer_lag", dimensions: dimensions)
        processedCounter = Counter(label: "lifeline_events_processed_total", dimensions: dimensions)
        duplicateCounter = Counter(label: "lifeline_events_duplicate_total", dimensions: dimensions)
        handlingTimer = Metrics.Timer(label: "lifeline_event_handling_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        assignedGauge = Gauge(label: "lifeline_consumer_assigned_partitions", dimensions: dimensions)
    }

    /// Consumes until graceful shutdown or cancellation.
    public func run() async throws {
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        current.withLock { $0 = consumer }
        defer { current.withLock { $0 = nil } }
        await withGracefulShutdownHandler {
            for await message in consumer.messages {
                await self.process(message, consumer: consumer)
            }
        } onGracefulShutdown: {
            consumer.stopReading()
        }
        await consumer.close()
    }

    private func process(_ message: KafkaMessage, consumer: KafkaConsumer) async {
        lagGauge.record(message.lag)
        assignedGauge.record(consumer.assignment.count)
        let started = ContinuousClock.now
        let finished = await handleWithRetries(message)
        guard finished else { return }  // cancelled mid-way: leave the offset, the message comes again
        let elapsed = ContinuousClock.now - started
        handlingTimer.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        do {
            try consumer.storeOffset(for: message)
        } catch {
            logger.info("offset not stored (partition moved)", metadata: ["kafka.partition": "\(message.partition)"])
        }
    }

    /// Returns `true` when the message is done with (processed, a duplicate, ignored or dead-lettered).
    private func handleWithRetries(_ message: KafkaMessage) async -> Bool {
        let event: CloudEvent
        do {
            event = try message.cloudEvent()
        } catch {
            return await deadLetter(message, error: error, attempts: 1)
        }
        var attempt = 0
        while true {
            attempt += 1
            do {
                let fresh = try await database.transaction { connection in
                    guard try await self.inbox.claim(consumer: self.name, eventId: event.id, eventType: event.type, on: connection) else {
                        return false
                    }
                    try await self.handler(ReceivedEvent(event: event, message: message), connection)
                    return true
                }
                if fresh {
                    processedCounter.increment()
                    if let crashType = faults.crashAfterCommitOfType, crashType == event.type {
                        logger.critical("fault injection: exiting after commit, before storing the offset")
                        exit(86)
                    }
                } else {
                    duplicateCounter.increment()
                    logger.debug("duplicate event skipped", metadata: ["event.id": "\(event.id)"])
                }
                return true
            } catch {
                guard Self.isRetriable(error), attempt < retryPolicy.maximumAttempts else {
                    return await deadLetter(message, error: error, attempts: attempt)
                }
                logger.warning("event handling failed; retrying", metadata: [
                    "event.type": "\(event.type)", "attempt": "\(attempt)", "error": "\(Self.safeDescription(error))",
                ])
                do {
                    try await Task.sleep(for: retryPolicy.backoff(afterAttempt: attempt))
                } catch {
                    return false
                }
            }
        }
    }

    private func deadLetter(_ message: KafkaMessage, error: any Error, attempts: Int) async -> Bool {
        do {
            try await deadLetters.publish(message, errorCode: Self.errorCode(error), reason: Self.safeDescription(error), attempts: attempts)
            return true
        } catch {
            return false
        }
    }

    static func isRetriable(_ error: any Error) -> Bool {
        switch error {
        case is EventContractError: false
        case let error as EventHandlingError: error.isRetriable
        case is DecodingError: false
        case let error as KafkaError: error.isRetriable
        default: DatabaseFailure.isRetriable(error) || !(error is PSQLError)
        }
    }

    static func errorCode(_ error: any Error) -> String {
        switch error {
        case let error as EventContractError: "contract.\(error.code)"
        case let error as EventHandlingError: "handler.\(error.code)"
        case is DecodingError: "contract.invalid_payload"
        default: DatabaseFailure.sqlState(of: error).map { "database.\($0)" } ?? "unexpected"
        }
    }

    /// A description that never includes data values (PSQLError's description already hides them).
    static func safeDescription(_ error: any Error) -> String {
        switch error {
        case let error as EventContractError: error.description
        case let error as EventHandlingError: error.description
        case is DecodingError: "payload does not decode"
        default: String(describing: error)
        }
    }
}
