import Foundation

/// A CloudEvents 1.0 event as Lifeline sends it over Kafka.
///
/// In binary mode (what Lifeline's services write) attributes travel as `ce_*` headers and `data` is
/// the record value; structured mode (`application/cloudevents+json`, written by outside systems such
/// as the 12345 hotline) carries everything in the JSON value. See `CloudEventKafkaBinding`.
public struct CloudEvent: Sendable, Hashable {
    /// Unique per event; consumers use it to recognise redeliveries (inbox).
    public var id: String
    /// Who produced it, for example `/lifeline/intake`.
    public var source: String
    /// What happened, with a version, for example `lifeline.intake.ApplicationSubmitted.v1`.
    public var type: String
    /// Always "1.0".
    public var specVersion: String
    /// When it happened.
    public var time: Date
    /// What it is about (an application number, a case id), when useful for routing.
    public var subject: String?
    /// Media type of `data`.
    public var dataContentType: String
    /// The payload.
    public var data: [UInt8]
    /// Ties together every event caused by one original request (extension `correlationid`).
    public var correlationId: String?
    /// W3C trace context (extension `traceparent`).
    public var traceparent: String?

    /// Creates an event.
    public init(
        id: String = RandomUUID.lowercasedString(), source: String, type: String, time: Date = Date(),
        subject: String? = nil, dataContentType: String = "application/json", data: [UInt8],
        correlationId: String? = nil, traceparent: String? = nil
    ) {
        self.id = id
        self.source = source
        self.type = type
        self.specVersion = "1.0"
        self.time = time
        self.subject = subject
        self.dataContentType = dataContentType
        self.data = data
        self.correlationId = correlationId
        self.traceparent = traceparent
    }

    /// Decodes `data` as the typed payload `Event`.
    public func decode<Event: DomainEvent>(_: Event.Type) throws -> Event {
        guard type == Event.eventType else {
            throw EventContractError(code: .wrongType, field: "ce_type", reason: "expected \(Event.eventType), got \(type)")
        }
        do {
            return try EventJSON.decoder.decode(Event.self, from: Data(data))
        } catch let error as DecodingError {
            throw EventContractError(decoding: error)
        }
    }
}
