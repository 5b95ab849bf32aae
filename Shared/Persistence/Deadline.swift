import Synchronization

/// Work that must finish within a time limit, or be given up on.
///
/// A database call can hang rather than fail when the server goes away at the wrong moment. Such a call
/// would hold a consumer or the outbox relay for ever, and cancelling it does not help when the call
/// does not look at cancellation. `Deadline.run` runs the work in a task of its own and, when the limit
/// passes first, cancels it and returns `DeadlineExceeded` at once, leaving the task to end on its own.
/// Callers use it only for work that is safe to abandon: a database transaction that either commits or
/// rolls back, whose retry is recognised by the inbox.
public enum Deadline {
    /// Runs `body`, giving up after `limit`.
    public static func run<T: Sendable>(limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let outcome = Outcome<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                outcome.set(continuation)
                let work = Task {
                    do { outcome.finish(.success(try await body())) } catch { outcome.finish(.failure(error)) }
                }
                let timer = Task {
                    try? await Task.sleep(for: limit)
                    guard !Task.isCancelled else { return }
                    work.cancel()
                    outcome.finish(.failure(DeadlineExceeded(limit: limit)))
                }
                outcome.onFinish { timer.cancel() }
                outcome.onCancel { work.cancel() }
            }
        } onCancel: {
            outcome.cancel()
        }
    }

    /// The continuation of one `run`, resumed exactly once.
    private final class Outcome<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            var result: Result<T, any Error>?
            var finishHandlers: [@Sendable () -> Void] = []
            var cancelHandler: (@Sendable () -> Void)?
            var cancelled = false
        }

        private let state = Mutex(State())

        func set(_ continuation: CheckedContinuation<T, any Error>) {
            let ready = state.withLock { state -> Result<T, any Error>? in
                if let result = state.result { return result }
                state.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }

        func finish(_ result: Result<T, any Error>) {
            let (continuation, handlers) = state.withLock { state -> (CheckedContinuation<T, any Error>?, [@Sendable () -> Void]) in
                guard state.result == nil else { return (nil, []) }
                state.result = result
                defer { state.continuation = nil; state.finishHandlers = [] }
                return (state.continuation, state.finishHandlers)
            }
            continuation?.resume(with: result)
            handlers.forEach { $0() }
        }

        func onFinish(_ handler: @escaping @Sendable () -> Void) {
            let runNow = state.withLock { state -> Bool in
                guard state.result == nil else { return true }
                state.finishHandlers.append(handler)
                return false
            }
            if runNow { handler() }
        }

        func onCancel(_ handler: @escaping @Sendable () -> Void) {
            let runNow = state.withLock { state -> Bool in
                guard !state.cancelled else { return true }
                state.cancelHandler = handler
                return false
            }
            if runNow { handler() }
        }

        /// The caller was cancelled: cancel the work and return at once, whether or not it ends.
        func cancel() {
            let handler = state.withLock { state -> (@Sendable () -> Void)? in
                state.cancelled = true
                return state.cancelHandler
            }
            handler?()
            finish(.failure(CancellationError()))
        }
    }
}

/// Work given up on because it did not finish within its limit. Counts as the database being
/// unavailable: the work is tried again later.
public struct DeadlineExceeded: Error, Sendable, CustomStringConvertible {
    /// The limit that passed.
    public let limit: Duration

    /// Creates the error.
    public init(limit: Duration) {
        self.limit = limit
    }

    public var description: String { "no answer within \(limit)" }
}
