import Synchronization
import CRdKafka
import Logging
import ServiceLifecycle

/// An idempotent producer (acks=all) whose `send` returns only after the broker confirmed the record.
///
/// Delivery reports are served by a dedicated poll thread. Run it as a `Service` so graceful shutdown
/// flushes outstanding records before the handle is destroyed; or call `shutdown()` yourself.
public final class KafkaProducer: Service, Sendable {
    private let handle: RDKafkaHandle
    private let registry: DeliveryRegistry
    private let pollThread: PollThread
    private let logger: Logger
    private let state = Mutex(ProducerLifecycle.running)

    private enum ProducerLifecycle { case running, shuttingDown, shutDown }

    /// Creates the producer and starts its poll thread.
    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws {
        let registry = DeliveryRegistry()
        let handle = try RDKafkaHandle.make(
            type: RD_KAFKA_PRODUCER,
            properties: configuration.properties,
            opaque: Unmanaged.passUnretained(registry).toOpaque()
        ) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, DeliveryRegistry.callback)
        }
        self.registry = registry
        self.handle = handle
        self.logger = logger
        self.pollThread = PollThread(name: "kafka-producer-poll") {
            rd_kafka_poll(handle.pointer, 100)
        }
    }

    deinit {
        rd_kafka_destroy(handle.pointer)
    }

    /// Sends a record and waits for the broker's acknowledgement. Waits briefly and tries again while
    /// librdkafka's local queue is full.
    @discardableResult
    public func send(_ record: KafkaRecord) async throws -> KafkaDeliveryReport {
        try await enqueueWaitingForRoom(record).wait()
    }

    /// Enqueues the records strictly in the given order (so records with the same key keep their order
    /// in the partition), then waits for every delivery report; results are in the same order.
    public func sendAll(_ records: [KafkaRecord]) async -> [Result<KafkaDeliveryReport, any Error>] {
        var promises: [Result<DeliveryPromise, any Error>] = []
        promises.reserveCapacity(records.count)
        for record in records {
            do { promises.append(.success(try await enqueueWaitingForRoom(record))) } catch { promises.append(.failure(error)) }
        }
        var results: [Result<KafkaDeliveryReport, any Error>] = []
        results.reserveCapacity(records.count)
        for promise in promises {
            switch promise {
            case .success(let promise):
                do { results.append(.success(try await promise.wait())) } catch { results.append(.failure(error)) }
            case .failure(let error):
                results.append(.failure(error))
            }
        }
        return results
    }

    /// Checks that at least one broker answers a metadata request.
    public func checkBrokers(timeout: Duration = .seconds(2)) async throws {
        let milliseconds = Int32(timeout.components.seconds * 1000)
        _ = try await BlockingCalls.run { [handle] in try handle.fetchMetadata(timeoutMilliseconds: milliseconds) }
    }

    /// Number of records waiting for a delivery report.
    public var inFlightCount: Int { registry.pendingCount }

    /// Runs until graceful shutdown, then flushes and stops.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Flushes outstanding records (up to `timeout`), then stops the poll thread. Later sends fail.
    public func shutdown(timeout: Duration = .seconds(10)) async {
        let shouldFlush = state.withLock { state -> Bool in
            guard state == .running else { return false }
            state = .shuttingDown
            return true
        }
        guard shouldFlush else { return }
        let milliseconds = Int32(timeout.components.seconds * 1000)
        let result = await BlockingCalls.run { [handle] in rd_kafka_flush(handle.pointer, milliseconds) }
        if result != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("producer flush did not finish", metadata: ["kafka.pending": "\(registry.pendingCount)"])
        }
        await pollThread.stop()
        registry.failAll(with: KafkaError(code: .shutdown, message: "producer shut down before the broker confirmed", isRetriable: true))
        state.withLock { $0 = .shutDown }
    }

    private func enqueueWaitingForRoom(_ record: KafkaRecord) async throws -> DeliveryPromise {
        while true {
            do {
                return try enqueue(record)
            } catch let error as KafkaError where error.code == .queueFull {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    private func enqueue(_ record: KafkaRecord) throws -> DeliveryPromise {
        guard state.withLock({ $0 == .running }) else {
            throw KafkaError(code: .shutdown, message: "producer is shut down")
        }
        let promise = DeliveryPromise()
        let id = registry.register(promise)
        if let error = enqueue(record, opaque: UnsafeMutableRawPointer(bitPattern: id)) {
            _ = registry.take(id)
            throw error
        }
        return promise
    }

    /// Hands the record to librdkafka (which copies key and value). Returns the error, if any.
    private func enqueue(_ record: KafkaRecord, opaque: UnsafeMutableRawPointer?) -> KafkaError? {
        let headers = makeHeaders(record.headers)
        let error: OpaquePointer? = record.topic.withCString { topic in
            record.value.withUnsafeBytes { value in
                withOptionalBytes(record.key) { key in
                    var values = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: 6)
                    values[0].vtype = RD_KAFKA_VTYPE_TOPIC
                    values[0].u.cstr = topic
                    values[1].vtype = RD_KAFKA_VTYPE_VALUE
                    values[1].u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                    values[1].u.mem.size = value.count
                    values[2].vtype = RD_KAFKA_VTYPE_KEY
                    values[2].u.mem.ptr = UnsafeMutableRawPointer(mutating: key?.baseAddress)
                    values[2].u.mem.size = key?.count ?? 0
                    values[3].vtype = RD_KAFKA_VTYPE_OPAQUE
                    values[3].u.ptr = opaque
                    values[4].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                    values[4].u.i = RD_KAFKA_MSG_F_COPY
                    values[5].vtype = RD_KAFKA_VTYPE_HEADERS
                    values[5].u.headers = headers
                    return rd_kafka_produceva(handle.pointer, &values, values.count)
                }
            }
        }
        guard let error else { return nil }  // on success librdkafka owns the headers
        defer { rd_kafka_error_destroy(error) }
        rd_kafka_headers_destroy(headers)
        let code = rd_kafka_error_code(error)
        return KafkaError.fromResponse(code, code: .produce, context: "enqueue to \(record.topic)")
    }

    private func makeHeaders(_ headers: [KafkaHeader]) -> OpaquePointer? {
        let list = rd_kafka_headers_new(headers.count)
        for header in headers {
            if let value = header.value {
                value.withUnsafeBytes { bytes in
                    _ = rd_kafka_header_add(list, header.key, -1, bytes.baseAddress, bytes.count)
                }
            } else {
                _ = rd_kafka_header_add(list, header.key, -1, nil, 0)
            }
        }
        return list
    }
}

func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}
