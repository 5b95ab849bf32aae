import CRdKafka
import Synchronization

/// The outcome of one produced record, fulfilled by the delivery callback on the poll thread.
final class DeliveryPromise: Sendable {
    private enum State {
        case pending(CheckedContinuation<KafkaDeliveryReport, any Error>?)
        case done(Result<KafkaDeliveryReport, any Error>)
    }

    private let state = Mutex(State.pending(nil))

    func fulfil(_ result: Result<KafkaDeliveryReport, any Error>) {
        let waiting: CheckedContinuation<KafkaDeliveryReport, any Error>? = state.withLock { state in
            guard case .pending(let continuation) = state else { return nil }
            state = .done(result)
            return continuation
        }
        waiting?.resume(with: result)
    }

    /// Waits for the delivery report. On cancellation the wait ends with `CancellationError`; the record
    /// may still be delivered (the outbox treats it as unsent and sends it again).
    func wait() async throws -> KafkaDeliveryReport {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let ready: Result<KafkaDeliveryReport, any Error>? = state.withLock { state in
                    switch state {
                    case .done(let result): return result
                    case .pending:
                        if Task.isCancelled { return .failure(CancellationError()) }
                        state = .pending(continuation)
                        return nil
                    }
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            let waiting = state.withLock { state -> CheckedContinuation<KafkaDeliveryReport, any Error>? in
                guard case .pending(let continuation) = state else { return nil }
                state = .pending(nil)
                return continuation
            }
            waiting?.resume(throwing: CancellationError())
        }
    }
}

/// Promises waiting for delivery reports, keyed by the per-message opaque id.
final class DeliveryRegistry: Sendable {
    private struct State {
        var nextId: UInt = 1
        var waiting: [UInt: DeliveryPromise] = [:]
    }

    private let state = Mutex(State())

    func register(_ promise: DeliveryPromise) -> UInt {
        state.withLock { state in
            let id = state.nextId
            state.nextId &+= 1
            if state.nextId == 0 { state.nextId = 1 }
            state.waiting[id] = promise
            return id
        }
    }

    func take(_ id: UInt) -> DeliveryPromise? {
        state.withLock { $0.waiting.removeValue(forKey: id) }
    }

    var pendingCount: Int { state.withLock { $0.waiting.count } }

    /// Fails every promise still waiting (the producer is gone; no report will come).
    func failAll(with error: KafkaError) {
        let promises = state.withLock { state -> [DeliveryPromise] in
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
        promises.forEach { $0.fulfil(.failure(error)) }
    }

    /// Called by librdkafka for every produced message, on the poll thread.
    static let callback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        _, message, opaque in
        guard let message, let opaque else { return }
        let registry = Unmanaged<DeliveryRegistry>.fromOpaque(opaque).takeUnretainedValue()
        let id = UInt(bitPattern: message.pointee._private)
        guard let promise = registry.take(id) else { return }
        let err = message.pointee.err
        if err == RD_KAFKA_RESP_ERR_NO_ERROR {
            let topic = String(cString: rd_kafka_topic_name(message.pointee.rkt))
            promise.fulfil(.success(KafkaDeliveryReport(topic: topic, partition: message.pointee.partition, offset: message.pointee.offset)))
        } else {
            promise.fulfil(.failure(KafkaError.fromResponse(err, code: .delivery, context: "delivery failed")))
        }
    }
}
