import LifelineEvents
import LifelineKafka
import LifelinePersistence
import Logging

/// One event through a consumer's inbox and handlers in one transaction: the single-event path the
/// consumer falls back to and dead-letter replay uses, so a replayed event is exactly as safe to
/// repeat as a redelivered one.
struct InboxHandling: Sendable {
    let consumer: String
    let database: Database
    let handlers: EventHandlers
    let inbox: Inbox
    let transactionTimeout: Duration

    init(consumer: String, database: Database, handlers: EventHandlers, transactionTimeout: Duration = .seconds(30), logger: Logger) {
        self.consumer = consumer
        self.transactionTimeout = transactionTimeout
        self.database = database
        self.handlers = handlers
        self.inbox = Inbox(logger: logger)
    }

    /// Handles `event` unless the inbox already has it; `nil` means it had been processed before.
    /// A transaction that does not finish within `transactionTimeout` is given up (`DeadlineExceeded`,
    /// an infrastructure failure): it either commits or rolls back on its own, and the retry's inbox
    /// claim waits for it and then knows.
    func handle(_ event: CloudEvent, message: KafkaMessage) async throws -> HandlingOutcome? {
        try await Deadline.run(limit: transactionTimeout) {
            try await database.transaction { connection -> HandlingOutcome? in
                guard try await inbox.claim(consumer: consumer, source: event.source, eventId: event.id, eventType: event.type, on: connection) else {
                    return nil
                }
                return try await handlers.handle(ReceivedEvent(event: event, message: message), on: connection)
            }
        }
    }
}
