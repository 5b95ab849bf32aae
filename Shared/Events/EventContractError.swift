/// An event that does not follow its contract. Such an event can never be processed, so consumers send
/// it to their dead-letter topic. The reason names the field but never repeats its value.
public struct EventContractError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        public var description: String { raw }
        /// A required CloudEvents attribute is missing.
        public static let missingAttribute = Code("missing_attribute")
        /// An attribute has an invalid value.
        public static let invalidAttribute = Code("invalid_attribute")
        /// The event is not of the type the handler expected.
        public static let wrongType = Code("wrong_type")
        /// No handler of this consumer knows the event's type (its policy for unknown types says so).
        public static let unsupportedType = Code("unsupported_type")
        /// The payload does not decode into the contract's type.
        public static let invalidPayload = Code("invalid_payload")
    }

    /// What is wrong.
    public let code: Code
    /// The attribute or payload field concerned.
    public let field: String
    /// Why it is wrong.
    public let reason: String

    /// Creates an error.
    public init(code: Code, field: String, reason: String) {
        self.code = code
        self.field = field
        self.reason = reason
    }

    init(decoding error: DecodingError) {
        func path(_ context: DecodingError.Context) -> String {
            let joined = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return joined.isEmpty ? "data" : joined
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            self.init(code: .invalidPayload, field: parent == "data" ? key.stringValue : parent + "." + key.stringValue, reason: "is required")
        case .typeMismatch(let type, let context):
            self.init(code: .invalidPayload, field: path(context), reason: "must be of type \(type)")
        case .valueNotFound(let type, let context):
            self.init(code: .invalidPayload, field: path(context), reason: "must be a \(type), not null")
        case .dataCorrupted(let context):
            self.init(code: .invalidPayload, field: path(context), reason: "is not valid")
        @unknown default:
            self.init(code: .invalidPayload, field: "data", reason: "is not valid")
        }
    }

    public var description: String { "\(code): \(field) \(reason)" }
}
