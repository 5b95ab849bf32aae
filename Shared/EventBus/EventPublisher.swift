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
            correlationId: correlationId ?? cause?.correlationId ?? cause?.id ?? RandomUUID.lowercasedString(),
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
                source: source, correlationId: cause?.correlationId ?? cause?.id ?? RandomUUID.lowercasedString(),
                traceparent: TraceContext.child(of: cause?.traceparent))
            var headers: [String: String] = [:]
            for header in CloudEventKafkaBinding.binaryHeaders(for: event) { headers[header.name] = header.value }
            entries.append(OutboxEntry(
                eventId: event.id, topic: Event.topic.name, partitionKey: payload.partitionKey, headers: headers, payload: event.data))
        }
        try await outbox.appendAll(entries, on: connection)
    }

    /// Writes events whose payloads a query builds, inside the caller's transaction: for bulk writers
    /// (a household import) that would otherwise read rows into Swift only to encode them again.
    ///
    /// `keys` selects the distinct partition keys (column `key`) and `rows` the events, with the columns
    /// `key`, `payload` (the event's JSON data as text, as `EventJSON` would write it) and `position`
    /// (the order to send them in). Each event gets a new id (a random UUID), which is also its
    /// correlation id (it has no cause), a new trace whose ids are derived from it (one strong random
    /// number per event: `gen_random_uuid()` showed in the cost of a bulk import), the headers of
    /// binary mode without a subject, and `time`. The per-key locks of `OutboxStore.append` are taken
    /// first, in byte order of the keys. An event larger than the outbox's maximum fails the call
    /// (`OutboxError.eventTooLarge`) and with it the caller's transaction. Returns the events written.
    ///
    /// - Important: `keys` and `rows` are inserted into the statements as given: never build them from input.
    public func publishBuilt<Event: DomainEvent>(
        _ type: Event.Type, keys: String, rows: String, on connection: PostgresConnection, time: Date = Date()
    ) async throws -> Int {
        try await connection.query("""
            SELECT count(pg_advisory_xact_lock(hashtext(\(outbox.lockNamespace) || key)))
            FROM (SELECT key FROM (\(unescaped: keys)) k ORDER BY key COLLATE "C") ordered
            """, logger: outbox.logger)
        var written = 0
        var largest = 0
        for try await (count, size) in try await connection.query("""
            WITH inserted AS (
                INSERT INTO outbox (event_id, topic, partition_key, headers, payload)
                SELECT e.id, \(Event.topic.name), e.key,
                    jsonb_build_object('ce_specversion', '1.0', 'ce_id', e.id, 'ce_source', \(source), 'ce_type', \(Event.eventType),
                        'ce_time', \(EventJSON.formatTimestamp(time)), 'content-type', 'application/json',
                        'ce_correlationid', e.id,
                        'ce_traceparent', '00-' || md5(e.id) || '-' || substr(replace(e.id, '-', ''), 1, 16) || '-01'),
                    convert_to(e.payload, 'UTF8')
                FROM (SELECT gen_random_uuid()::text AS id, r.key, r.payload, r.position FROM (\(unescaped: rows)) r) e
                ORDER BY e.position
                RETURNING octet_length(payload) + octet_length(headers::text) + octet_length(partition_key) AS size
            )
            SELECT count(*)::int8, coalesce(max(size), 0)::int8 FROM inserted
            """, logger: outbox.logger).decode((Int, Int).self) {
            written = count
            largest = size
        }
        guard largest <= outbox.maximumEventBytes else {
            throw OutboxError.eventTooLarge(type: Event.eventType, size: largest, maximum: outbox.maximumEventBytes)
        }
        if written > 0 { try await outbox.wakeRelayAfterCommit(on: connection) }
        return written
    }
}
