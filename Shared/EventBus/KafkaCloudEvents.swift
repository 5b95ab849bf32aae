import LifelineEvents
import LifelineKafka

extension KafkaMessage {
    /// The record's headers as text, for the CloudEvents binding (later duplicates win).
    public var textHeaders: [String: String] {
        var result: [String: String] = [:]
        for header in headers {
            if let text = header.text { result[header.key] = text }
        }
        return result
    }

    /// Decodes the record as a CloudEvent in binary or structured mode.
    public func cloudEvent() throws -> CloudEvent {
        try CloudEventKafkaBinding.decode(headers: textHeaders, value: value)
    }
}

extension KafkaRecord {
    /// A binary-mode record for `event`.
    public init(topic: String, key: String?, event: CloudEvent) {
        self.init(
            topic: topic, key: key, value: event.data,
            headers: CloudEventKafkaBinding.binaryHeaders(for: event).map { KafkaHeader(key: $0.name, text: $0.value) }
        )
    }
}
