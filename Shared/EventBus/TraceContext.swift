/// W3C trace context (`traceparent`) helpers: a new trace for an outside request, a child span for an
/// event caused by another.
public enum TraceContext {
    /// A new `traceparent` with a random trace id and span id, sampled.
    public static func newTraceparent() -> String {
        "00-\(randomHex(bytes: 16))-\(randomHex(bytes: 8))-01"
    }

    /// A `traceparent` in the same trace as `parent` with a new span id; a new trace if `parent` is not valid.
    public static func child(of parent: String?) -> String {
        guard let parent else { return newTraceparent() }
        let parts = parent.split(separator: "-")
        guard parts.count == 4, parts[1].count == 32, parts[2].count == 16 else { return newTraceparent() }
        return "00-\(parts[1])-\(randomHex(bytes: 8))-\(parts[3])"
    }

    /// `bytes` random bytes as lower-case hex, one system random call per 8 bytes (ids are made for
    /// every event of a bulk write: a call per byte showed in profiles).
    private static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        text.reserveCapacity(bytes * 2)
        var remaining = bytes
        while remaining > 0 {
            let word = generator.next()
            for index in 0..<min(8, remaining) {
                let byte = UInt8(truncatingIfNeeded: word >> (index * 8))
                text.append(Self.hexDigits[Int(byte >> 4)])
                text.append(Self.hexDigits[Int(byte & 0x0F)])
            }
            remaining -= 8
        }
        return text
    }

    private static let hexDigits = Array("0123456789abcdef")
}
