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

    private static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        for _ in 0..<bytes {
            let byte = UInt8.random(in: 0...255, using: &generator)
            text += String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }
        return text
    }
}
