import Crypto
import Foundation
import LifelineRuntime

/// The console's settings, parsed once at start-up (docs/console.md lists each with its default).
public struct ConsoleSettings: Sendable {
    /// Listen address (`HTTP_HOST`, 127.0.0.1) and port (`HTTP_PORT`, 8080; 0 picks a free one).
    public var httpHost: String
    public var httpPort: Int
    /// The services' base URLs (`CONSOLE_<SERVICE>_URL`), reached like any other client.
    public var accountsURL: String
    public var intakeURL: String
    public var reviewURL: String
    public var notificationURL: String
    public var insuranceURL: String
    public var departmentScreeningURL: String
    public var hotlineURL: String
    /// The largest monthly file the console takes in one upload (`CONSOLE_UPLOAD_MAX_BYTES`, 64 MiB):
    /// the console holds an upload in memory while it passes it on.
    public var uploadMaximumBytes: Int
    /// Seals the session cookie (`CONSOLE_SESSION_KEY_FILE` or `CONSOLE_SESSION_KEY`: 32 bytes, base64).
    var sessionKey: SymmetricKey
    /// Marks cookies `Secure` (`CONSOLE_SECURE_COOKIES`; true in production behind TLS).
    public var secureCookies: Bool
    /// Log level (`LOG_LEVEL`).
    public var logLevel: String

    /// Reads the settings from `reader`.
    public init(reader: ConfigReader = ConfigReader()) throws {
        httpHost = reader.string("HTTP_HOST", default: "127.0.0.1")
        httpPort = try reader.int("HTTP_PORT", default: 8080, range: 0...65535)
        func url(_ variable: String, _ port: Int) throws -> String {
            let text = reader.string(variable, default: "http://127.0.0.1:\(port)")
            guard let parsed = URL(string: text), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw ConfigurationError(variable: variable, reason: "must be an http(s) URL")
            }
            return text.hasSuffix("/") ? String(text.dropLast()) : text
        }
        accountsURL = try url("CONSOLE_ACCOUNTS_URL", 8087)
        intakeURL = try url("CONSOLE_INTAKE_URL", 8081)
        reviewURL = try url("CONSOLE_REVIEW_URL", 8084)
        notificationURL = try url("CONSOLE_NOTIFICATION_URL", 8086)
        insuranceURL = try url("CONSOLE_INSURANCE_URL", 8085)
        departmentScreeningURL = try url("CONSOLE_DEPARTMENT_SCREENING_URL", 8082)
        hotlineURL = try url("CONSOLE_HOTLINE_URL", 8083)
        uploadMaximumBytes = try reader.int("CONSOLE_UPLOAD_MAX_BYTES", default: 64 * 1024 * 1024, range: 1024...1024 * 1024 * 1024)
        let keyText: String
        if let file = reader.optionalString("CONSOLE_SESSION_KEY_FILE") {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ConfigurationError(variable: "CONSOLE_SESSION_KEY_FILE", reason: "cannot read the file")
            }
            keyText = text
        } else if let text = reader.optionalString("CONSOLE_SESSION_KEY") {
            keyText = text
        } else {
            throw ConfigurationError(
                variable: "CONSOLE_SESSION_KEY_FILE", reason: "is required (or CONSOLE_SESSION_KEY): 32 random bytes, base64 (openssl rand -base64 32)")
        }
        guard let bytes = Data(base64Encoded: keyText.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32 else {
            throw ConfigurationError(variable: "CONSOLE_SESSION_KEY_FILE", reason: "must hold 32 bytes in base64 (openssl rand -base64 32)")
        }
        sessionKey = SymmetricKey(data: bytes)
        secureCookies = try reader.bool("CONSOLE_SECURE_COOKIES", default: false)
        logLevel = reader.string("LOG_LEVEL", default: "info")
    }
}
