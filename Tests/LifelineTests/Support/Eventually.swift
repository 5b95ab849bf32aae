import Foundation

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for: \(what)" }
}

/// Polls `check` until it returns a value, as end-to-end tests of an asynchronous system must.
func eventually<T>(
    _ what: String, timeout: Duration = .seconds(45), interval: Duration = .milliseconds(200),
    _ check: () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    var lastError: (any Error)?
    while ContinuousClock.now < deadline {
        do {
            if let value = try await check() { return value }
        } catch {
            lastError = error
        }
        try await Task.sleep(for: interval)
    }
    throw TimedOut(what: what + (lastError.map { " (last error: \($0))" } ?? ""))
}
