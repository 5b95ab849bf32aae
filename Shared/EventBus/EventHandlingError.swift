/// An error a handler throws to say whether its event can ever be processed.
public struct EventHandlingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: String
        /// Creates a code; services define their own as static members in extensions.
        public init(_ raw: String) { self.raw = raw }
        public var description: String { raw }
        /// The event refers to something that does not exist and never will.
        public static let unknownReference = Code("unknown_reference")
        /// The event's content breaks a business rule.
        public static let ruleViolation = Code("rule_violation")
        /// A dependency is temporarily unavailable.
        public static let temporarilyUnavailable = Code("temporarily_unavailable")
    }

    /// What went wrong.
    public let code: Code
    /// Why, without personal data (it goes to logs and dead-letter headers).
    public let reason: String
    /// Whether trying again later may succeed.
    public let isRetriable: Bool

    /// Creates an error.
    public init(code: Code, reason: String, isRetriable: Bool) {
        self.code = code
        self.reason = reason
        self.isRetriable = isRetriable
    }

    public var description: String { "\(code): \(reason)" }
}
