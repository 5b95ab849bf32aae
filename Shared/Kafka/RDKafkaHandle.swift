import CRdKafka

/// Owns one `rd_kafka_t`. Internal: the C API never leaves this module.
final class RDKafkaHandle: @unchecked Sendable {
    let pointer: OpaquePointer

    init(pointer: OpaquePointer) {
        self.pointer = pointer
    }

    /// Creates a client of the given type from properties; `opaque` is passed to every callback.
    static func make(
        type: rd_kafka_type_t,
        properties: [String: String],
        opaque: UnsafeMutableRawPointer?,
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws -> RDKafkaHandle {
        try LibrdkafkaVersion.check()
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(code: .clientCreation, message: "rd_kafka_conf_new failed")
        }
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            let result = rd_kafka_conf_set(conf, key, value, &errorText, errorText.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(code: .configuration, message: "property \(key): \(errorText.nulTerminatedText)")
            }
        }
        rd_kafka_conf_set_opaque(conf, opaque)
        configure(conf)
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(code: .clientCreation, message: errorText.nulTerminatedText)
        }
        return RDKafkaHandle(pointer: handle)
    }

    /// Names of the topics the brokers report; blocking, so call it through `BlockingCalls`.
    func topicNames(timeoutMilliseconds: Int32) throws -> Set<String> {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(pointer, 1, nil, &metadata, timeoutMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError.fromResponse(err, code: .admin, context: "metadata request")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        var names = Set<String>()
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let topic = metadata.pointee.topics[index]
            if topic.err == RD_KAFKA_RESP_ERR_NO_ERROR { names.insert(String(cString: topic.topic)) }
        }
        return names
    }

    /// Asks the brokers for cluster metadata; blocking, so call it through `BlockingCalls`.
    func fetchMetadata(timeoutMilliseconds: Int32) throws -> Int {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(pointer, 1, nil, &metadata, timeoutMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError.fromResponse(err, code: .admin, context: "metadata request")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        return Int(metadata.pointee.broker_cnt)
    }
}

extension Array where Element == CChar {
    /// The NUL-terminated text librdkafka wrote into an error buffer.
    var nulTerminatedText: String {
        String(decoding: prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
