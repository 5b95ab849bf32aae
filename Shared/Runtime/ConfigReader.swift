import Foundation

/// A configuration value that is present but unusable. Names the variable and the reason.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The environment variable concerned.
    public let variable: String
    /// What is wrong with it.
    public let reason: String

    /// Creates an error.
    public init(variable: String, reason: String) {
        self.variable = variable
        self.reason = reason
    }

    public var description: String { "configuration \(variable): \(reason)" }
}

/// Reads configuration from environment variables; every variable has a documented default
/// (docs/operations.md) unless it is marked required.
public struct ConfigReader: Sendable {
    private let environment: [String: String]

    /// Reads from `environment` (the process environment by default).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// The value, or `nil` when unset or empty.
    public func optionalString(_ key: String) -> String? {
        guard let value = environment[key]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    /// The value or `defaultValue`.
    public func string(_ key: String, default defaultValue: String) -> String {
        optionalString(key) ?? defaultValue
    }

    /// An integer value or `defaultValue`; throws when set but not an integer in `range`.
    public func int(_ key: String, default defaultValue: Int, range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
        guard let text = optionalString(key) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(variable: key, reason: "must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A boolean (`true/false/1/0/yes/no`) or `defaultValue`.
    public func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        guard let text = optionalString(key)?.lowercased() else { return defaultValue }
        switch text {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ConfigurationError(variable: key, reason: "must be true or false")
        }
    }

    /// `key=value` pairs separated by commas (`security.protocol=SASL_SSL,sasl.mechanism=SCRAM-SHA-512`);
    /// empty when unset. Throws naming the variable and the entry that has no `=`.
    public func properties(_ key: String) throws -> [String: String] {
        guard let text = optionalString(key) else { return [:] }
        var result: [String: String] = [:]
        for (index, entry) in text.split(separator: ",").enumerated() {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ConfigurationError(variable: key, reason: "entry \(index + 1) is not key=value")
            }
            result[parts[0]] = parts[1]
        }
        return result
    }

    /// One of `allowed` or `defaultValue`.
    public func choice(_ key: String, default defaultValue: String, allowed: Set<String>) throws -> String {
        let value = string(key, default: defaultValue)
        guard allowed.contains(value) else {
            throw ConfigurationError(variable: key, reason: "must be one of \(allowed.sorted().joined(separator: ", "))")
        }
        return value
    }
}
