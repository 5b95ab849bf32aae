import Foundation
import Logging

/// Runs imports one after another in the background of this instance, so that a second upload waits
/// instead of competing for the same rows, and the HTTP request that submitted a file returns at once.
actor ImportQueue {
    private var tail: Task<Void, Never>?

    /// Runs `work` after every import queued before it.
    func enqueue(_ work: @escaping @Sendable () async -> Void) {
        let previous = tail
        tail = Task {
            await previous?.value
            await work()
        }
    }

    /// Waits until everything queued so far has run (tests, the command line).
    func drain() async {
        await tail?.value
    }
}
