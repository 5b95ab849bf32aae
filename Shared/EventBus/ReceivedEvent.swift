import LifelineEvents
import LifelineKafka

/// An event delivered to a handler, with where it came from.
public struct ReceivedEvent: Sendable {
    /// The decoded CloudEvent.
    public var event: CloudEvent
    /// The Kafka message it came in.
    public var message: KafkaMessage

    /// Creates a received event.
    public init(event: CloudEvent, message: KafkaMessage) {
        self.event = event
        self.message = message
    }

    /// Decodes the payload as `Event` (throws `EventContractError` if it does not match).
    public func payload<Event: DomainEvent>(_ type: Event.Type) throws -> Event {
        try event.decode(type)
    }

    /// The CloudEvents type.
    public var type: String { event.type }
}
