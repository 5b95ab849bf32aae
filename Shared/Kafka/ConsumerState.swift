import Logging
import NIOCore
import Synchronization

/// The consumer's shared state: the bounded Swift-side buffer, the one waiting reader, and whether
/// partitions are paused. Mutated by the poll thread and by the reading task, under one lock per batch.
///
/// Back-pressure is the bounded buffer: when it is full the poll thread stops polling and waits for
/// room. Only when the reader has made no room for `pauseAfter` (an outage, not a busy moment) are the
/// partitions paused, and they resume once the buffer is half empty. Pausing on every full buffer
/// would make librdkafka drop and refetch its prefetched messages again and again.
final class ConsumerState: Sendable {
    enum FlowAction: Equatable { case poll, waitForRoom, pause, resume }

    private struct State {
        var buffer = CircularBuffer<KafkaMessage>(initialCapacity: 256)
        var waiting: (continuation: CheckedContinuation<[KafkaMessage]?, Never>, maximum: Int)?
        var paused = false
        var finished = false
        var fullSince: ContinuousClock.Instant?
        var assignment: Set<KafkaTopicPartition> = []
    }

    private let state = Mutex(State())
    let capacity: Int
    let lowWater: Int
    let pauseAfter: Duration
    let logger: Logger

    init(maxBuffered: Int, pauseAfter: Duration = .milliseconds(500), logger: Logger) {
        self.logger = logger
        self.pauseAfter = pauseAfter
        capacity = max(1, maxBuffered)
        lowWater = max(0, maxBuffered / 2)
    }

    /// Decides, before each poll, whether to poll, wait for room, pause or resume fetching.
    func flowAction(now: ContinuousClock.Instant = .now) -> FlowAction {
        state.withLock { state in
            if state.paused {
                guard state.buffer.count <= lowWater else { return .poll }  // paused: poll serves callbacks only
                state.paused = false
                return .resume
            }
            guard state.buffer.count >= capacity else {
                state.fullSince = nil
                return .poll
            }
            let since = state.fullSince ?? now
            state.fullSince = since
            guard now - since >= pauseAfter else { return .waitForRoom }
            state.paused = true
            state.fullSince = nil
            return .pause
        }
    }

    /// Hands fetched messages to the waiting reader (as one batch) or buffers them.
    func deliver(_ messages: [KafkaMessage]) {
        guard !messages.isEmpty else { return }
        let handOver: (CheckedContinuation<[KafkaMessage]?, Never>, [KafkaMessage])? = state.withLock { state in
            guard !state.finished else { return nil }
            state.buffer.append(contentsOf: messages)
            guard let waiting = state.waiting else { return nil }
            state.waiting = nil
            return (waiting.continuation, Self.take(&state.buffer, maximum: waiting.maximum))
        }
        if let (continuation, batch) = handOver { continuation.resume(returning: batch) }
    }

    private static func take(_ buffer: inout CircularBuffer<KafkaMessage>, maximum: Int) -> [KafkaMessage] {
        let count = min(maximum, buffer.count)
        var batch: [KafkaMessage] = []
        batch.reserveCapacity(count)
        for _ in 0..<count { batch.append(buffer.removeFirst()) }
        return batch
    }

    /// The messages waiting, at most `maximum` and at least one, waiting for one if necessary; `nil`
    /// once the consumer is closing or the reading task is cancelled.
    func nextBatch(maximum: Int) async -> [KafkaMessage]? {
        let maximum = max(1, maximum)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate: [KafkaMessage]?? = state.withLock { state in
                    if !state.buffer.isEmpty { return .some(Self.take(&state.buffer, maximum: maximum)) }
                    if state.finished || Task.isCancelled { return .some(nil) }
                    precondition(state.waiting == nil, "KafkaConsumer supports one reader")
                    state.waiting = (continuation, maximum)
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiting = state.withLock { state -> CheckedContinuation<[KafkaMessage]?, Never>? in
                defer { state.waiting = nil }
                return state.waiting?.continuation
            }
            waiting?.resume(returning: nil)
        }
    }

    func finish() {
        let continuation = state.withLock { state -> CheckedContinuation<[KafkaMessage]?, Never>? in
            state.finished = true
            state.buffer.removeAll()
            defer { state.waiting = nil }
            return state.waiting?.continuation
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
