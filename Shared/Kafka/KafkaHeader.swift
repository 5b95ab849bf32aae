/// One Kafka record header. CloudEvents attributes travel as `ce_*` headers.
public struct KafkaHeader: Sendable, Hashable {
    /// The header name.
    public var key: String
    /// The header value; `nil` is a header without a value.
    public var value: [UInt8]?

    /// Creates a header from raw bytes.
    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }

    /// Creates a header whose value is UTF-8 text.
    public init(key: String, text: String) {
        self.key = key
        self.value = Array(text.utf8)
    }

    /// The value decoded as UTF-8, if it is valid UTF-8.
    public var text: String? {
        value.flatMap { String(validating: $0, as: UTF8.self) }
    }
}

extension Array where Element == KafkaHeader {
    /// The text of the first header with this name.
    public func text(for key: String) -> String? {
        first { $0.key == key }?.text
    }
}
