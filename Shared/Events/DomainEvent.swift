import Foundation

/// A typed event payload. Its type string carries a version (`….v1`): an incompatible change is a new
/// type, published beside the old one until every consumer has moved.
public protocol DomainEvent: Codable, Sendable {
    /// The CloudEvents `type`, for example `lifeline.intake.ApplicationSubmitted.v1`.
    static var eventType: String { get }
    /// The topic the event is published on.
    static var topic: EventTopic { get }
    /// The record key: the household id where a household is concerned, so its events stay in order.
    var partitionKey: String { get }
    /// The CloudEvents `subject`.
    var subject: String? { get }
    /// The payload as JSON (the CloudEvent's data): `EventJSON.encoder`'s output unless the event
    /// writes the same bytes faster by hand (`JSONText.ObjectWriter`), as events published in bulk do.
    func jsonData() throws -> [UInt8]
}

extension DomainEvent {
    public var subject: String? { nil }

    public func jsonData() throws -> [UInt8] {
        Array(try EventJSON.encoder.encode(self))
    }

    /// Wraps the payload in a CloudEvent from `source`.
    public func cloudEvent(source: String, correlationId: String? = nil, traceparent: String? = nil, time: Date = Date()) throws -> CloudEvent {
        CloudEvent(
            source: source, type: Self.eventType, time: time, subject: subject,
            data: try jsonData(), correlationId: correlationId, traceparent: traceparent
        )
    }
}
