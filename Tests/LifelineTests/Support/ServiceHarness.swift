import Foundation
import LifelineRuntime
#if canImport(Glibc)
import Glibc
#endif

/// A service started in-process from its library target, as the executable would start it.
final class InProcessService: @unchecked Sendable {
    let service: LifelineService
    let task: Task<Void, any Error>
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(service: LifelineService, task: Task<Void, any Error>, port: Int) {
        self.service = service
        self.task = task
        self.port = port
    }

    static func start(_ definition: ServiceDefinition, overrides: [String: String] = [:]) async throws -> InProcessService {
        let configuration = try TestEnvironment.configuration(for: definition.name, overrides: overrides)
        let service = try await LifelineService(definition: definition, configuration: configuration)
        let task = Task { try await service.run(gracefulShutdownSignals: []) }
        let port = try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask { await service.waitForPort() }
            group.addTask {
                try await Task.sleep(for: .seconds(60))
                throw TimedOut(what: "\(definition.name) to listen")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
        _ = try await eventually("\(definition.name) ready", timeout: .seconds(30)) {
            try await HTTP.get("http://127.0.0.1:\(port)/health/ready").status == 200 ? true : nil
        }
        // Join a stable group before the test goes on: a member that leaves mid-rebalance can leave
        // Tansu's coordinator waiting for it (docs/adr/0002).
        _ = try await eventually("\(definition.name) consumers assigned", timeout: .seconds(45)) {
            service.consumerAssignments.values.allSatisfy { $0 > 0 } ? true : nil
        }
        return InProcessService(service: service, task: task, port: port)
    }

    /// Stops `extra`, a second instance of this service, and waits until this instance owns again the
    /// partitions it owned alone (`partitionsAlone`), so that no member leaves the group mid-rebalance
    /// (which can leave a ghost in Tansu's group, docs/adr/0002), then stops this one.
    func stop(after extra: InProcessService, partitionsAlone: [String: Int]) async {
        await extra.stop()
        _ = try? await eventually("the remaining instance owns its partitions again", timeout: .seconds(45)) {
            self.service.consumerAssignments == partitionsAlone ? true : nil
        }
        await stop()
    }

    /// Graceful shutdown, as on SIGTERM; waits at most 30 s for it to finish.
    func stop() async {
        await service.shutdown()
        await waitAtMost(.seconds(30)) { [task] in _ = try? await task.value }
    }
}

/// Runs `operation` but stops waiting for it after `limit` (it may go on in the background).
func waitAtMost(_ limit: Duration, _ operation: @escaping @Sendable () async -> Void) async {
    let once = Once()
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        Task {
            await operation()
            if once.claim() { continuation.resume() }
        }
        Task {
            try? await Task.sleep(for: limit)
            if once.claim() { continuation.resume() }
        }
    }
}

final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    func claim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if done { return false }
        done = true
        return true
    }
}

/// A service executable run as its own process, so a test can kill it where a crash would.
final class ServiceProcess: @unchecked Sendable {
    let process: Process
    let port: Int
    let logURL: URL
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(process: Process, port: Int, logURL: URL) {
        self.process = process
        self.port = port
        self.logURL = logURL
    }

    static func start(_ executable: String, environment extra: [String: String] = [:]) throws -> ServiceProcess {
        let port = try FreePort.pick()
        let process = Process()
        process.executableURL = try TestEnvironment.binaryDirectory().appendingPathComponent(executable)
        var environment = TestEnvironment.environment
        environment["HTTP_PORT"] = String(port)
        environment["LOG_LEVEL"] = "info"
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(executable)-\(port).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        if let state = TestEnvironment.environment["LIFELINE_TEST_STATE"] {
            try? String(process.processIdentifier).write(toFile: "\(state)/pids/\(executable)-\(port).pid", atomically: true, encoding: .utf8)
        }
        return ServiceProcess(process: process, port: port, logURL: logURL)
    }

    /// Ready, and its consumer group member owns partitions (it logs the assignment at info level).
    /// Generous: several instances joining several groups at once wait for each other's rebalances.
    func waitUntilReady() async throws {
        _ = try await eventually("\(process.executableURL!.lastPathComponent) ready", timeout: .seconds(120)) { () -> Bool? in
            guard process.isRunning else { throw TimedOut(what: "process exited with \(process.terminationStatus): \(log)") }
            guard (try? await HTTP.get("\(baseURL)/health/ready").status) == 200 else { return nil }
            return log.contains("partitions assigned") ? true : nil
        }
    }

    /// Waits for the process to exit and returns its status.
    func waitForExit(timeout: Duration = .seconds(60)) async throws -> Int32 {
        try await eventually("process exit", timeout: timeout) { process.isRunning ? nil : process.terminationStatus }
    }

    /// SIGTERM and wait.
    func terminate() async {
        if process.isRunning { process.terminate() }
        _ = try? await waitForExit(timeout: .seconds(20))
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }
}
