import Foundation
import LifelineEvents
import LifelinePersistence
import Logging

/// Publishes domain events through the transactional outbox: the event is written in the same
/// transaction as the state change that caused it and reaches Kafka only if that transaction commits.
public struct EventPublisher: Sendable {
    /// CloudEvents `source` of this service, for example `/lifeline/intake`.
    public let source: String
    private let outbox: OutboxStore

    /// Creates a publisher for a service.
    public init(source: String, outbox: OutboxStore) {
        self.source = source
        self.outbox = outbox
    }

    /// Writes `payload` to the outbox inside the caller's transaction and returns the CloudEvent.
    /// An event caused by another carries the cause's correlation id and a child span of its trace.
    /// `topic` overrides the event type's own topic (for tests and re-routing).
    @discardableResult
    public func publish<Event: DomainEvent>(
        _ payload: Event, to topic: String? = nil, on connection: PostgresConnection, causedBy cause: CloudEvent? = nil,
        correlationId: String? = nil
    ) async throws -> CloudEvent {
        let event = try payload.cloudEvent(
            source: source,
            correlationId: correlationId ?? cause?.correlationId ?? cause?.id ?? UUID().uuidString.lowercased(),
            traceparent: TraceContext.child(of: cause?.traceparent)
        )
        var headers: [String: String] = [:]
        for header in CloudEventKafkaBinding.binaryHeaders(for: event) { headers[header.name] = header.value }
        try await outbox.append(
            OutboxEntry(eventId: event.id, topic: topic ?? Event.topic.name, partitionKey: payload.partitionKey, headers: headers, payload: event.data),
            on: connection
        )
        return event
    }

    /// Writes many events to the outbox inside the caller's transaction, in order, with a few
    /// statements whatever their number (bulk imports). Each event gets its own correlation id, or
    /// the cause's when the events were caused by one (and then a child span of its trace).
    public func publishAll<Event: DomainEvent>(_ payloads: [Event], on connection: PostgresConnection, causedBy cause: CloudEvent? = nil) async throws {
        try await publishAll(payloads.map { ($0, cause) }, on: connection)
    }

    /// Writes many events to the outbox inside the caller's transaction, in order, with a few
    /// statements whatever their number, each caused by its own event (a batch of consumed events).
    public func publishAll<Event: DomainEvent>(_ caused: [(payload: Event, cause: CloudEvent?)], on connection: PostgresConnection) async throws {
        guard !caused.isEmpty else { return }
        var entries: [OutboxEntry] = []
        entries.reserveCapacity(caused.count)
        for (payload, cause) in caused {
            let event = try payload.cloudEvent(
                source: source, correlationId: cause?.correlationId ?? cause?.id ?? UUID().uuidString.lowercased(),
                traceparent: TraceContext.child(of: cause?.traceparent))
            var headers: [String: String] = [:]
            for header in CloudEventKafkaBinding.binaryHeaders(for: event) { headers[header.name] = header.value }
            entries.append(OutboxEntry(
                eventId: event.id, topic: Event.topic.name, partitionKey: payload.partitionKey, headers: headers, payload: event.data))
        }
        try await outbox.appendAll(entries, on: connection)
    }
}
