import Foundation
import Logging

/// Runs imports one after another in the background of this instance, so that a second upload waits
/// instead of competing for the same rows, and the HTTP request that submitted a file returns at once.
actor ImportQueue {
    private var tail: Task<Void, Never>?
    private var held: Set<String> = []

    /// Runs `work` for job `id` after every import queued before it.
    func enqueue(_ id: String, _ work: @escaping @Sendable () async -> Void) {
        held.insert(id)
        let previous = tail
        tail = Task {
            await previous?.value
            await work()
            self.release(id)
        }
    }

    private func release(_ id: String) {
        held.remove(id)
    }

    /// The jobs this instance has queued or is running.
    var heldJobs: [String] { Array(held) }

    /// Waits until everything queued so far has run (tests, the command line).
    func drain() async {
        await tail?.value
    }
}
