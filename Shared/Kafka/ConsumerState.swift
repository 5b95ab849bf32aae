import Logging
import NIOCore
import Synchronization

/// The consumer's shared state: the Swift-side buffer, the one waiting reader, and whether partitions
/// are paused for back-pressure. Mutated by the poll thread and by the reading task, under a lock.
final class ConsumerState: Sendable {
    enum FlowAction { case none, pause, resume }

    private struct State {
        var buffer = CircularBuffer<KafkaMessage>(initialCapacity: 64)
        var waiting: CheckedContinuation<KafkaMessage?, Never>?
        var paused = false
        var finished = false
        var assignment: Set<KafkaTopicPartition> = []
    }

    private let state = Mutex(State())
    let highWater: Int
    let lowWater: Int
    let logger: Logger

    init(maxBuffered: Int, logger: Logger) {
        self.logger = logger
        highWater = max(1, maxBuffered)
        lowWater = max(0, maxBuffered / 2)
    }

    /// Decides, before each poll, whether to pause or resume fetching.
    func flowAction() -> FlowAction {
        state.withLock { state in
            if !state.paused && state.buffer.count >= highWater {
                state.paused = true
                return .pause
            }
            if state.paused && state.buffer.count <= lowWater {
                state.paused = false
                return .resume
            }
            return .none
        }
    }

    /// Hands a fetched message to the waiting reader or buffers it.
    func deliver(_ message: KafkaMessage) {
        let continuation: CheckedContinuation<KafkaMessage?, Never>? = state.withLock { state in
            guard !state.finished else { return nil }
            if let waiting = state.waiting {
                state.waiting = nil
                return waiting
            }
            state.buffer.append(message)
            return nil
        }
        continuation?.resume(returning: message)
    }

    /// The next message, waiting for one if necessary; `nil` once the consumer is closing or the
    /// reading task is cancelled.
    func next() async -> KafkaMessage? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate: KafkaMessage?? = state.withLock { state in
                    if let message = state.buffer.popFirst() { return .some(message) }
                    if state.finished || Task.isCancelled { return .some(nil) }
                    precondition(state.waiting == nil, "KafkaConsumer.messages supports one reader")
                    state.waiting = continuation
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiting = state.withLock { state -> CheckedContinuation<KafkaMessage?, Never>? in
                defer { state.waiting = nil }
                return state.waiting
            }
            waiting?.resume(returning: nil)
        }
    }

    func finish() {
        let continuation = state.withLock { state -> CheckedContinuation<KafkaMessage?, Never>? in
            state.finished = true
            state.buffer.removeAll()
            defer { state.waiting = nil }
            return state.waiting
        }
        continuation?.resume(returning: nil)
    }

    func assigned(_ partitions: [KafkaTopicPartition]) {
        let total = state.withLock { state in
            state.assignment.formUnion(partitions)
            state.paused = false
            return state.assignment.count
        }
        logger.info("partitions assigned", metadata: ["kafka.assigned": "\(partitions.count)", "kafka.assignment": "\(total)"])
    }

    /// Forgets revoked partitions and drops their buffered messages: the new owner reads them again.
    func revoked(_ partitions: [KafkaTopicPartition]) {
        logger.info("partitions revoked", metadata: ["kafka.revoked": "\(partitions.count)"])
        state.withLock { state in
            let revoked = Set(partitions)
            state.assignment.subtract(revoked)
            state.buffer.removeAll { revoked.contains($0.topicPartition) }
            state.paused = false
        }
    }

    var assignment: Set<KafkaTopicPartition> { state.withLock { $0.assignment } }
    var bufferedCount: Int { state.withLock { $0.buffer.count } }
    var isPaused: Bool { state.withLock { $0.paused } }
}
