import Foundation
import LifelineEvents
import LifelineKafka
import Logging
import Metrics

/// Sends messages that can never be processed to the consumer group's dead-letter topic,
/// `<group>.deadletter`, unchanged, with the reason in `dlq_*` headers. Keeps trying while the broker
/// is unreachable: the offset is stored only once the dead letter is confirmed.
public struct DeadLetterPublisher: Sendable {
    private let producer: KafkaProducer
    private let group: String
    private let logger: Logger
    private let counter: Counter

    /// Creates a publisher for a consumer group.
    public init(producer: KafkaProducer, group: String, logger: Logger) {
        self.producer = producer
        self.group = group
        self.logger = logger
        self.counter = Counter(label: "lifeline_dlq_messages_total", dimensions: [("group", group)])
    }

    /// The dead-letter topic's name.
    public var topic: String { EventTopic.deadLetter(forGroup: group).name }

    /// Publishes `message` with `reason` (which must carry no personal data).
    public func publish(_ message: KafkaMessage, errorCode: String, reason: String, attempts: Int) async throws {
        var headers = message.headers
        headers.append(contentsOf: [
            KafkaHeader(key: "dlq_reason", text: String(reason.prefix(1000))),
            KafkaHeader(key: "dlq_error_code", text: errorCode),
            KafkaHeader(key: "dlq_original_topic", text: message.topic),
            KafkaHeader(key: "dlq_original_partition", text: String(message.partition)),
            KafkaHeader(key: "dlq_original_offset", text: String(message.offset)),
            KafkaHeader(key: "dlq_consumer_group", text: group),
            KafkaHeader(key: "dlq_attempts", text: String(attempts)),
            KafkaHeader(key: "dlq_failed_at", text: EventJSON.formatTimestamp(Date())),
        ])
        let record = KafkaRecord(topic: topic, key: message.key, value: message.value, headers: headers)
        var attempt = 0
        while true {
            attempt += 1
            do {
                try await producer.send(record)
                counter.increment()
                logger.error("message dead-lettered", metadata: [
                    "kafka.topic": "\(message.topic)", "kafka.partition": "\(message.partition)", "kafka.offset": "\(message.offset)",
                    "dlq.error_code": "\(errorCode)", "dlq.reason": "\(reason.prefix(300))",
                ])
                return
            } catch {
                try Task.checkCancellation()
                logger.warning("dead-letter send failed; retrying", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                try await Task.sleep(for: .milliseconds(min(5_000, 100 * (1 << min(attempt, 6)))))
            }
        }
    }
}
