/// Latency percentiles of one run, in milliseconds, printed as `name_p50=… name_p90=…`.
struct Percentiles {
    let sorted: [Double]

    init(_ values: [Double]) {
        sorted = values.sorted()
    }

    func value(_ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    func fields(_ name: String) -> String {
        [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p999", 0.999)]
            .map { "\(name)_\($0.0)=\(String(format: "%.2f", value($0.1)))" }
            .joined(separator: " ") + " \(name)_max=\(String(format: "%.2f", sorted.last ?? .nan))"
    }
}

/// Sends on a schedule, whatever the answers: each send starts at its scheduled time (open loop), and
/// latency is counted from that scheduled time.
enum OpenLoop {
    /// Calls `send(index, scheduledNanos)` at `rate` per second for `seconds`.
    static func run(rate: Int, seconds: Int, _ send: @escaping @Sendable (Int, UInt64) -> Void) async throws {
        let start = now()
        let interval = 1_000_000_000 / UInt64(rate)
        for index in 0..<(rate * seconds) {
            let scheduled = start + UInt64(index) * interval
            let current = now()
            if scheduled > current { try await Task.sleep(for: .nanoseconds(Int(scheduled - current))) }
            send(index, scheduled)
        }
    }
}
