import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging
import ServiceLifecycle

/// Sends the queued messages that are due, from any number of instances: each round leases up to a
/// batch of due messages (`FOR UPDATE SKIP LOCKED`, so two instances never take the same one), takes
/// the shared per-channel rate for the batch, sends them through their channels, and records every
/// outcome with its event in one transaction per round. A temporary failure is tried again after an exponential back-off with
/// jitter (quiet hours respected for households' SMS); the last try, or a final failure, marks the
/// message failed with the reason and publishes `MessageFailed`. A lease that runs out (an instance
/// died mid-send) puts the message back in the queue.
struct Dispatcher: Service {
    let database: Database
    let publisher: EventPublisher
    let channels: [String: any DeliveryChannel]
    /// The HTTP connections of the gateway channels, closed when the dispatcher stops.
    let connections: GatewayConnections?
    let limiters: [String: SharedRateLimiter]
    let settings: NotificationSettings
    let logger: Logger
    var now: @Sendable () -> Date = { Date() }
    var batchSize = 64

    /// A leased message.
    struct Leased: Sendable {
        var message: OutgoingMessage
        var channel: String
        var reference: MessageReference
        var audience: String
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                var sent = 0
                do {
                    sent = try await round()
                } catch {
                    logger.warning("dispatcher round failed; trying again", metadata: ["error.type": "\(type(of: error))"])
                    try? await Task.sleep(for: .seconds(1))
                }
                if sent == 0 { try? await Task.sleep(for: .milliseconds(settings.pollMilliseconds)) }
            }
        }
        await connections?.shutdown()
    }

    /// What became of a leased message in a round.
    enum Outcome: Sendable {
        /// The channel accepted it (or confirmed delivery).
        case sent(DeliveryReceipt)
        /// A temporary failure: tried again at `due`.
        case retry(DeliveryFailure, due: Date)
        /// A final failure, or the last try failed.
        case failed(DeliveryFailure)
        /// Over the shared rate: back in the queue at `due` without counting a try.
        case deferred(due: Date)
    }

    /// Longest wait for one database step of a round (leasing, taking the rates, recording). A call
    /// whose connection the server closed between statements can hang rather than fail (see
    /// `Deadline`); the step is then given up and, for recording, tried again.
    static let databaseDeadline = Duration.seconds(30)

    /// One round: lease, take the rates, send, and record every outcome in one transaction (one commit
    /// per round, not per message). Returns how many messages it took.
    func round() async throws -> Int {
        let leased = try await Deadline.run(limit: Self.databaseDeadline) { try await lease() }
        guard !leased.isEmpty else { return 0 }
        logger.debug("round leased messages", metadata: ["messages": "\(leased.count)"])
        // Quiet hours hold at the moment of sending, not only when a message was due: a message due
        // before the window and sent late (its lease ran out on an instance that stopped, or a slow
        // round) waits for the window's end.
        let start = now()
        var outcomes: [(Leased, Outcome)] = leased.compactMap { message in
            let allowed = held(message, start)
            return allowed > start ? (message, .deferred(due: allowed)) : nil
        }
        let due = leased.filter { held($0, start) <= start }
        let sendable: [Leased]
        var ratesUnavailable = false
        do {
            let (allowed, held) = try await Deadline.run(limit: Self.databaseDeadline) { try await takeRates(for: due) }
            sendable = allowed
            outcomes += held
        } catch {
            // The rates could not be read (the database is out): nothing is sent this round, and the
            // messages go back to the queue as soon as the outcome can be recorded.
            logger.warning("could not take the rates; the round's messages wait", metadata: ["error.type": "\(type(of: error))"])
            sendable = []
            outcomes += due.map { ($0, .deferred(due: now())) }
            ratesUnavailable = true
        }
        let sent = await withTaskGroup(of: (Leased, Outcome).self, returning: [(Leased, Outcome)].self) { group in
            var running = 0, results: [(Leased, Outcome)] = []
            for message in sendable {
                if running == settings.sendConcurrency, let result = await group.next() {
                    results.append(result)
                    running -= 1
                }
                group.addTask { (message, await send(message)) }
                running += 1
            }
            for await result in group { results.append(result) }
            return results
        }
        outcomes += sent
        logger.debug("round sent messages", metadata: ["messages": "\(sent.count)"])
        try await recordWaitingOutOutages(outcomes)
        logger.debug("round recorded", metadata: ["messages": "\(outcomes.count)"])
        return ratesUnavailable ? 0 : leased.count  // nothing sent: pause before the next round
    }

    /// Records the outcomes, trying again (1 s, doubling to 30 s) while the database is out or busy
    /// (`FailureClass` infrastructure or retriable): the messages were sent, and this instance is the one
    /// that knows it. Any other error is not waited for (it would stop every round): it is logged, and
    /// the leases run out, so the messages go again under their idempotency keys, as when the instance
    /// stops first.
    private func recordWaitingOutOutages(_ outcomes: [(Leased, Outcome)]) async throws {
        let patience = RetryPolicy(initialBackoff: .seconds(1), maximumBackoff: .seconds(30))
        var attempt = 0
        while true {
            do {
                try await Deadline.run(limit: Self.databaseDeadline) { try await record(outcomes) }
                return
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let failure = FailureClass.of(error)
                guard failure == .infrastructure || failure == .retriable else {
                    logger.error("could not record a round's deliveries; its messages go again when their leases run out", metadata: [
                        "messages": "\(outcomes.count)", "error.type": "\(type(of: error))",
                    ])
                    return
                }
                attempt += 1
                let pause = patience.backoff(afterAttempt: attempt)
                logger.warning("could not record a round's deliveries; trying again", metadata: [
                    "messages": "\(outcomes.count)", "error.type": "\(type(of: error))", "retry.after": "\(pause)",
                ])
                try await Task.sleep(for: pause)
            }
        }
    }

    /// The messages the shared per-channel rates allow now, and the others with when to try them.
    private func takeRates(for leased: [Leased]) async throws -> (allowed: [Leased], held: [(Leased, Outcome)]) {
        var allowed: [Leased] = [], held: [(Leased, Outcome)] = []
        for (channel, group) in Dictionary(grouping: leased, by: \.channel).sorted(by: { $0.key < $1.key }) {
            guard let limiter = limiters[channel] else {
                allowed += group
                continue
            }
            // The whole group at once when the rate allows it; otherwise as many as it allows, one by one.
            if try await limiter.acquire("send", cost: group.count).allowed {
                allowed += group
                continue
            }
            for message in group {
                let decision = try await limiter.acquire("send")
                if decision.allowed {
                    allowed.append(message)
                } else {
                    held.append((message, .deferred(due: self.held(message, now().addingTimeInterval(Double(decision.retryAfterSeconds))))))
                }
            }
        }
        return (allowed, held)
    }

    private func lease() async throws -> [Leased] {
        let rows = try await database.query("""
            UPDATE messages SET lease_until = now() + make_interval(secs => \(settings.leaseSeconds)), attempts = attempts + 1
            WHERE id IN (
                SELECT id FROM messages
                WHERE status = 'queued' AND next_attempt_at <= \(now()) AND (lease_until IS NULL OR lease_until < now())
                ORDER BY next_attempt_at LIMIT \(batchSize) FOR UPDATE SKIP LOCKED)
            RETURNING id, recipient_address, coalesce(title, ''), body, coalesce(template_key, ''), attempts, channel, event_id, event_type,
                household_id, village_code, recipient_kind
            """)
        var leased: [Leased] = []
        for try await (id, address, title, body, key, attempts, channel, eventId, eventType, household, village, audience) in rows.decode(
            (String, String, String, String, String, Int, String, String, String, String?, String?, String).self)
        {
            leased.append(Leased(
                message: OutgoingMessage(id: id, address: address, title: title, body: body, templateKey: key, attempt: attempts),
                channel: channel,
                reference: MessageReference(
                    messageId: id, sourceEventId: eventId, sourceEventType: eventType, householdId: household, regionCode: village,
                    audience: audience, channel: channel),
                audience: audience))
        }
        return leased
    }

    /// Sends one message through its channel and says what became of it.
    private func send(_ leased: Leased) async -> Outcome {
        guard let channel = channels[leased.channel] else {
            return .failed(.permanent("channel_not_configured", "no \(leased.channel) channel is configured"))
        }
        do {
            return .sent(try await channel.send(leased.message))
        } catch {
            let attempt = leased.message.attempt
            guard error.temporary && attempt < settings.maxAttempts else { return .failed(error) }
            return .retry(error, due: held(leased, now().addingTimeInterval(Self.backoff(attempt: attempt, base: Double(settings.retryBaseSeconds)))))
        }
    }

    /// Records a round's outcomes and their events in one transaction, with one statement per kind of
    /// outcome and per event type. Each update holds only while the row is still `queued` at the attempt
    /// this round leased: a message another instance leased again or finished meanwhile (this lease ran
    /// out) is left as it is, and its events are that instance's to publish.
    private func record(_ outcomes: [(Leased, Outcome)]) async throws {
        var deferred: [(id: String, attempt: Int, due: Date)] = []
        var retried: [(id: String, attempt: Int, due: Date, failure: DeliveryFailure)] = []
        var sent: [(leased: Leased, receipt: DeliveryReceipt)] = []
        var failed: [(leased: Leased, failure: DeliveryFailure)] = []
        for (leased, outcome) in outcomes {
            switch outcome {
            case .deferred(let due): deferred.append((leased.message.id, leased.message.attempt, due))
            case .retry(let failure, let due):
                retried.append((leased.message.id, leased.message.attempt, due, failure))
                logger.info("message not sent; will try again", metadata: [
                    "message.id": "\(leased.message.id)", "attempt": "\(leased.message.attempt)", "error.code": "\(failure.code)",
                ])
            case .sent(let receipt): sent.append((leased, receipt))
            case .failed(let failure): failed.append((leased, failure))
            }
        }
        try await database.transaction { connection in
            let at = now()
            if !deferred.isEmpty {
                try await connection.query("""
                    UPDATE messages m SET lease_until = NULL, attempts = m.attempts - 1, next_attempt_at = d.due
                    FROM unnest(\(deferred.map(\.id))::text[], \(deferred.map(\.attempt))::int8[], \(deferred.map(\.due))::timestamptz[])
                        AS d(id, attempt, due)
                    WHERE m.id = d.id AND m.attempts = d.attempt AND m.status = 'queued'
                    """, logger: logger)
            }
            if !retried.isEmpty {
                try await connection.query("""
                    UPDATE messages m SET lease_until = NULL, next_attempt_at = r.due, last_error_code = r.code, last_error = r.reason
                    FROM unnest(\(retried.map(\.id))::text[], \(retried.map(\.attempt))::int8[], \(retried.map(\.due))::timestamptz[],
                        \(retried.map(\.failure.code))::text[], \(retried.map(\.failure.reason))::text[]) AS r(id, attempt, due, code, reason)
                    WHERE m.id = r.id AND m.attempts = r.attempt AND m.status = 'queued'
                    """, logger: logger)
            }
            if !sent.isEmpty {
                let changed = try await Self.ids(connection.query("""
                    UPDATE messages m SET status = CASE WHEN s.delivered THEN 'delivered' ELSE 'sent' END, sent_at = \(at),
                        delivered_at = CASE WHEN s.delivered THEN \(at)::timestamptz END, gateway_reference = NULLIF(s.reference, ''),
                        lease_until = NULL, last_error_code = NULL, last_error = NULL
                    FROM unnest(\(sent.map(\.leased.message.id))::text[], \(sent.map(\.leased.message.attempt))::int8[],
                        \(sent.map(\.receipt.delivered))::bool[], \(sent.map { $0.receipt.reference ?? "" })::text[]) AS s(id, attempt, delivered, reference)
                    WHERE m.id = s.id AND m.attempts = s.attempt AND m.status = 'queued'
                    RETURNING m.id
                    """, logger: logger))
                let done = sent.filter { changed.contains($0.leased.message.id) }
                try await publisher.publishAll(done.map { message, receipt in
                    MessageSent(message: message.reference, attempt: message.message.attempt, gatewayReference: receipt.reference, sentAt: at)
                }, on: connection)
                try await publisher.publishAll(done.filter(\.receipt.delivered).map { message, _ in
                    MessageDelivered(message: message.reference, deliveredAt: at)
                }, on: connection)
            }
            if !failed.isEmpty {
                let changed = try await Self.ids(connection.query("""
                    UPDATE messages m SET status = 'failed', failed_at = \(at), lease_until = NULL, last_error_code = f.code, last_error = f.reason
                    FROM unnest(\(failed.map(\.leased.message.id))::text[], \(failed.map(\.leased.message.attempt))::int8[],
                        \(failed.map(\.failure.code))::text[], \(failed.map(\.failure.reason))::text[]) AS f(id, attempt, code, reason)
                    WHERE m.id = f.id AND m.attempts = f.attempt AND m.status = 'queued'
                    RETURNING m.id
                    """, logger: logger))
                let done = failed.filter { changed.contains($0.leased.message.id) }
                try await publisher.publishAll(done.map { message, failure in
                    MessageFailed(
                        message: message.reference, attempts: message.message.attempt, reasonCode: failure.code, reason: failure.reason,
                        failedAt: at)
                }, on: connection)
                for (message, failure) in done {
                    logger.warning("message failed", metadata: [
                        "message.id": "\(message.message.id)", "attempts": "\(message.message.attempt)", "error.code": "\(failure.code)",
                    ])
                }
            }
        }
    }

    /// `base · 2^(attempt-1)` seconds times a random factor in [0.5, 1.5) (so that messages failed
    /// together do not come back together), at most an hour.
    static func backoff(attempt: Int, base: Double) -> TimeInterval {
        min(3600, base * pow(2, Double(min(30, max(0, attempt - 1)))) * Double.random(in: 0.5..<1.5))
    }

    /// `due`, or the end of quiet hours for a household's SMS.
    private func held(_ leased: Leased, _ due: Date) -> Date {
        guard leased.channel == "sms", leased.audience == Audience.household.rawValue, let quiet = settings.quietHours else { return due }
        return quiet.nextAllowed(after: due)
    }

    /// The ids an `UPDATE … RETURNING m.id` changed.
    static func ids(_ rows: PostgresRowSequence) async throws -> Set<String> {
        var ids = Set<String>()
        for try await id in rows.decode(String.self) { ids.insert(id) }
        return ids
    }
}
