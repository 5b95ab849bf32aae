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
    /// Batch handlers by batch number; `batchOfType` says which batch a type belongs to.
    private var batchHandlers: [@Sendable ([ReceivedEvent], PostgresConnection) async throws -> Void] = []
    private var batchOfType: [String: Int] = [:]
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

    /// Handles events of `Event`'s type a run at a time: consecutive events of the type within a batch
    /// the bus took from Kafka come together, in order, each with the event it came in (for
    /// handlers whose statements cost the same for one event or many). When the run fails for a
    /// reason other than an outage, the bus handles the batch again event by event, so a payload that
    /// does not decode is still dead-lettered alone.
    public mutating func onBatch<Event: DomainEvent>(
        _ type: Event.Type, _ handle: @escaping @Sendable ([(payload: Event, received: ReceivedEvent)], PostgresConnection) async throws -> Void
    ) {
        onBatch([BatchedType.of(type) { $0 }], handle)
    }

    /// Handles events of several types a run at a time: consecutive events of any of `types` within a
    /// batch the bus took from Kafka come together, in order, each read into a `Value` (for handlers
    /// whose statements cost the same for one event or many, whatever the events' types). Otherwise as
    /// `onBatch` for one type.
    public mutating func onBatch<Value: Sendable>(
        _ types: [BatchedType<Value>], _ handle: @escaping @Sendable ([(payload: Value, received: ReceivedEvent)], PostgresConnection) async throws -> Void
    ) {
        let number = batchHandlers.count
        var readers: [String: @Sendable (ReceivedEvent) throws -> Value] = [:]
        for member in types {
            precondition(handlers[member.type] == nil, "one handler per event type: \(member.type)")
            readers[member.type] = member.read
            batchOfType[member.type] = number
            handlers[member.type] = { received, connection in
                try await handle([(try member.read(received), received)], connection)
            }
        }
        batchHandlers.append { [readers] events, connection in
            try await handle(try events.map { (try readers[$0.type]!($0), $0) }, connection)
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

    /// Runs the handlers of `events` in order inside the caller's transaction, consecutive events of the
    /// types registered with one `onBatch` together; one outcome per event.
    public func handleAll(_ events: [ReceivedEvent], on connection: PostgresConnection) async throws -> [HandlingOutcome] {
        var outcomes: [HandlingOutcome] = []
        outcomes.reserveCapacity(events.count)
        var index = events.startIndex
        while index < events.endIndex {
            guard let number = batchOfType[events[index].type] else {
                outcomes.append(try await handle(events[index], on: connection))
                index += 1
                continue
            }
            var end = index + 1
            while end < events.endIndex && batchOfType[events[end].type] == number { end += 1 }
            try await batchHandlers[number](Array(events[index..<end]), connection)
            outcomes += Array(repeating: HandlingOutcome.handled, count: end - index)
            index = end
        }
        return outcomes
    }

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

/// One event type of a batch registered with `EventHandlers.onBatch(_:_:)`: how its payload becomes the
/// value the batch handler takes.
public struct BatchedType<Value: Sendable>: Sendable {
    /// The CloudEvents type.
    public let type: String
    let read: @Sendable (ReceivedEvent) throws -> Value

    /// Events of `event`'s type, decoded and turned into a `Value` by `transform`.
    public static func of<Event: DomainEvent>(_ event: Event.Type, _ transform: @escaping @Sendable (Event) -> Value) -> BatchedType {
        BatchedType(type: Event.eventType, read: { transform(try $0.payload(Event.self)) })
    }
}
