import CRdKafka
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization

/// A consumer-group member. A dedicated poll thread fetches messages in batches into a bounded
/// Swift-side buffer (one lock and at most one reader wake-up per batch); when the buffer stays full it
/// stops fetching and, after a while, pauses the assigned partitions, so neither side's memory grows
/// without limit.
///
/// Offsets are stored only by `storeOffset(for:)`, after the message's work committed; librdkafka
/// commits stored offsets in the background, on revocation, and on `close()`, which also leaves the
/// group so partitions move to other members at once rather than after the session timeout.
public final class KafkaConsumer: Sendable {
    private let handle: RDKafkaHandle
    private let state: ConsumerState
    private let pollThread: PollThread
    private let logger: Logger
    private let closed = Mutex(false)
    /// The group this consumer belongs to.
    public let groupId: String

    /// Creates the consumer, subscribes and starts polling.
    public init(configuration: KafkaConsumerConfiguration, logger: Logger) throws {
        let state = ConsumerState(maxBuffered: configuration.maxBufferedMessages, logger: logger)
        let handle = try RDKafkaHandle.make(
            type: RD_KAFKA_CONSUMER,
            properties: configuration.properties,
            opaque: Unmanaged.passUnretained(state).toOpaque()
        ) { conf in
            rd_kafka_conf_set_rebalance_cb(conf, RebalanceHandler.callback)
        }
        rd_kafka_poll_set_consumer(handle.pointer)
        let topics = TopicPartitionList.make(configuration.topics.map { (KafkaTopicPartition(topic: $0, partition: -1), nil) })
        defer { rd_kafka_topic_partition_list_destroy(topics) }
        let err = rd_kafka_subscribe(handle.pointer, topics)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            rd_kafka_destroy(handle.pointer)
            throw KafkaError.fromResponse(err, code: .consume, context: "subscribe to \(configuration.topics)")
        }
        self.handle = handle
        self.state = state
        self.logger = logger
        self.groupId = configuration.groupId
        let pollLogger = logger
        self.pollThread = PollThread(name: "kafka-consumer-poll") {
            KafkaConsumer.pollOnce(handle: handle, state: state, logger: pollLogger)
        }
    }

    deinit {
        rd_kafka_destroy(handle.pointer)
    }

    /// The messages, in partition order. One reader at a time; ends when the consumer closes.
    public var messages: Messages { Messages(state: state) }

    /// The messages in batches: each batch is everything waiting (at least one message, at most
    /// `maximum`), in partition order. One reader at a time; ends when the consumer closes.
    public func batches(maximum: Int) -> Batches { Batches(state: state, maximum: maximum) }

    /// Partitions currently assigned to this member.
    public var assignment: Set<KafkaTopicPartition> { state.assignment }

    /// Whether fetching is paused because the reader is behind.
    public var isPaused: Bool { state.isPaused }

    /// Marks `message` as processed: its offset + 1 is committed in the background. Fails with
    /// `.offsetStore` when the partition was revoked meanwhile (the new owner will read it again).
    public func storeOffset(for message: KafkaMessage) throws {
        let list = TopicPartitionList.make([(message.topicPartition, message.offset + 1)])
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_offsets_store(handle.pointer, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.fromResponse(err, code: .offsetStore, context: "store offset for \(message.topicPartition)")
        }
        let partitionError = list.pointee.elems[0].err
        guard partitionError == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.fromResponse(partitionError, code: .offsetStore, context: "store offset for \(message.topicPartition)")
        }
    }

    /// Commits stored offsets now and waits for the broker (normally they are committed every second).
    public func commitStoredOffsets() async throws {
        let err = await BlockingCalls.run { [handle] in rd_kafka_commit(handle.pointer, nil, 0) }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET else {
            throw KafkaError.fromResponse(err, code: .consume, context: "commit")
        }
    }

    /// Ends `messages` (buffered messages are dropped and will be read again by whoever owns their
    /// partition next) without leaving the group yet: the reader finishes its in-flight message, then
    /// calls `close()`.
    public func stopReading() {
        state.finish()
    }

    /// Stops fetching, commits stored offsets and leaves the group. Safe to call twice.
    public func close() async {
        let alreadyClosed = closed.withLock { closed in
            defer { closed = true }
            return closed
        }
        guard !alreadyClosed else { return }
        state.finish()
        await pollThread.stop()
        let err = await BlockingCalls.run { [handle] in rd_kafka_consumer_close(handle.pointer) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("consumer close reported an error", metadata: ["kafka.error": "\(String(cString: rd_kafka_err2str(err)))"])
        }
        logger.debug("consumer left its group", metadata: ["kafka.group": "\(groupId)"])
    }

    /// Messages taken from librdkafka per poll round at most.
    static let pollBatchSize = 1_000

    private static func pollOnce(handle: RDKafkaHandle, state: ConsumerState, logger: Logger) {
        switch state.flowAction() {
        case .poll: break
        case .waitForRoom:
            usleep(1_000)  // the reader is behind: give it the CPU instead of fetching more
            return
        case .pause:
            logger.info("reader is behind; pausing fetch", metadata: ["kafka.buffered": "\(state.bufferedCount)"])
            setPaused(true, handle: handle)
        case .resume:
            setPaused(false, handle: handle)
        }
        // Block for the first message, then take whatever else librdkafka already holds.
        var batch: [KafkaMessage] = []
        var highWatermarks: [KafkaTopicPartition: Int64] = [:]
        var timeout: Int32 = 100
        while batch.count < pollBatchSize, let message = rd_kafka_consumer_poll(handle.pointer, timeout) {
            timeout = 0
            defer { rd_kafka_message_destroy(message) }
            let err = message.pointee.err
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                if err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    logger.warning("consumer error", metadata: ["kafka.error": "\(String(cString: rd_kafka_err2str(err)))"])
                }
                continue
            }
            batch.append(convert(message, handle: handle, highWatermarks: &highWatermarks))
        }
        state.deliver(batch)
    }

    private static func setPaused(_ paused: Bool, handle: RDKafkaHandle) {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(handle.pointer, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        _ = paused ? rd_kafka_pause_partitions(handle.pointer, list) : rd_kafka_resume_partitions(handle.pointer, list)
    }

    private static func convert(
        _ message: UnsafeMutablePointer<rd_kafka_message_t>, handle: RDKafkaHandle, highWatermarks: inout [KafkaTopicPartition: Int64]
    ) -> KafkaMessage {
        let raw = message.pointee
        let topic = String(cString: rd_kafka_topic_name(raw.rkt))
        let value = raw.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: raw.len)) } ?? []
        let key = raw.key.map { Array(UnsafeRawBufferPointer(start: $0, count: raw.key_len)) }
        var headers: [KafkaHeader] = []
        var headerList: OpaquePointer?
        if rd_kafka_message_headers(message, &headerList) == RD_KAFKA_RESP_ERR_NO_ERROR, let headerList {
            var index = 0
            var name: UnsafePointer<CChar>?
            var valuePointer: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(headerList, index, &name, &valuePointer, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let bytes = valuePointer.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
                headers.append(KafkaHeader(key: name.map { String(cString: $0) } ?? "", value: bytes))
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        // The fetch high watermark (ListOffsets is wrong on Tansu), read once per partition and batch.
        let topicPartition = KafkaTopicPartition(topic: topic, partition: raw.partition)
        let high: Int64
        if let known = highWatermarks[topicPartition] {
            high = known
        } else {
            var low: Int64 = 0
            var fetched: Int64 = 0
            high = rd_kafka_get_watermark_offsets(handle.pointer, topic, raw.partition, &low, &fetched) == RD_KAFKA_RESP_ERR_NO_ERROR ? fetched : 0
            highWatermarks[topicPartition] = high
        }
        let lag = high > 0 ? max(0, high - raw.offset - 1) : 0
        return KafkaMessage(
            topicPartition: topicPartition,
            offset: raw.offset, key: key, value: value, headers: headers,
            timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp,
            lag: lag
        )
    }

    /// The consumer's messages as an async sequence.
    public struct Messages: AsyncSequence, Sendable {
        public typealias Element = KafkaMessage
        let state: ConsumerState

        public func makeAsyncIterator() -> Iterator { Iterator(state: state) }

        /// Iterates the consumer's messages.
        public struct Iterator: AsyncIteratorProtocol {
            let state: ConsumerState
            var pending: [KafkaMessage] = []
            var index = 0

            public mutating func next() async -> KafkaMessage? {
                if index == pending.count {
                    guard let batch = await state.nextBatch(maximum: 500) else { return nil }
                    pending = batch
                    index = 0
                }
                defer { index += 1 }
                return pending[index]
            }
        }
    }

    /// The consumer's messages in batches of whatever is waiting, at most `maximum` each.
    public struct Batches: AsyncSequence, Sendable {
        public typealias Element = [KafkaMessage]
        let state: ConsumerState
        let maximum: Int

        public func makeAsyncIterator() -> Iterator { Iterator(state: state, maximum: maximum) }

        /// Iterates the batches.
        public struct Iterator: AsyncIteratorProtocol {
            let state: ConsumerState
            let maximum: Int
            public mutating func next() async -> [KafkaMessage]? { await state.nextBatch(maximum: maximum) }
        }
    }
}
