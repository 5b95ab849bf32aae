import Foundation
import LifelineEvents
import Logging

/// Writes one JSON object per line to standard error: `ts`, `level`, `logger`, `msg` and the metadata.
/// Chosen with `LOG_FORMAT=json` for log collectors.
public struct JSONLogHandler: LogHandler {
    /// The logger's label.
    public let label: String
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    /// Creates a handler.
    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: Any] = [
            "ts": Self.timestamp(), "level": event.level.rawValue, "logger": label, "msg": event.message.description,
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) {
            object[key] = Self.plain(value)
        }
        if let source = event.source as String?, !source.isEmpty { object["source"] = source }
        guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        data.append(0x0A)
        FileHandle.standardError.write(data)
    }

    private static func plain(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(plain)
        case .dictionary(let dictionary): dictionary.mapValues(plain)
        }
    }

    private static func timestamp() -> String {
        EventJSON.formatTimestamp(Date())  // RFC 3339 with milliseconds, without a formatter per line
    }
}

/// Process-wide logging set-up; the first call wins (tests start several services in one process).
public enum LogSetup {
    private static let once: Void = {
        let reader = ConfigReader()
        let json = reader.optionalString("LOG_FORMAT") == "json"
        let level = reader.optionalString("LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }()

    /// Installs the log handler chosen by `LOG_FORMAT` and `LOG_LEVEL` (once per process).
    public static func bootstrap() {
        _ = once
    }

    /// A logger for `service`.
    public static func logger(service: String) -> Logger {
        bootstrap()
        var logger = Logger(label: "lifeline.\(service)")
        logger[metadataKey: "service"] = "\(service)"
        return logger
    }
}
