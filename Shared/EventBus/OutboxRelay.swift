import Foundation
import LifelineKafka
import LifelinePersistence
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Sends the outbox to Kafka in outbox order and marks entries sent only after the broker confirmed
/// them.
///
/// One instance of a service leads the relay at a time, by a lease in its schema (`RelayLease`) that it
/// renews; the others stand by and take the lease when it expires, so a leader that is frozen or cut off
/// is replaced within `leaseDuration`. A leader that cannot publish for `stallTimeout`, or whose producer
/// hits a fatal error, gives the lease up and starts again with a new producer. A short database outage
/// is waited out within the term (the lease outlives it); losing the lease or the notification
/// connection ends the term and a new one starts after a back-off: the relay never needs a restart.
///
/// It is woken in-process after commits that wrote to the outbox (`Database.outboxWake`), by
/// LISTEN/NOTIFY when the writer is another instance, and by a slow poll as a safety net. An entry the
/// broker refuses for good is parked with its reason, and later entries of its key wait behind it while
/// other keys flow.
public final class OutboxRelay: Service, Sendable {
    /// Tuning knobs.
    public struct Configuration: Sendable {
        /// Entries sent per round.
        public var batchSize: Int = 500
        /// Safety-net poll interval when no wake-up arrives.
        public var idlePollInterval: Duration = .seconds(2)
        /// Longest pause after a failed round or a lost term.
        public var maximumBackoff: Duration = .seconds(5)
        /// How long a lease lasts without renewal (`OUTBOX_LEASE_SECONDS`): a standby takes over within it.
        public var leaseDuration: Duration = .seconds(10)
        /// A leader that has had entries to send but confirmed none for this long gives up the lease and
        /// recreates its producer (`OUTBOX_STALL_SECONDS`).
        public var stallTimeout: Duration = .seconds(30)
        /// The service is not ready while the oldest unsent entry is older than this (`OUTBOX_READY_MAX_AGE_SECONDS`).
        public var readyBacklogAge: Duration = .seconds(120)
        /// Sent entries older than this are deleted.
        public var retainSent: Duration = .seconds(7 * 24 * 3600)
        /// Inbox records older than this are deleted; must exceed the topics' retention (7 days by default).
        public var retainInbox: Duration = .seconds(30 * 24 * 3600)

        /// Defaults.
        public init() {}
    }

    /// Why a leadership term ended.
    struct TermEnded: Error, CustomStringConvertible {
        let description: String
    }

    /// Whether the relay can work; read by `/health/ready`.
    public let health: ComponentHealth
    private let database: Database
    private let store: OutboxStore
    private let lease: RelayLease
    private let makeProducer: @Sendable () throws -> KafkaProducer
    private let configuration: Configuration
    private let logger: Logger
    private let listenWake = WakeSignal()
    private let busySince = Mutex<ContinuousClock.Instant?>(nil)
    private let lastRound = Mutex(ContinuousClock.now)
    private let leading = Mutex(false)
    private let backlogGauge: Gauge
    private let ageGauge: Gauge
    private let parkedGauge: Gauge
    private let leaderGauge: Gauge
    private let sentCounter: Counter
    private let failureCounter: Counter
    private let termCounter: Counter

    /// Creates the relay for a service's outbox; each leadership term gets a producer from `makeProducer`.
    public init(
        database: Database, makeProducer: @escaping @Sendable () throws -> KafkaProducer, configuration: Configuration = .init(),
        logger: Logger
    ) {
        self.database = database
        self.store = OutboxStore(database: database, logger: logger)
        self.lease = RelayLease(database: database)
        self.makeProducer = makeProducer
        self.configuration = configuration
        self.logger = logger
        self.health = ComponentHealth(name: "outbox relay")
        let dimensions = [("schema", database.schema)]
        backlogGauge = Gauge(label: "lifeline_outbox_backlog", dimensions: dimensions)
        ageGauge = Gauge(label: "lifeline_outbox_oldest_age_seconds", dimensions: dimensions)
        parkedGauge = Gauge(label: "lifeline_outbox_parked", dimensions: dimensions)
        leaderGauge = Gauge(label: "lifeline_outbox_relay_leader", dimensions: dimensions)
        sentCounter = Counter(label: "lifeline_outbox_sent_total", dimensions: dimensions)
        failureCounter = Counter(label: "lifeline_outbox_send_failures_total", dimensions: dimensions)
        termCounter = Counter(label: "lifeline_outbox_relay_terms_total", dimensions: dimensions)
    }

    /// Creates the relay with producers built from `producerConfiguration`.
    public convenience init(
        database: Database, producerConfiguration: KafkaProducerConfiguration, configuration: Configuration = .init(), logger: Logger
    ) {
        self.init(
            database: database, makeProducer: { try KafkaProducer(configuration: producerConfiguration, logger: logger) },
            configuration: configuration, logger: logger)
    }

    /// Whether this instance leads the relay right now.
    public var isLeading: Bool { leading.withLock { $0 } }

    /// Relays until graceful shutdown; entries already handed to the producer are confirmed first.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var failures = 0
            while !Task.isCancelled {
                do {
                    try await self.waitForLease()
                    try await self.lead()
                    failures = 0
                } catch is CancellationError {
                    break
                } catch {
                    failures += 1
                    self.logger.warning("outbox relay term ended; starting again", metadata: ["reason": "\(Self.reason(error))"])
                    // After giving up a stalled term, wait longer than a standby's poll so that another
                    // instance gets the chance to lead.
                    let pause = error is TermEnded
                        ? self.configuration.idlePollInterval * 2
                        : min(self.configuration.maximumBackoff, .milliseconds(200 * (1 << min(failures, 5))))
                    try? await Task.sleep(for: pause * Double.random(in: 0.75...1.25))
                }
            }
            self.leading.withLock { $0 = false }
            self.database.outboxWake.setRelayLeaderHere(false)
            // Hand the lease over at once on shutdown. This task is cancelled by now, and a query from a
            // cancelled task never runs, so the release gets a task of its own (which is not cancelled).
            let lease = self.lease
            await Task { try? await Deadline.run(limit: .seconds(2)) { try await lease.release() } }.value
        }
    }

    /// Stands by until the lease is free, keeping the backlog metrics and readiness current meanwhile.
    private func waitForLease() async throws {
        while true {
            try Task.checkCancellation()
            do {
                let lease = self.lease, duration = configuration.leaseDuration
                if try await Deadline.run(limit: duration, { try await lease.acquireOrRenew(for: duration) }) { return }
                try await updateBacklog(leading: false)
            } catch let error where DatabaseFailure.isInfrastructure(error) {
                health.fail("database unavailable")
            }
            try await Task.sleep(for: configuration.idlePollInterval)
        }
    }

    /// One leadership term: a new producer, LISTEN on a dedicated connection, lease renewal, a
    /// watchdog and the relay loop; the first of them to fail ends the term.
    private func lead() async throws {
        termCounter.increment()
        let producer = try makeProducer()
        leading.withLock { $0 = true }
        leaderGauge.record(1)
        database.outboxWake.setRelayLeaderHere(true)
        busySince.withLock { $0 = nil }
        lastRound.withLock { $0 = .now }
        logger.info("outbox relay is leading", metadata: ["db.schema": "\(database.schema)", "relay.holder": "\(lease.holder)"])
        defer {
            leading.withLock { $0 = false }
            leaderGauge.record(0)
            database.outboxWake.setRelayLeaderHere(false)
        }
        do {
            try await database.client.withConnection { connection in
                try await connection.listen(on: self.store.channel) { notifications in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for try await _ in notifications { self.listenWake.signal() }
                            try Task.checkCancellation()
                            throw TermEnded(description: "the notification connection closed")
                        }
                        group.addTask { try await self.renewLease() }
                        group.addTask { try await self.watchdog() }
                        group.addTask { try await self.relayLoop(producer) }
                        try await group.next()
                        group.cancelAll()
                    }
                }
            }
        } catch {
            await producer.shutdown(timeout: .seconds(2))
            if !(error is CancellationError) { try? await lease.release() }
            throw error
        }
        await producer.shutdown(timeout: .seconds(2))
    }

    /// Renews the lease a few times per lease duration; ends the term when another instance holds it
    /// or it could not be renewed before it expired.
    private func renewLease() async throws {
        var lastRenewed = ContinuousClock.now
        while true {
            try await Task.sleep(for: configuration.leaseDuration / 4)
            do {
                let lease = self.lease, duration = configuration.leaseDuration
                guard try await Deadline.run(limit: duration / 2, { try await lease.acquireOrRenew(for: duration) }) else {
                    throw TermEnded(description: "another instance holds the relay lease")
                }
                lastRenewed = .now
            } catch let error where DatabaseFailure.isInfrastructure(error) {
                guard ContinuousClock.now - lastRenewed < configuration.leaseDuration else {
                    throw TermEnded(description: "the relay lease could not be renewed (database unavailable)")
                }
            }
        }
    }

    /// Ends the term when entries have been waiting for `stallTimeout` without a confirmed send, or when
    /// the relay loop has not come round for that long (it comes round at least every idle poll).
    private func watchdog() async throws {
        while true {
            try await Task.sleep(for: .milliseconds(500))
            if ContinuousClock.now - lastRound.withLock({ $0 }) >= configuration.stallTimeout {
                health.fail("outbox relay stuck")
                throw TermEnded(description: "the relay loop has not come round for \(configuration.stallTimeout); starting a new term")
            }
            guard let since = busySince.withLock({ $0 }) else { continue }
            if ContinuousClock.now - since >= configuration.stallTimeout {
                health.fail("outbox relay cannot publish")
                throw TermEnded(description: "no entry confirmed for \(configuration.stallTimeout); giving up the lease and recreating the producer")
            }
        }
    }

    private func relayLoop(_ producer: KafkaProducer) async throws {
        var failures = 0
        var lastPurge = ContinuousClock.now
        var lastMetrics = ContinuousClock.now - .seconds(10)
        while true {
            try Task.checkCancellation()
            lastRound.withLock { $0 = .now }
            var outcome = DrainOutcome.failed
            do {
                // A send waits for the broker up to the producer's message timeout; past the stall
                // timeout the round is given up (the watchdog ends the term by then as well).
                outcome = try await Deadline.run(limit: configuration.stallTimeout + .seconds(5)) { try await self.drainOnce(producer) }
                if ContinuousClock.now - lastMetrics >= .seconds(1) {
                    lastMetrics = .now
                    try await updateBacklog(leading: true)
                }
                if ContinuousClock.now - lastPurge > .seconds(3600) {
                    lastPurge = .now
                    // Housekeeping for the schema, done by its one relay leader.
                    try await store.purgeSent(olderThan: configuration.retainSent)
                    try await Inbox(logger: logger).purge(olderThan: configuration.retainInbox, in: database)
                }
            } catch let error where DatabaseFailure.isInfrastructure(error) {
                // The database is out: keep the term (the lease outlives short outages) and try again.
                health.fail("database unavailable")
                outcome = .failed
            }
            switch outcome {
            case .sent(let count) where count == configuration.batchSize:
                failures = 0
                continue  // more may be waiting
            case .sent:
                failures = 0
                await wakeOrTimeout()
            case .failed:
                failures += 1
                let backoff = min(configuration.maximumBackoff, .milliseconds(50 * (1 << min(failures, 7))))
                try await Task.sleep(for: backoff * Double.random(in: 0.5...1.0))
            }
        }
    }

    /// Waits for the first of: an in-process commit, a notification, the idle poll.
    private func wakeOrTimeout() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.database.outboxWake.committed.wait(timeout: self.configuration.idlePollInterval) }
            group.addTask { await self.listenWake.wait(timeout: self.configuration.idlePollInterval) }
            await group.next()
            group.cancelAll()
        }
    }

    enum DrainOutcome { case sent(Int), failed }

    /// Sends one batch. Confirmed entries are marked sent; an entry the broker refuses for good is
    /// parked (and holds back later entries of its key from the next round on); any other failure
    /// leaves the entry for the next round. A fatal producer error ends the term.
    func drainOnce(_ producer: KafkaProducer) async throws -> DrainOutcome {
        let batch = try await store.unsent(limit: configuration.batchSize)
        guard !batch.isEmpty else {
            busySince.withLock { $0 = nil }
            return .sent(0)
        }
        busySince.withLock { $0 = $0 ?? .now }
        let records = batch.map { entry in
            KafkaRecord(
                topic: entry.topic, key: entry.partitionKey, value: entry.payload,
                headers: entry.headers.sorted { $0.key < $1.key }.map { KafkaHeader(key: $0.key, text: $0.value) }
            )
        }
        let results = await producer.sendAll(records)
        var confirmed: [Int64] = []
        var transient = 0
        var fatal: KafkaError?
        for (entry, result) in zip(batch, results) {
            switch result {
            case .success:
                confirmed.append(entry.id)
            case .failure(let error as KafkaError) where error.isFatal:
                fatal = error
            case .failure(let error as KafkaError) where !error.isRetriable:
                try await park(entry, error: error)
            case .failure(let error):
                transient += 1
                if transient == 1 {
                    logger.warning("outbox send failed; will retry", metadata: ["error": "\(Self.reason(error))", "outbox.pending": "\(batch.count - confirmed.count)"])
                }
            }
        }
        try await store.markSent(confirmed)
        sentCounter.increment(by: confirmed.count)
        if let fatal { throw fatal }
        guard transient == 0 else {
            failureCounter.increment(by: transient)
            if !confirmed.isEmpty { busySince.withLock { $0 = .now } }  // progress, though not all of it
            return .failed
        }
        busySince.withLock { $0 = nil }
        if health.currentProblem != nil { health.recover() }
        return .sent(batch.count)
    }

    private func park(_ entry: OutboxEntry, error: KafkaError) async throws {
        let reason = String(error.message.prefix(500))
        try await store.park(entry.id, reason: reason)
        failureCounter.increment()
        logger.error("outbox entry parked: the broker refused it for good; later events of its key wait behind it", metadata: [
            "outbox.id": "\(entry.id)", "event.id": "\(entry.eventId)", "kafka.topic": "\(entry.topic)", "kafka.error": "\(error.code)",
            "reason": "\(reason)",
        ])
    }

    private func updateBacklog(leading: Bool) async throws {
        let backlog = try await store.backlog()
        backlogGauge.record(backlog.count)
        ageGauge.record(backlog.oldestAgeSeconds)
        parkedGauge.record(backlog.parked)
        let limit = Double(configuration.readyBacklogAge.components.seconds)
        if backlog.oldestAgeSeconds > limit {
            health.fail("outbox backlog older than \(Int(limit)) s")
        } else if leading ? busySince.withLock({ $0 == nil }) : true {
            if health.currentProblem != nil { health.recover() }
        }
    }

    /// A log-safe reason: Kafka and database errors carry no data.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let error as TermEnded: error.description
        case let error as KafkaError: error.description
        default: DatabaseFailure.isInfrastructure(error) ? "database unavailable" : String(describing: error)
        }
    }
}
