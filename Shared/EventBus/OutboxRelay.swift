import Foundation
import LifelineKafka
import LifelinePersistence
import Logging
import Metrics
import ServiceLifecycle

/// Sends the outbox to Kafka in outbox order and marks entries sent only after the broker confirmed
/// them. Woken by LISTEN/NOTIFY when a transaction with new entries commits, with a slow poll as a
/// safety net. With several instances of a service, a session advisory lock makes one of them the
/// relay, so order per key is kept; the others wait to take over.
public final class OutboxRelay: Service, Sendable {
    /// Tuning knobs.
    public struct Configuration: Sendable {
        /// Entries sent per round.
        public var batchSize: Int = 500
        /// Safety-net poll interval when no notification arrives.
        public var idlePollInterval: Duration = .seconds(2)
        /// Longest pause after a failed send.
        public var maximumBackoff: Duration = .seconds(5)
        /// Sent entries older than this are deleted.
        public var retainSent: Duration = .seconds(7 * 24 * 3600)
        /// Inbox records older than this are deleted; must exceed the topics' retention (7 days by default).
        public var retainInbox: Duration = .seconds(30 * 24 * 3600)

        /// Defaults.
        public init() {}
    }

    private let database: Database
    private let store: OutboxStore
    private let producer: KafkaProducer
    private let configuration: Configuration
    private let logger: Logger
    private let wake = WakeSignal()
    private let backlogGauge: Gauge
    private let ageGauge: Gauge
    private let sentCounter: Counter
    private let failureCounter: Counter

    /// Creates the relay for a service's outbox.
    public init(database: Database, producer: KafkaProducer, configuration: Configuration = .init(), logger: Logger) {
        self.database = database
        self.store = OutboxStore(database: database, logger: logger)
        self.producer = producer
        self.configuration = configuration
        self.logger = logger
        let dimensions = [("schema", database.schema)]
        backlogGauge = Gauge(label: "lifeline_outbox_backlog", dimensions: dimensions)
        ageGauge = Gauge(label: "lifeline_outbox_oldest_age_seconds", dimensions: dimensions)
        sentCounter = Counter(label: "lifeline_outbox_sent_total", dimensions: dimensions)
        failureCounter = Counter(label: "lifeline_outbox_send_failures_total", dimensions: dimensions)
    }

    /// Relays until graceful shutdown; entries already handed to the producer are confirmed first.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.leadWhileHoldingLock()
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.warning("outbox relay interrupted; retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    /// Takes the relay lock on a dedicated connection (waiting while another instance holds it), listens
    /// for notifications there and relays until cancelled.
    private func leadWhileHoldingLock() async throws {
        let lockKey = "lifeline.outbox." + database.schema
        let channel = store.channel
        let logger = self.logger
        try await database.client.withConnection { connection in
            while !Task.isCancelled {
                let rows = try await connection.query("SELECT pg_try_advisory_lock(hashtext(\(lockKey)))", logger: logger)
                var acquired = false
                for try await value in rows.decode(Bool.self) { acquired = value }
                if acquired { break }
                try await Task.sleep(for: .seconds(2))
            }
            try Task.checkCancellation()
            logger.debug("outbox relay is leading", metadata: ["db.schema": "\(database.schema)"])
            do {
                try await connection.listen(on: channel) { notifications in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for try await _ in notifications { self.wake.signal() }
                        }
                        group.addTask { try await self.relayLoop() }
                        try await group.next()
                        group.cancelAll()
                    }
                }
            } catch {
                // Give leadership back before the connection returns to the pool, or no relay could lead again.
                _ = try? await connection.query("SELECT pg_advisory_unlock(hashtext(\(lockKey)))", logger: logger)
                throw error
            }
            _ = try? await connection.query("SELECT pg_advisory_unlock(hashtext(\(lockKey)))", logger: logger)
        }
    }

    private func relayLoop() async throws {
        var failures = 0
        var lastPurge = ContinuousClock.now
        while !Task.isCancelled {
            let outcome = try await drainOnce()
            try await updateBacklogMetrics()
            if ContinuousClock.now - lastPurge > .seconds(3600) {
                lastPurge = .now
                // Housekeeping for the schema, done by its one relay leader.
                try await store.purgeSent(olderThan: configuration.retainSent)
                try await Inbox(logger: logger).purge(olderThan: configuration.retainInbox, in: database)
            }
            switch outcome {
            case .sentAll(let count) where count == configuration.batchSize:
                failures = 0
                continue  // more may be waiting
            case .sentAll:
                failures = 0
                await wake.wait(timeout: configuration.idlePollInterval)
            case .failed:
                failures += 1
                let backoff = min(configuration.maximumBackoff, .milliseconds(100 * (1 << min(failures, 6))))
                try await Task.sleep(for: backoff)
            }
        }
    }

    enum DrainOutcome { case sentAll(Int), failed }

    /// Sends one batch. Marks sent only the unbroken run of confirmed entries from the start, so a
    /// failure never lets a later event of a key overtake an earlier one; the rest is sent again.
    func drainOnce() async throws -> DrainOutcome {
        let batch = try await store.unsent(limit: configuration.batchSize)
        guard !batch.isEmpty else { return .sentAll(0) }
        let records = batch.map { entry in
            KafkaRecord(
                topic: entry.topic, key: entry.partitionKey, value: entry.payload,
                headers: entry.headers.sorted { $0.key < $1.key }.map { KafkaHeader(key: $0.key, text: $0.value) }
            )
        }
        let results = await producer.sendAll(records)
        let confirmed = results.prefix { if case .success = $0 { true } else { false } }.count
        try await store.markSent(batch.prefix(confirmed).map(\.id))
        sentCounter.increment(by: confirmed)
        guard confirmed < batch.count else { return .sentAll(confirmed) }
        if case .failure(let error) = results[confirmed] {
            failureCounter.increment()
            let reason = String(describing: error).prefix(500)
            try await store.recordFailure([batch[confirmed].id], reason: String(reason))
            logger.warning("outbox send failed; will retry", metadata: ["error": "\(reason)", "outbox.pending": "\(batch.count - confirmed)"])
        }
        return .failed
    }

    private func updateBacklogMetrics() async throws {
        let backlog = try await store.backlog()
        backlogGauge.record(backlog.count)
        ageGauge.record(backlog.oldestAgeSeconds)
    }
}
