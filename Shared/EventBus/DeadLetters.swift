import Foundation
import LifelineEvents
import LifelineKafka
import LifelinePersistence
import Logging
import Synchronization

/// A message on a dead-letter topic, with why it got there. Operators see everything but the payload.
public struct DeadLetter: Sendable {
    /// Where it is on the dead-letter topic: `partition:offset`, the address replay takes.
    public var position: DeadLetterPosition
    /// The topic, partition and offset it was consumed from.
    public var originalTopic: String
    public var originalPartition: Int32
    public var originalOffset: Int64
    /// `contract.…`, `handler.…`, `database.…` or `unexpected`.
    public var errorCode: String
    /// Why, without data.
    public var reason: String
    /// Attempts made before it was set aside.
    public var attempts: Int
    /// When it was set aside (RFC 3339).
    public var failedAt: String
    /// The message as it was first consumed (dead-letter headers removed).
    public var original: KafkaMessage

    /// The event's CloudEvents type and id, when the message carries them.
    public var eventType: String? { original.textHeaders["ce_type"] }
    public var eventId: String? { original.textHeaders["ce_id"] }

    /// Rebuilds a dead letter from its message on the dead-letter topic.
    public init(_ message: KafkaMessage) {
        let headers = message.textHeaders
        position = DeadLetterPosition(partition: message.partition, offset: message.offset)
        originalTopic = headers["dlq_original_topic"] ?? "?"
        originalPartition = Int32(headers["dlq_original_partition"] ?? "") ?? -1
        originalOffset = Int64(headers["dlq_original_offset"] ?? "") ?? -1
        errorCode = headers["dlq_error_code"] ?? "?"
        reason = headers["dlq_reason"] ?? ""
        attempts = Int(headers["dlq_attempts"] ?? "") ?? 0
        failedAt = headers["dlq_failed_at"] ?? ""
        original = KafkaMessage(
            topicPartition: KafkaTopicPartition(topic: originalTopic, partition: originalPartition), offset: originalOffset,
            key: message.key, value: message.value, headers: message.headers.filter { !$0.key.hasPrefix("dlq_") },
            timestampMilliseconds: message.timestampMilliseconds)
    }
}

/// A dead letter's address: partition and offset on the dead-letter topic, written `partition:offset`.
public struct DeadLetterPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Partition of the dead-letter topic.
    public var partition: Int32
    /// Offset in that partition.
    public var offset: Int64

    /// Creates a position.
    public init(partition: Int32, offset: Int64) {
        self.partition = partition
        self.offset = offset
    }

    /// Parses `partition:offset`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let partition = Int32(parts[0]), let offset = Int64(parts[1]), partition >= 0, offset >= 0 else { return nil }
        self.init(partition: partition, offset: offset)
    }

    public var description: String { "\(partition):\(offset)" }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.partition, lhs.offset) < (rhs.partition, rhs.offset)
    }
}

/// Reads a consumer group's dead-letter topic and replays chosen dead letters through the group's own
/// handlers and inbox, in one transaction each: an event processed before (by an earlier replay, or
/// because it was redelivered) is recognised and changes nothing, so replaying is safe to repeat.
public struct DeadLetterReplayer: Sendable {
    /// What replaying one dead letter did.
    public enum Outcome: Sendable, Equatable {
        /// The handler ran and committed.
        case processed
        /// The inbox already had the event: nothing changed.
        case alreadyProcessed
        /// No handler of the group knows its type; recorded as ignored.
        case ignored
        /// It still fails, with this error code; it stays on the dead-letter topic.
        case failed(String)
    }

    /// The consumer group, e.g. `review.case-opener`.
    public let group: String
    private let database: Database
    private let kafka: KafkaClientConfiguration
    private let single: InboxHandling
    private let logger: Logger

    /// Creates a replayer for `group`, with the handlers the service registers for it.
    public init(
        group: String, handlers: EventHandlers, database: Database, kafka: KafkaClientConfiguration,
        transactionTimeout: Duration = .seconds(30), logger: Logger
    ) {
        self.group = group
        self.database = database
        self.kafka = kafka
        self.logger = logger
        self.single = InboxHandling(consumer: group, database: database, handlers: handlers, transactionTimeout: transactionTimeout, logger: logger)
    }

    /// The group's dead-letter topic.
    public var topic: String { EventTopic.deadLetter(forGroup: group).name }

    /// Every dead letter of the group, in topic order. Reads from the beginning with a throwaway group
    /// and commits nothing; stops once `quiet` passes without a message after the partitions were assigned.
    public func list(quiet: Duration = .seconds(3), limit: Duration = .seconds(60)) async throws -> [DeadLetter] {
        var configuration = KafkaConsumerConfiguration(client: kafka, groupId: "deadletter-reader-\(UUID().uuidString.prefix(8).lowercased())", topics: [topic])
        configuration.sessionTimeoutMilliseconds = 6000
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        let started = ContinuousClock.now
        let read = ReadCounter()
        var letters: [DeadLetter] = []
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Ends the read once the topic has been quiet for `quiet` after assignment, or at `limit`.
                var lastCount = -1
                var quietSince = ContinuousClock.now
                while ContinuousClock.now - started < limit {
                    try? await Task.sleep(for: .milliseconds(200))
                    guard !consumer.assignment.isEmpty else { quietSince = .now; continue }
                    let count = read.value
                    if count != lastCount { lastCount = count; quietSince = .now }
                    if ContinuousClock.now - quietSince >= quiet { break }
                }
                consumer.stopReading()
            }
            for await message in consumer.messages {
                read.increment()
                letters.append(DeadLetter(message))
            }
            await group.waitForAll()
        }
        await consumer.close()
        return letters.sorted { $0.position < $1.position }
    }

    /// Replays `letters` in order and says what became of each.
    public func replay(_ letters: [DeadLetter]) async -> [(DeadLetter, Outcome)] {
        var results: [(DeadLetter, Outcome)] = []
        for letter in letters {
            results.append((letter, await replay(letter)))
        }
        return results
    }

    private func replay(_ letter: DeadLetter) async -> Outcome {
        do {
            let event = try letter.original.cloudEvent()
            switch try await single.handle(event, message: letter.original) {
            case .handled: return .processed
            case .ignoredUnknownType: return .ignored
            case nil: return .alreadyProcessed
            }
        } catch {
            return .failed(EventConsumerService.errorCode(error))
        }
    }
}

/// Messages read so far, shared between the reading loop and the watch that ends it.
private final class ReadCounter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}
