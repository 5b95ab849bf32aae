import LifelineRuntime

/// Bounds how many poster renderings (each a child process per PNG; a district ZIP hundreds in a row)
/// run at once, so that officials downloading posters together cannot take every core and thread of
/// intake. Further requests queue, up to `maximumWaiting`; beyond that they are told to come back (503).
actor RenderingGate {
    let limit: Int
    let maximumWaiting: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int, maximumWaiting: Int = 16) {
        precondition(limit > 0)
        self.limit = limit
        self.maximumWaiting = maximumWaiting
    }

    /// How many renderings run now (for tests and metrics).
    var runningCount: Int { running }

    /// Runs `work` once a slot is free.
    func run<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
        if running >= limit {
            guard waiting.count < maximumWaiting else {
                var error = APIError(status: .serviceUnavailable, code: "busy", message: "正在生成其他海报，请稍后再试")
                error.retryAfterSeconds = 10
                throw error
            }
            await withCheckedContinuation { waiting.append($0) }
        } else {
            running += 1
        }
        defer { release() }
        return try await work()
    }

    private func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()  // the slot passes straight to the next in line
        }
    }
}
