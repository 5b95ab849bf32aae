import CRdKafka

/// An error from the Kafka layer. `code` says what failed; `isRetriable` whether trying again may
/// succeed; `isFatal` whether the client is unusable and must be recreated.
///
/// The message never carries message payloads or keys, so it is safe to log.
public struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        public var description: String { raw }

        /// A configuration property was rejected by librdkafka.
        public static let configuration = Code("configuration")
        /// The librdkafka loaded at run time is too old.
        public static let unsupportedLibrary = Code("unsupported_library")
        /// librdkafka refused to create a client handle.
        public static let clientCreation = Code("client_creation")
        /// A message could not be enqueued for sending.
        public static let produce = Code("produce")
        /// The producer's local queue is full; retry after a short pause.
        public static let queueFull = Code("queue_full")
        /// The broker did not confirm a message.
        public static let delivery = Code("delivery")
        /// Subscribing or polling failed.
        public static let consume = Code("consume")
        /// Storing a consumed offset failed (usually: the partition was revoked meanwhile).
        public static let offsetStore = Code("offset_store")
        /// An admin request (create topics, metadata) failed.
        public static let admin = Code("admin")
        /// The client was already shut down.
        public static let shutdown = Code("shutdown")
    }

    /// What failed.
    public let code: Code
    /// A human-readable explanation without any message content.
    public let message: String
    /// Whether the same call may succeed later.
    public let isRetriable: Bool
    /// Whether the client handle is unusable.
    public let isFatal: Bool
    /// librdkafka's numeric error code, when the failure came from librdkafka.
    public let librdkafkaCode: Int32?

    /// Creates an error.
    public init(code: Code, message: String, isRetriable: Bool = false, isFatal: Bool = false, librdkafkaCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.isRetriable = isRetriable
        self.isFatal = isFatal
        self.librdkafkaCode = librdkafkaCode
    }

    public var description: String {
        "KafkaError(\(code)): \(message)"
    }

    /// Builds an error from a librdkafka response code, classifying it as retriable unless it is known
    /// to be permanent.
    static func fromResponse(_ err: rd_kafka_resp_err_t, code: Code, context: String) -> KafkaError {
        let text = String(cString: rd_kafka_err2str(err))
        return KafkaError(
            code: err == RD_KAFKA_RESP_ERR__QUEUE_FULL ? .queueFull : code,
            message: "\(context): \(text)",
            isRetriable: !permanentErrors.contains(err.rawValue),
            isFatal: err == RD_KAFKA_RESP_ERR__FATAL,
            librdkafkaCode: err.rawValue
        )
    }

    /// Failures that no retry can fix.
    private static let permanentErrors: Set<Int32> = [
        RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE.rawValue,
        RD_KAFKA_RESP_ERR_INVALID_MSG.rawValue,
        RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue,
        RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED.rawValue,
        RD_KAFKA_RESP_ERR_INVALID_RECORD.rawValue,
        RD_KAFKA_RESP_ERR__FATAL.rawValue,
    ]
}
