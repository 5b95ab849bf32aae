import LifelineEvents
import LifelinePersistence

/// What a typed handler gets beside its payload: the transaction it runs in and the event it came in
/// (to publish follow-up events `causedBy:` it).
public struct EventContext: Sendable {
    /// The event as received, with its Kafka message.
    public let received: ReceivedEvent
    /// The transaction that also records the event in the inbox; write the service's state here.
    public let connection: PostgresConnection

    /// The CloudEvent.
    public var event: CloudEvent { received.event }
}

/// What a consumer does with an event type none of its handlers registered.
public enum UnknownEventPolicy: Sendable {
    /// Skip it (logged once per type): the consumer shares a topic with events it does not need,
    /// or a newer producer publishes types this version does not know yet.
    case ignore
    /// Dead-letter it: the topic carries only the types this consumer handles, so any other is a fault.
    case deadLetter
}

/// What became of one event.
public enum HandlingOutcome: Sendable, Equatable {
    /// A handler ran.
    case handled
    /// No handler knows the type and the policy is `.ignore`.
    case ignoredUnknownType
}

/// A consumer's handlers, one per event type, registered with `on(SomeEvent.self) { event, context in … }`.
/// The bus decodes each payload into the registered type (a payload that does not decode is a contract
/// error and is dead-lettered) and applies the policy for types nobody registered.
public struct EventHandlers: Sendable {
    private var handlers: [String: @Sendable (ReceivedEvent, PostgresConnection) async throws -> Void] = [:]
    private var fallback: (@Sendable (ReceivedEvent, PostgresConnection) async throws -> Void)?
    /// The policy for types no handler registered.
    public let unknownTypes: UnknownEventPolicy

    /// Creates an empty set of handlers.
    public init(unknownTypes: UnknownEventPolicy = .ignore) {
        self.unknownTypes = unknownTypes
    }

    /// Handles events of `Event`'s type with `handle`.
    public mutating func on<Event: DomainEvent>(_ type: Event.Type, _ handle: @escaping @Sendable (Event, EventContext) async throws -> Void) {
        precondition(handlers[Event.eventType] == nil, "one handler per event type: \(Event.eventType)")
        handlers[Event.eventType] = { received, connection in
            let payload = try received.payload(Event.self)
            try await handle(payload, EventContext(received: received, connection: connection))
        }
    }

    /// Handles every event whose type has no typed handler with `handle`, undecoded (tools, tests,
    /// and consumers that only record or forward events).
    public mutating func onAnyOtherType(_ handle: @escaping @Sendable (ReceivedEvent, PostgresConnection) async throws -> Void) {
        fallback = handle
    }

    /// A set with one untyped handler for every event.
    public static func any(_ handle: @escaping @Sendable (ReceivedEvent, PostgresConnection) async throws -> Void) -> EventHandlers {
        var handlers = EventHandlers()
        handlers.onAnyOtherType(handle)
        return handlers
    }

    /// The event types with a typed handler, sorted.
    public var eventTypes: [String] { handlers.keys.sorted() }

    /// Runs the handler of the event's type inside the caller's transaction.
    public func handle(_ received: ReceivedEvent, on connection: PostgresConnection) async throws -> HandlingOutcome {
        if let handler = handlers[received.type] ?? fallback {
            try await handler(received, connection)
            return .handled
        }
        switch unknownTypes {
        case .ignore:
            return .ignoredUnknownType
        case .deadLetter:
            throw EventContractError(code: .unsupportedType, field: "ce_type", reason: "no handler for \(received.type) in this consumer")
        }
    }
}
