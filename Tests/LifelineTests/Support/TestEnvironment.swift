import Foundation
import LifelineAuth
import LifelineKafka
import LifelinePersistence
import LifelineRuntime

/// The infrastructure `make test` started (scripts/test.sh exports its addresses).
enum TestEnvironment {
    struct Missing: Error, CustomStringConvertible {
        let variable: String
        var description: String { "\(variable) is not set: run the suite with `make test`, which starts PostgreSQL and the broker" }
    }

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static func require(_ variable: String) throws -> String {
        guard let value = environment[variable], !value.isEmpty else { throw Missing(variable: variable) }
        return value
    }

    static func kafka(clientId: String = "lifeline-tests") throws -> KafkaClientConfiguration {
        KafkaClientConfiguration(bootstrapServers: try require("KAFKA_BOOTSTRAP_SERVERS"), clientId: clientId)
    }

    static func databasePort() throws -> Int {
        guard let port = Int(try require("DATABASE_PORT")) else { throw Missing(variable: "DATABASE_PORT") }
        return port
    }

    /// A service role's database configuration (`svc_<schema>` owns `<schema>`).
    static func database(schema: String, username: String? = nil) throws -> DatabaseConfiguration {
        DatabaseConfiguration(
            host: "127.0.0.1", port: try databasePort(), database: "lifeline", username: username ?? "svc_\(schema)",
            password: environment["DATABASE_PASSWORD"] ?? "lifeline", schema: schema, maximumConnections: 4)
    }

    /// A service's configuration as the executable would read it, on a free HTTP port.
    static func configuration(for service: String, overrides: [String: String] = [:]) throws -> LifelineConfiguration {
        _ = try require("KAFKA_BOOTSTRAP_SERVERS")
        var variables = environment
        variables["HTTP_PORT"] = "0"
        variables["EVENT_MAX_ATTEMPTS"] = "3"
        // Intake's public limits are shared through its schema, so the whole run (every test from
        // 127.0.0.1) would draw from one bucket: tests that check a limit set their own, small one and
        // come from an address of their own (TRUSTED_PROXIES + X-Forwarded-For).
        for limit in ["INTAKE_SUBMISSIONS_PER_10_MINUTES", "INTAKE_QUERIES_PER_10_MINUTES", "INTAKE_PAGES_PER_MINUTE", "ACCOUNTS_SIGN_INS_PER_10_MINUTES"] {
            variables[limit] = "1000000"
        }
        variables.merge(overrides) { _, new in new }
        return try LifelineConfiguration.load(service: service, defaultHTTPPort: 0, reader: ConfigReader(environment: variables))
    }

    /// Signs tokens with the private key `make test` generated.
    static func token(role: Role, region: String = "370115", user: String = "tester", department: String? = nil) async throws -> String {
        let pem = try String(contentsOfFile: try require("AUTH_PRIVATE_KEY_FILE"), encoding: .utf8)
        return try await TokenKeys.signing(privateKeyPEM: pem).issue(LifelineClaims(user: user, role: role, region: region, department: department))
    }

    /// Where the service executables are (the same folder as the test bundle, or LIFELINE_BIN_DIR).
    static func binaryDirectory() throws -> URL {
        if let directory = environment["LIFELINE_BIN_DIR"] { return URL(fileURLWithPath: directory) }
        var candidate = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            if FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("lifeline-review").path) { return candidate }
            candidate = candidate.deletingLastPathComponent()
        }
        throw Missing(variable: "LIFELINE_BIN_DIR")
    }
}
