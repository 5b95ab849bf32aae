import Foundation
import LifelineEventBus
import LifelineEvents
import LifelineKafka
import Logging

/// Reads a topic from the beginning with a group of its own, for assertions on what was published.
enum KafkaProbe {
    static func collect(
        topic: String, timeout: Duration = .seconds(30), until done: @escaping @Sendable ([KafkaMessage]) -> Bool
    ) async throws -> [KafkaMessage] {
        var configuration = KafkaConsumerConfiguration(
            client: try TestEnvironment.kafka(clientId: "probe"), groupId: TestData.unique("probe"), topics: [topic])
        configuration.sessionTimeoutMilliseconds = 6000
        let consumer = try KafkaConsumer(configuration: configuration, logger: Logger(label: "probe"))
        let collected = try await withThrowingTaskGroup(of: [KafkaMessage]?.self) { group in
            group.addTask {
                var messages: [KafkaMessage] = []
                for await message in consumer.messages {
                    messages.append(message)
                    if done(messages) { return messages }
                }
                return messages
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next()!
            consumer.stopReading()
            group.cancelAll()
            return first
        }
        await consumer.close()
        guard let collected else { throw TimedOut(what: "messages on \(topic)") }
        return collected
    }
}
