import Foundation
import LifelineEvents
import LifelineKafka
import LifelinePersistence
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Handles one event inside the transaction that also records it in the inbox (the untyped form of
/// `EventHandlers`). Throw `EventContractError` or a non-retriable `EventHandlingError` for an event
/// that can never succeed.
public typealias EventHandler = @Sendable (ReceivedEvent, PostgresConnection) async throws -> Void

/// A consumer-group member that processes each message exactly once in effect, a batch at a time:
/// decode → one transaction (one inbox claim for the batch, the handlers, their outbox rows) → commit →
/// store the offsets.
///
/// A batch is whatever the poll thread has waiting, up to `batchSize`; it is processed in partition
/// order, so one key's events keep their order across batches. When a batch fails for a reason other
/// than an outage it is redone event by event, so only the bad event is dead-lettered.
///
/// Failures follow `FailureClass`: an outage of the database or the broker is waited out (back-off
/// with jitter, partitions paused once the buffer fills, `/health/ready` false with the reason) and
/// never dead-lettered; retriable failures are retried; only events that can never be processed go to
/// the dead-letter topic, and the partition moves on. Graceful shutdown stops taking messages, finishes
/// or abandons (without storing offsets) the batch in hand, commits and leaves the group.
public final class EventConsumerService: Service, Sendable {
    /// Test-only fault injection. `crashAfterCommit` ends the process right after a handler's
    /// transaction committed and before its offset is stored, as a crash there would.
    public struct Faults: Sendable {
        /// Exit the process (code 86) after the first committed event of this type that was published
        /// after the process started (older events left on the topic are processed normally).
        public var crashAfterCommitOfType: String?
        /// When the faults were armed.
        public var armedAt = Date()

        /// No faults.
        public init(crashAfterCommitOfType: String? = nil) {
            self.crashAfterCommitOfType = crashAfterCommitOfType
        }

        func crashes(after event: CloudEvent) -> Bool {
            event.type == crashAfterCommitOfType && event.time >= armedAt
        }
    }

    /// The consumer name: the inbox key and the consumer group id.
    public let name: String
    /// Whether the consumer can work; read by `/health/ready`.
    public let health: ComponentHealth
    private let consumerConfiguration: KafkaConsumerConfiguration
    private let database: Database
    private let deadLetters: DeadLetterPublisher
    private let handlers: EventHandlers
    private let retryPolicy: RetryPolicy
    private let batchSize: Int
    private let transactionTimeout: Duration
    private let faults: Faults
    private let logger: Logger
    private let inbox: Inbox
    private let single: InboxHandling
    private let lagGauge: Gauge
    private let processedCounter: Counter
    private let duplicateCounter: Counter
    private let ignoredCounter: Counter
    private let batchRecorder: Recorder
    private let handlingTimer: Metrics.Timer
    private let assignedGauge: Gauge
    private let current = Mutex<KafkaConsumer?>(nil)
    private let stopping = Mutex(false)
    private let stopSignal = WakeSignal()
    private let reportedUnknownTypes = Mutex<Set<String>>([])

    /// Partitions this member owns right now (empty before it joined its group, or after it left).
    public var assignment: Set<KafkaTopicPartition> { current.withLock { $0?.assignment ?? [] } }

    /// Creates the service; the consumer joins its group when `run()` starts.
    public init(
        consumer: KafkaConsumerConfiguration, database: Database, producer: KafkaProducer, retryPolicy: RetryPolicy = .init(),
        batchSize: Int = 500, transactionTimeout: Duration = .seconds(30), faults: Faults = .init(), logger: Logger, handlers: EventHandlers
    ) {
        self.name = consumer.groupId
        self.health = ComponentHealth(name: "consumer \(consumer.groupId)")
        self.consumerConfiguration = consumer
        self.database = database
        self.deadLetters = DeadLetterPublisher(producer: producer, group: consumer.groupId, logger: logger)
        self.handlers = handlers
        self.retryPolicy = retryPolicy
        self.batchSize = max(1, batchSize)
        self.transactionTimeout = transactionTimeout
        self.faults = faults
        var logger = logger
        logger[metadataKey: "kafka.group"] = "\(consumer.groupId)"
        self.logger = logger
        self.inbox = Inbox(logger: logger)
        self.single = InboxHandling(
            consumer: consumer.groupId, database: database, handlers: handlers, transactionTimeout: transactionTimeout, logger: logger)
        let dimensions = [("group", consumer.groupId)]
        lagGauge = Gauge(label: "lifeline_consumer_lag", dimensions: dimensions)
        processedCounter = Counter(label: "lifeline_events_processed_total", dimensions: dimensions)
        duplicateCounter = Counter(label: "lifeline_events_duplicate_total", dimensions: dimensions)
        ignoredCounter = Counter(label: "lifeline_events_ignored_total", dimensions: dimensions)
        batchRecorder = Recorder(label: "lifeline_consumer_batch_size", dimensions: dimensions)
        handlingTimer = Metrics.Timer(label: "lifeline_event_handling_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        assignedGauge = Gauge(label: "lifeline_consumer_assigned_partitions", dimensions: dimensions)
    }

    /// Creates the service with one untyped handler for every event.
    public convenience init(
        consumer: KafkaConsumerConfiguration, database: Database, producer: KafkaProducer, retryPolicy: RetryPolicy = .init(),
        batchSize: Int = 500, faults: Faults = .init(), logger: Logger, handler: @escaping EventHandler
    ) {
        self.init(
            consumer: consumer, database: database, producer: producer, retryPolicy: retryPolicy, batchSize: batchSize,
            faults: faults, logger: logger, handlers: .any(handler))
    }

    /// Consumes until graceful shutdown or cancellation.
    public func run() async throws {
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        current.withLock { $0 = consumer }
        defer { current.withLock { $0 = nil } }
        await withGracefulShutdownHandler {
            for await batch in consumer.batches(maximum: self.batchSize) {
                guard await self.process(batch, consumer: consumer) else { break }
            }
        } onGracefulShutdown: {
            self.stopping.withLock { $0 = true }
            self.stopSignal.signal()
            consumer.stopReading()
        }
        await consumer.close()
    }

    private var isStopping: Bool { stopping.withLock { $0 } || Task.isCancelled }

    /// Processes a batch and stores its offsets; `false` when it was abandoned (shutdown or
    /// cancellation): nothing of it is acknowledged and whoever owns the partitions next reads it again.
    private func process(_ batch: [KafkaMessage], consumer: KafkaConsumer) async -> Bool {
        guard let last = batch.last else { return true }
        lagGauge.record(last.lag)
        assignedGauge.record(consumer.assignment.count)
        batchRecorder.record(batch.count)
        let started = ContinuousClock.now
        logger.debug("batch received", metadata: ["batch.size": "\(batch.count)", "kafka.offset": "\(last.offset)"])

        var events: [(message: KafkaMessage, event: CloudEvent)] = []
        events.reserveCapacity(batch.count)
        for message in batch {
            do {
                events.append((message, try message.cloudEvent()))
            } catch {
                // A message that breaks the CloudEvents binding changed nothing: set it aside at once.
                guard await deadLetter(message, error: error, attempts: 1) else { return false }
            }
        }
        switch await handleTogether(events) {
        case .committed: break
        case .abandoned: return false
        case .redoOneByOne:
            for (message, event) in events {
                guard await handleAlone(message, event) else { return false }
            }
        }
        handlingTimer.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
        logger.debug("batch done", metadata: ["batch.size": "\(batch.count)"])
        storeOffsets(of: batch, consumer: consumer)
        return true
    }

    private func storeOffsets(of batch: [KafkaMessage], consumer: KafkaConsumer) {
        var lastOfPartition: [KafkaTopicPartition: KafkaMessage] = [:]
        for message in batch { lastOfPartition[message.topicPartition] = message }
        for message in lastOfPartition.values {
            do {
                try consumer.storeOffset(for: message)
            } catch {
                logger.info("offset not stored (partition moved)", metadata: ["kafka.partition": "\(message.partition)"])
            }
        }
    }

    private enum BatchOutcome { case committed, abandoned, redoOneByOne }

    /// One transaction for the whole batch, repeated while the database or broker is out.
    private func handleTogether(_ events: [(message: KafkaMessage, event: CloudEvent)]) async -> BatchOutcome {
        guard !events.isEmpty else { return .committed }
        var attempt = 0
        while true {
            attempt += 1
            do {
                let (handled, ignored, crash) = try await Deadline.run(limit: transactionTimeout) { try await self.database.transaction { connection in
                    let keys = events.map { Inbox.Key(source: $0.event.source, id: $0.event.id) }
                    var fresh = try await self.inbox.claimAll(consumer: self.name, keys: keys, types: events.map(\.event.type), on: connection)
                    var handled = 0
                    var ignored: [String] = []
                    var crash = false
                    // A key repeated within the batch is handled once, at its first occurrence.
                    let chosen = events.indices.filter { fresh.remove(keys[$0]) != nil }.map { events[$0] }
                    let outcomes = try await self.handlers.handleAll(chosen.map { ReceivedEvent(event: $0.event, message: $0.message) }, on: connection)
                    for (entry, outcome) in zip(chosen, outcomes) {
                        switch outcome {
                        case .handled:
                            handled += 1
                            crash = crash || self.faults.crashes(after: entry.event)
                        case .ignoredUnknownType:
                            ignored.append(entry.event.type)
                        }
                    }
                    return (handled, ignored, crash)
                } }
                afterCommit(handled: handled, duplicates: events.count - handled - ignored.count, ignored: ignored, crash: crash)
                return .committed
            } catch {
                let failure = FailureClass.of(error)
                guard failure == .infrastructure else {
                    if events.count > 1 {
                        logger.info("batch failed; redoing it event by event", metadata: ["batch.size": "\(events.count)", "error.code": "\(Self.errorCode(error))"])
                    }
                    return .redoOneByOne
                }
                guard await waitOut(error, failure: failure, attempt: attempt) else { return .abandoned }
            }
        }
    }

    /// One event in its own transaction: retried while that may help, dead-lettered when it cannot.
    /// Returns `false` when abandoned.
    private func handleAlone(_ message: KafkaMessage, _ event: CloudEvent) async -> Bool {
        var attempt = 0
        while true {
            attempt += 1
            do {
                switch try await single.handle(event, message: message) {
                case .handled: afterCommit(handled: 1, duplicates: 0, ignored: [], crash: faults.crashes(after: event))
                case .ignoredUnknownType: afterCommit(handled: 0, duplicates: 0, ignored: [event.type], crash: false)
                case nil: afterCommit(handled: 0, duplicates: 1, ignored: [], crash: false)
                }
                return true
            } catch {
                let failure = FailureClass.of(error)
                switch failure {
                case .permanent:
                    return await deadLetter(message, error: error, attempts: attempt)
                case .unexpected where attempt >= retryPolicy.maximumAttempts:
                    return await deadLetter(message, error: error, attempts: attempt)
                case .infrastructure, .retriable, .unexpected:
                    guard await waitOut(error, failure: failure, attempt: attempt) else { return false }
                }
            }
        }
    }

    private func afterCommit(handled: Int, duplicates: Int, ignored: [String], crash: Bool) {
        if health.currentProblem != nil {
            health.recover()
            logger.notice("consumer resumed")
        }
        processedCounter.increment(by: handled)
        if duplicates > 0 {
            duplicateCounter.increment(by: duplicates)
            logger.debug("duplicate events skipped", metadata: ["count": "\(duplicates)"])
        }
        if !ignored.isEmpty {
            ignoredCounter.increment(by: ignored.count)
            let firstSeen = reportedUnknownTypes.withLock { reported in ignored.filter { reported.insert($0).inserted } }
            for type in Set(firstSeen) {
                logger.notice("ignoring events of a type this consumer has no handler for (logged once per type)", metadata: ["event.type": "\(type)"])
            }
        }
        for value in UnknownDomainValues.takeNew() {
            logger.notice("an event carried a domain value this version does not know; handled by the rule for unknown values (logged once)",
                metadata: ["domain.value": "\(value)"])
        }
        if crash {
            logger.critical("fault injection: exiting after commit, before storing the offset")
            exit(86)
        }
    }

    /// Backs off before the next attempt: capped, with jitter. Infrastructure and declared-retriable
    /// failures make the consumer not ready until it succeeds again. Returns `false` on shutdown.
    private func waitOut(_ error: any Error, failure: FailureClass, attempt: Int) async -> Bool {
        let reason = Self.reason(error, failure: failure)
        if failure != .unexpected { health.fail(reason) }
        if attempt == 1 || attempt.isMultiple(of: 10) {
            logger.warning("event handling failed; retrying", metadata: [
                "failure": "\(failure)", "attempt": "\(attempt)", "reason": "\(reason)", "error.code": "\(Self.errorCode(error))",
            ])
        }
        let ceiling = failure == .infrastructure ? min(retryPolicy.maximumBackoff, .seconds(5)) : retryPolicy.maximumBackoff
        let backoff = min(ceiling, retryPolicy.backoff(afterAttempt: attempt))
        let jittered = backoff * Double.random(in: 0.5...1.0)
        guard !isStopping else { return false }
        await stopSignal.wait(timeout: jittered)
        return !isStopping
    }

    private func deadLetter(_ message: KafkaMessage, error: any Error, attempts: Int) async -> Bool {
        do {
            try await deadLetters.publish(message, errorCode: Self.errorCode(error), reason: Self.safeDescription(error), attempts: attempts)
            return true
        } catch {
            return false
        }
    }

    /// Why the consumer cannot work, for readiness: names the dependency, never data.
    static func reason(_ error: any Error, failure: FailureClass) -> String {
        switch failure {
        case .infrastructure where error is KafkaError: "broker unavailable"
        case .infrastructure: "database unavailable"
        case .retriable: "retrying an event (\(errorCode(error)))"
        case .permanent, .unexpected: "failing an event (\(errorCode(error)))"
        }
    }

    static func errorCode(_ error: any Error) -> String {
        switch error {
        case let error as EventContractError: "contract.\(error.code)"
        case let error as EventHandlingError: "handler.\(error.code)"
        case let error as OutboxError: "outbox.\(error.code)"
        case let error as KafkaError: "kafka.\(error.code)"
        case is DecodingError: "contract.invalid_payload"
        default: DatabaseFailure.sqlState(of: error).map { "database.\($0)" } ?? (DatabaseFailure.isInfrastructure(error) ? "database.unavailable" : "unexpected")
        }
    }

    /// A description that never includes data values (PSQLError's description already hides them).
    static func safeDescription(_ error: any Error) -> String {
        switch error {
        case let error as EventContractError: error.description
        case let error as EventHandlingError: error.description
        case let error as OutboxError: error.description
        case is DecodingError: "payload does not decode"
        default: String(describing: error)
        }
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
