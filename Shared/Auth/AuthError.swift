/// Why a request was not let in. Never carries the token itself.
public struct AuthError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What failed.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        public var description: String { raw }
        /// No `Authorization: Bearer` header.
        public static let missingToken = Code("missing_token")
        /// Bad signature, malformed token, or claims that fail validation.
        public static let invalidToken = Code("invalid_token")
        /// The token has expired.
        public static let expiredToken = Code("expired_token")
        /// Valid token, but the role or region does not allow this.
        public static let forbidden = Code("forbidden")
        /// A key could not be loaded.
        public static let keyUnavailable = Code("key_unavailable")
    }

    /// What failed.
    public let code: Code
    /// Explanation for the caller.
    public let message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// Whether this is an authentication failure (401) rather than an authorisation failure (403).
    public var isUnauthenticated: Bool { code != .forbidden }

    public var description: String { "\(code): \(message)" }
}
