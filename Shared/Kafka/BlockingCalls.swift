import Synchronization
import Dispatch
import Foundation

/// Runs librdkafka's blocking calls (flush, close, admin requests, polling) on threads of their own,
/// never on Swift's cooperative pool, whose few threads must not be starved.
enum BlockingCalls {
    private static let queue = DispatchQueue(label: "lifeline.kafka.blocking", attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body() })
            }
        }
    }

    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: body())
            }
        }
    }
}

/// A dedicated thread that repeats one blocking step (a poll with a timeout) until stopped.
final class PollThread: Sendable {
    private final class Control: Sendable {
        let stopRequested = Atomic<Bool>(false)
        let finished = DispatchSemaphore(value: 0)
    }

    private let control = Control()

    init(name: String, step: @escaping @Sendable () -> Void) {
        let control = self.control
        let thread = Thread {
            while !control.stopRequested.load(ordering: .acquiring) {
                step()
            }
            control.finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Asks the loop to stop after its current step and waits until it has.
    func stop() async {
        let (exchanged, _) = control.stopRequested.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
        guard exchanged else { return }
        let control = self.control
        await BlockingCalls.run { control.finished.wait() }
    }
}
