import Foundation

/// Reads a topic with the Python confluent-kafka client (scripts/tools/consume-topic.py), as a
/// department's own system would: proof that what we publish is readable by a client not ours.
enum OutsideClient {
    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The records with one of `keys`, each as `key`, `headers` and `value`; waits until `count` were read or `seconds` passed.
    static func consume(topic: String, keys: [String], count: Int, seconds: Int = 40) async throws -> [[String: Any]] {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("consume-\(UUID().uuidString).jsonl")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = repository.appendingPathComponent(".venv/bin/python")
        process.arguments = [repository.appendingPathComponent("scripts/tools/consume-topic.py").path, try TestEnvironment.require("KAFKA_BOOTSTRAP_SERVERS"),
                             topic, String(seconds), String(count)] + keys
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Foundation's waitUntilExit is unreliable under the test runner: poll.
        let deadline = Date().addingTimeInterval(TimeInterval(seconds + 20))
        while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(200)) }
        if process.isRunning { process.terminate() }
        try handle.close()
        let text = try String(contentsOf: output, encoding: .utf8)
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}
