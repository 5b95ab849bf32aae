import CRdKafka

/// The librdkafka linked at run time and the minimum Lifeline accepts.
public enum LibrdkafkaVersion {
    /// 2.10.0 in librdkafka's hex encoding (0xMMmmrrxx).
    static let minimum: Int32 = 0x020A_0000

    /// The loaded library's version, for example "2.16.0".
    public static var loaded: String { String(cString: rd_kafka_version_str()) }

    /// Throws when the loaded librdkafka is older than 2.10, which cannot talk to Tansu and lacks fixes
    /// Lifeline relies on.
    public static func check() throws {
        guard rd_kafka_version() >= minimum else {
            throw KafkaError(
                code: .unsupportedLibrary,
                message: "librdkafka \(loaded) is loaded but Lifeline needs 2.10 or newer; "
                    + "run scripts/setup.sh and start the binary built by this package (it finds .deps/lib through RPATH), "
                    + "or put librdkafka.so.1 2.10+ beside the binary"
            )
        }
    }
}
