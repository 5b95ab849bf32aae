import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging
import ServiceLifecycle

/// Sends the queued messages that are due, from any number of instances: each round leases up to a
/// batch of due messages (`FOR UPDATE SKIP LOCKED`, so two instances never take the same one), sends
/// them through their channels within the shared per-channel rate, and records each outcome with its
/// event in one transaction. A temporary failure is tried again after an exponential back-off with
/// jitter (quiet hours respected for households' SMS); the last try, or a final failure, marks the
/// message failed with the reason and publishes `MessageFailed`. A lease that runs out (an instance
/// died mid-send) puts the message back in the queue.
struct Dispatcher: Service {
    let database: Database
    let publisher: EventPublisher
    let channels: [String: any DeliveryChannel]
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
    }

    /// One round: lease, send, record. Returns how many messages it took.
    func round() async throws -> Int {
        let leased = try await lease()
        guard !leased.isEmpty else { return 0 }
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for message in leased {
                if running == settings.sendConcurrency {
                    await group.next()
                    running -= 1
                }
                group.addTask { await deliver(message) }
                running += 1
            }
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

    private func deliver(_ leased: Leased) async {
        do {
            guard let channel = channels[leased.channel] else {
                try await fail(leased, DeliveryFailure.permanent("channel_not_configured", "no \(leased.channel) channel is configured"))
                return
            }
            if let limiter = limiters[leased.channel] {
                let decision = try await limiter.acquire("send")
                guard decision.allowed else {
                    // Over the shared rate: back in the queue without counting a try (and not into quiet hours).
                    let due = held(leased, now().addingTimeInterval(Double(decision.retryAfterSeconds)))
                    try await database.query("""
                        UPDATE messages SET lease_until = NULL, attempts = attempts - 1, next_attempt_at = \(due)
                        WHERE id = \(leased.message.id)
                        """)
                    return
                }
            }
            let receipt: DeliveryReceipt
            do {
                receipt = try await channel.send(leased.message)
            } catch {
                try await fail(leased, error)
                return
            }
            try await database.transaction { connection in
                let at = now()
                let updated = try await connection.query("""
                    UPDATE messages SET status = \(receipt.delivered ? "delivered" : "sent"), sent_at = \(at),
                        delivered_at = \(receipt.delivered ? at : nil), gateway_reference = \(receipt.reference), lease_until = NULL,
                        last_error_code = NULL, last_error = NULL
                    WHERE id = \(leased.message.id) AND status = 'queued'
                    RETURNING 1
                    """, logger: logger)
                // Another instance finished it (this lease ran out): its events are published already.
                guard try await Self.changed(updated) else { return }
                try await publisher.publish(
                    MessageSent(message: leased.reference, attempt: leased.message.attempt, gatewayReference: receipt.reference, sentAt: at),
                    on: connection)
                if receipt.delivered {
                    try await publisher.publish(MessageDelivered(message: leased.reference, deliveredAt: at), on: connection)
                }
            }
        } catch {
            // The database is out: the lease runs out and the message is taken again.
            logger.warning("could not record a delivery; the message will be taken again", metadata: [
                "message.id": "\(leased.message.id)", "error.type": "\(type(of: error))",
            ])
        }
    }

    private func fail(_ leased: Leased, _ failure: DeliveryFailure) async throws {
        let attempt = leased.message.attempt
        if failure.temporary && attempt < settings.maxAttempts {
            let due = held(leased, now().addingTimeInterval(Self.backoff(attempt: attempt, base: Double(settings.retryBaseSeconds))))
            try await database.query("""
                UPDATE messages SET lease_until = NULL, next_attempt_at = \(due), last_error_code = \(failure.code), last_error = \(failure.reason)
                WHERE id = \(leased.message.id) AND status = 'queued'
                """)
            logger.info("message not sent; will try again", metadata: [
                "message.id": "\(leased.message.id)", "attempt": "\(attempt)", "error.code": "\(failure.code)",
            ])
            return
        }
        try await database.transaction { connection in
            let at = now()
            let updated = try await connection.query("""
                UPDATE messages SET status = 'failed', failed_at = \(at), lease_until = NULL, last_error_code = \(failure.code),
                    last_error = \(failure.reason)
                WHERE id = \(leased.message.id) AND status = 'queued'
                RETURNING 1
                """, logger: logger)
            guard try await Self.changed(updated) else { return }
            try await publisher.publish(
                MessageFailed(message: leased.reference, attempts: attempt, reasonCode: failure.code, reason: failure.reason, failedAt: at),
                on: connection)
        }
        logger.warning("message failed", metadata: ["message.id": "\(leased.message.id)", "attempts": "\(attempt)", "error.code": "\(failure.code)"])
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
