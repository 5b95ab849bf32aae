import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging

/// Commands every service executable understands besides serving, for operators (docs/operations.md):
///
/// - `deadletters list [--group NAME]`: the dead letters of the service's consumer groups.
/// - `deadletters replay --group NAME (--at P:O | --from P:O --to P:O | --all)`: runs chosen dead
///   letters through the group's handlers and inbox again, after the cause was fixed. Safe to repeat:
///   an event already processed changes nothing.
/// - `outbox parked`, `outbox release ID`, `outbox skip ID`: entries the broker refused for good.
///
/// They use the service's configuration (`DATABASE_*`, `KAFKA_*`) and its own schema only; events that
/// replayed handlers publish wait in the outbox for the running service's relay.
public enum OperatorCommands {
    /// Whether `arguments` name an operator command.
    public static func isCommand(_ arguments: [String]) -> Bool {
        ["deadletters", "outbox"].contains(arguments.first ?? "")
    }

    struct UsageError: Error { let message: String }
    /// The command ran but some of its work failed (exit status 1).
    struct Incomplete: Error { let message: String }

    /// Runs the command and returns the exit status.
    public static func run(_ arguments: [String], definition: ServiceDefinition, defaultHTTPPort: Int) async -> Int32 {
        LogSetup.bootstrap()
        let logger = LogSetup.logger(service: definition.name)
        let executable = "lifeline-\(definition.name)"
        do {
            let configuration = try LifelineConfiguration.load(service: definition.name, defaultHTTPPort: defaultHTTPPort)
            let options = CommandOptions(arguments.dropFirst(2))
            switch (arguments.first, arguments.dropFirst().first) {
            case ("deadletters", "list"):
                try await withDependencies(definition, configuration, logger) { dependencies in
                    let groups = try selectedGroups(definition, options)
                    for group in groups {
                        let letters = try await replayer(definition, group: group, dependencies).list()
                        print("\(group): \(letters.count) dead letter(s) on \(EventTopic.deadLetter(forGroup: group).name)")
                        for letter in letters { print("  " + describe(letter)) }
                    }
                }
            case ("deadletters", "replay"):
                guard let group = options["--group"] else { throw UsageError(message: "deadletters replay needs --group NAME") }
                try await withDependencies(definition, configuration, logger) { dependencies in
                    let replayer = try replayer(definition, group: group, dependencies)
                    let chosen = try choose(from: try await replayer.list(), options)
                    var failed = 0
                    for (letter, outcome) in await replayer.replay(chosen) {
                        if case .failed = outcome { failed += 1 }
                        print("\(letter.position) \(letter.eventType ?? "?") \(letter.eventId ?? "?"): \(text(outcome))")
                    }
                    print("replayed \(chosen.count) dead letter(s) of \(group); \(failed) still failing")
                    if failed > 0 { throw Incomplete(message: "\(failed) dead letter(s) still fail; they stay on the dead-letter topic") }
                }
            case ("outbox", "parked"):
                try await withDependencies(definition, configuration, logger) { dependencies in
                    let parked = try await OutboxStore(database: dependencies.database, logger: logger).parked()
                    print("\(parked.count) parked outbox entr\(parked.count == 1 ? "y" : "ies")")
                    for entry in parked {
                        print("  id \(entry.id) \(entry.topic) event \(entry.eventId), \(entry.size) bytes, parked \(EventJSON.formatTimestamp(entry.parkedAt)), \(entry.waitingBehind) waiting behind: \(entry.reason)")
                    }
                }
            case ("outbox", let verb?) where verb == "release" || verb == "skip":
                guard let text = options.positional.first, let id = Int64(text) else { throw UsageError(message: "outbox \(verb) needs an entry ID") }
                try await withDependencies(definition, configuration, logger) { dependencies in
                    let store = OutboxStore(database: dependencies.database, logger: logger)
                    if verb == "release" { try await store.release(id) } else { try await store.skip(id) }
                    print(verb == "release" ? "entry \(id) is back in line" : "entry \(id) skipped; its key flows again")
                }
            default:
                throw UsageError(message: "usage: \(executable) deadletters list|replay … or outbox parked|release ID|skip ID")
            }
            return 0
        } catch let error as UsageError {
            FileHandle.standardError.write(Data("\(executable): \(error.message)\n".utf8))
            return 2
        } catch let error as OutboxError {
            FileHandle.standardError.write(Data("\(executable): \(error.message)\n".utf8))
            return 1
        } catch let error as Incomplete {
            FileHandle.standardError.write(Data("\(executable): \(error.message)\n".utf8))
            return 1
        } catch {
            logger.critical("command failed", metadata: [
                "error.type": "\(type(of: error))", "error.sqlstate": "\(DatabaseFailure.sqlState(of: error) ?? "-")",
            ])
            return 1
        }
    }

    private static func selectedGroups(_ definition: ServiceDefinition, _ options: CommandOptions) throws -> [String] {
        let all = definition.consumers.map { "\(definition.name).\($0.name)" }
        guard let group = options["--group"] else { return all }
        guard all.contains(group) else { throw UsageError(message: "--group must be one of \(all.joined(separator: ", "))") }
        return [group]
    }

    private static func replayer(_ definition: ServiceDefinition, group: String, _ dependencies: ServiceDependencies) throws -> DeadLetterReplayer {
        guard let consumer = definition.consumers.first(where: { "\(definition.name).\($0.name)" == group }) else {
            let all = definition.consumers.map { "\(definition.name).\($0.name)" }
            throw UsageError(message: "--group must be one of \(all.joined(separator: ", "))")
        }
        return DeadLetterReplayer(
            group: group, handlers: consumer.makeHandlers(dependencies), database: dependencies.database,
            kafka: dependencies.configuration.kafka, transactionTimeout: dependencies.configuration.eventTransactionTimeout,
            logger: dependencies.logger)
    }

    /// The dead letters `--at`, `--from`/`--to` or `--all` choose.
    static func choose(from letters: [DeadLetter], _ options: CommandOptions) throws -> [DeadLetter] {
        if options["--all"] != nil { return letters }
        if let text = options["--at"] {
            guard let position = DeadLetterPosition(text) else { throw UsageError(message: "--at must be PARTITION:OFFSET, e.g. 0:12") }
            let chosen = letters.filter { $0.position == position }
            guard !chosen.isEmpty else { throw UsageError(message: "no dead letter at \(position)") }
            return chosen
        }
        if let fromText = options["--from"], let toText = options["--to"] {
            guard let from = DeadLetterPosition(fromText), let to = DeadLetterPosition(toText), from.partition == to.partition, from <= to else {
                throw UsageError(message: "--from and --to must be PARTITION:OFFSET of one partition, the first not after the second")
            }
            return letters.filter { $0.position >= from && $0.position <= to }
        }
        throw UsageError(message: "choose dead letters with --at P:O, --from P:O --to P:O, or --all")
    }

    static func describe(_ letter: DeadLetter) -> String {
        "\(letter.position) from \(letter.originalTopic)[\(letter.originalPartition)]@\(letter.originalOffset) "
            + "\(letter.eventType ?? "?") \(letter.eventId ?? "?") \(letter.errorCode) after \(letter.attempts) attempt(s) at \(letter.failedAt): \(letter.reason)"
    }

    static func text(_ outcome: DeadLetterReplayer.Outcome) -> String {
        switch outcome {
        case .processed: "processed"
        case .alreadyProcessed: "already processed (nothing changed)"
        case .ignored: "no handler for its type (ignored)"
        case .failed(let code): "still failing (\(code))"
        }
    }

    /// Builds the service's dependencies with a running pool and migrated schema, without serving.
    private static func withDependencies(
        _ definition: ServiceDefinition, _ configuration: LifelineConfiguration, _ logger: Logger,
        _ body: @Sendable @escaping (ServiceDependencies) async throws -> Void
    ) async throws {
        let service = try await LifelineService(definition: definition, configuration: configuration, logger: logger)
        let dependencies = service.dependencies
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await dependencies.database.run() }
            await dependencies.database.waitUntilRunning()
            defer { group.cancelAll() }
            try await Migrator(database: dependencies.database, logger: logger).migrate(SharedMigrations.all + definition.migrations)
            try await body(dependencies)
        }
    }
}

/// A command line's `--name value` pairs (a flag without a value, like `--all`, gets "") and its
/// positional arguments, for the executables' operator and data commands.
public struct CommandOptions: Sendable {
    /// The `--name value` pairs, by name with its dashes.
    public var named: [String: String] = [:]
    /// The other arguments, in order.
    public var positional: [String] = []

    /// Parses `arguments` (without the command's own name).
    public init(_ arguments: ArraySlice<String>) {
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            if argument.hasPrefix("--") {
                if let next = remaining.first, !next.hasPrefix("--") {
                    named[argument] = next
                    remaining = remaining.dropFirst()
                } else {
                    named[argument] = ""
                }
            } else {
                positional.append(argument)
            }
        }
    }

    /// The value of `--name`, if given.
    public subscript(name: String) -> String? { named[name] }

    /// The value of `--name` as a whole number ≥ 0, `fallback` when absent, nil when malformed.
    public func wholeNumber(_ name: String, default fallback: Int) -> Int? {
        guard let text = named[name] else { return fallback }
        return Int(text).flatMap { $0 >= 0 ? $0 : nil }
    }
}
