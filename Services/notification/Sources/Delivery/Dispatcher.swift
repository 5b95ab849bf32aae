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

    /// One round: lease, take the rates, send, and record every outcome in one transaction (one commit
    /// per round, not per message). Returns how many messages it took.
    func round() async throws -> Int {
        let leased = try await lease()
        guard !leased.isEmpty else { return 0 }
        var outcomes: [(Leased, Outcome)] = []
        var sendable: [Leased] = []
        for (channel, group) in Dictionary(grouping: leased, by: \.channel).sorted(by: { $0.key < $1.key }) {
            guard let limiter = limiters[channel] else {
                sendable += group
                continue
            }
            // The whole group at once when the rate allows it; otherwise as many as it allows, one by one.
            if try await limiter.acquire("send", cost: group.count).allowed {
                sendable += group
                continue
            }
            for message in group {
                let decision = try await limiter.acquire("send")
                if decision.allowed {
                    sendable.append(message)
                } else {
                    outcomes.append((message, .deferred(due: held(message, now().addingTimeInterval(Double(decision.retryAfterSeconds))))))
                }
            }
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
        do {
            try await record(outcomes)
        } catch {
            // The database is out: the leases run out and the messages are taken again (the gateways
            // recognise a resend by its idempotency key).
            logger.warning("could not record a round's deliveries; its messages will be taken again", metadata: [
                "messages": "\(outcomes.count)", "error.type": "\(type(of: error))",
            ])
        }
        return leased.count
    }

    private func lease() async throws -> [Leased] {
        let rows = try await database.query("""
            UPDATE messages SET lease_until = now() + interval '10 minutes', attempts = attempts + 1
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

    /// Records a round's outcomes and their events in one transaction. A message another instance
    /// finished meanwhile (this lease ran out) is left as it is, its events published already.
    private func record(_ outcomes: [(Leased, Outcome)]) async throws {
        try await database.transaction { connection in
            let at = now()
            for (leased, outcome) in outcomes {
                let id = leased.message.id
                switch outcome {
                case .deferred(let due):
                    try await connection.query("""
                        UPDATE messages SET lease_until = NULL, attempts = attempts - 1, next_attempt_at = \(due) WHERE id = \(id) AND status = 'queued'
                        """, logger: logger)
                case .retry(let failure, let due):
                    try await connection.query("""
                        UPDATE messages SET lease_until = NULL, next_attempt_at = \(due), last_error_code = \(failure.code), last_error = \(failure.reason)
                        WHERE id = \(id) AND status = 'queued'
                        """, logger: logger)
                    logger.info("message not sent; will try again", metadata: [
                        "message.id": "\(id)", "attempt": "\(leased.message.attempt)", "error.code": "\(failure.code)",
                    ])
                case .sent(let receipt):
                    let updated = try await connection.query("""
                        UPDATE messages SET status = \(receipt.delivered ? "delivered" : "sent"), sent_at = \(at),
                            delivered_at = \(receipt.delivered ? at : nil), gateway_reference = \(receipt.reference), lease_until = NULL,
                            last_error_code = NULL, last_error = NULL
                        WHERE id = \(id) AND status = 'queued'
                        RETURNING 1
                        """, logger: logger)
                    guard try await Self.changed(updated) else { continue }
                    try await publisher.publish(
                        MessageSent(message: leased.reference, attempt: leased.message.attempt, gatewayReference: receipt.reference, sentAt: at),
                        on: connection)
                    if receipt.delivered {
                        try await publisher.publish(MessageDelivered(message: leased.reference, deliveredAt: at), on: connection)
                    }
                case .failed(let failure):
                    let updated = try await connection.query("""
                        UPDATE messages SET status = 'failed', failed_at = \(at), lease_until = NULL, last_error_code = \(failure.code),
                            last_error = \(failure.reason)
                        WHERE id = \(id) AND status = 'queued'
                        RETURNING 1
                        """, logger: logger)
                    guard try await Self.changed(updated) else { continue }
                    try await publisher.publish(
                        MessageFailed(
                            message: leased.reference, attempts: leased.message.attempt, reasonCode: failure.code, reason: failure.reason,
                            failedAt: at),
                        on: connection)
                    logger.warning("message failed", metadata: [
                        "message.id": "\(id)", "attempts": "\(leased.message.attempt)", "error.code": "\(failure.code)",
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

    /// Whether an `UPDATE … RETURNING 1` changed a row.
    static func changed(_ rows: PostgresRowSequence) async throws -> Bool {
        var changed = false
        for try await _ in rows { changed = true }
        return changed
    }
}
