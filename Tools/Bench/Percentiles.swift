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

/// The p99 of each 10-second window of scheduled send times, printed as `name_p99by10s=a/b/c` (ms; `-`
/// for a window nothing arrived from): shows whether a run's tail is spread over it or grows as it goes
/// (Tansu's in-memory log slows down as it fills, so a broker's latency late in a run can be many times
/// its latency early on).
struct WindowedTail {
    private var windows: [Int: [Double]] = [:]
    private let eventsPerWindow: Int
    private let firstIndex: Int
    private let windowCount: Int

    /// Windows of `rate × 10` events over `seconds`, counted from the event with index `firstIndex`.
    init(rate: Int, firstIndex: Int, seconds: Int) {
        eventsPerWindow = max(1, rate * 10)
        self.firstIndex = firstIndex
        windowCount = (seconds + 9) / 10
    }

    mutating func add(index: Int, latency: Double) {
        windows[(index - firstIndex) / eventsPerWindow, default: []].append(latency)
    }

    func field(_ name: String) -> String {
        "\(name)_p99by10s=" + (0..<windowCount).map { window in
            windows[window].map { String(format: "%.0f", Percentiles($0).value(0.99)) } ?? "-"
        }.joined(separator: "/")
    }
}
