import Synchronization

/// Wakes one waiting task; a signal that arrives while nobody waits is kept until the next wait.
/// One task waits at a time (the outbox relay, or a consumer backing off).
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Creates a signal with nothing pending.
    public init() {}

    /// Wakes the waiting task, or keeps the signal for the next wait.
    public func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns on a signal or after `timeout`, whichever comes first (or at once on cancellation).
    public func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForSignal() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Waits for a signal until cancelled. A cancelled wait never leaves its continuation behind: if the
    /// cancellation comes before the continuation is registered, the registration sees it (the flag is
    /// set before the handler runs, and both look under the lock) and returns; if after, the handler
    /// resumes it. (An earlier version could register after the handler had run and then wait for a
    /// signal that, for LISTEN/NOTIFY, might never come: the relay stopped sending.)
    private func waitForSignal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    if Task.isCancelled { return true }
                    assert(state.waiter == nil, "WakeSignal supports one waiter at a time")
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
