import Foundation
import LifelineKafka
import LifelinePersistence
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The PostgreSQL and Tansu of profile `fault` (scripts/infra.sh), which the fault-tolerance tests
/// stop, freeze and start again without disturbing the suites that run beside them.
enum FaultInfrastructure {
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// Runs `scripts/infra.sh <action> fault`. (`waitUntilExit` would block a thread of the
    /// cooperative pool, and was seen never to return there; the exit is polled instead.)
    static func run(_ action: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [root.appendingPathComponent("scripts/infra.sh").path, action, "fault"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let status = try await eventually("infra.sh \(action) fault", timeout: .seconds(120), interval: .milliseconds(100)) {
            process.isRunning ? nil : process.terminationStatus
        }
        guard status == 0 else { throw TimedOut(what: "infra.sh \(action) fault (exit \(status))") }
    }

    /// Starts the profile (idempotent) and returns the environment a service needs to use it.
    static func up() async throws -> [String: String] {
        try await run("up")
        let text = try String(contentsOf: root.appendingPathComponent(".run/fault/env"), encoding: .utf8)
        var environment: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("export ") {
            let pair = line.dropFirst("export ".count).split(separator: "=", maxSplits: 1)
            if pair.count == 2 { environment[String(pair[0])] = String(pair[1]) }
        }
        return environment
    }

    static func kafka(_ environment: [String: String]) -> KafkaClientConfiguration {
        KafkaClientConfiguration(bootstrapServers: environment["KAFKA_BOOTSTRAP_SERVERS"] ?? "", clientId: "fault-test")
    }

    static func database(_ environment: [String: String], schema: String) -> DatabaseConfiguration {
        DatabaseConfiguration(
            host: "127.0.0.1", port: Int(environment["DATABASE_PORT"] ?? "") ?? 0, database: "lifeline", username: "svc_\(schema)",
            password: "lifeline", schema: schema, maximumConnections: 2)
    }

    /// Freezes (SIGSTOP) or thaws (SIGCONT) the profile's Tansu.
    static func signalBroker(_ signal: Int32) throws {
        let text = try String(contentsOf: root.appendingPathComponent(".run/fault/tansu.pid"), encoding: .utf8)
        guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw TimedOut(what: "tansu pid") }
        kill(pid, signal)
    }

    /// Messages on `topic` now, read from the beginning for `window` by a group of its own.
    static func count(topic: String, environment: [String: String], window: Duration = .seconds(8)) async throws -> Int {
        var configuration = KafkaConsumerConfiguration(client: kafka(environment), groupId: TestData.unique("fault-probe"), topics: [topic])
        configuration.sessionTimeoutMilliseconds = 6000
        let consumer = try KafkaConsumer(configuration: configuration, logger: Logger(label: "fault-probe"))
        let counted = await withTaskGroup(of: Int?.self) { group in
            group.addTask {
                var count = 0
                for await _ in consumer.messages { count += 1 }
                return count
            }
            try? await Task.sleep(for: window)
            consumer.stopReading()
            let value = await group.next() ?? 0
            return value ?? 0
        }
        await consumer.close()
        return counted
    }
}
