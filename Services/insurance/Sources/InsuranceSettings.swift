import Foundation
import LifelinePersistence
import LifelineRuntime
import Logging

/// Insurance's settings, parsed once at start-up.
struct InsuranceSettings: Sendable {
    /// Seals bank account numbers (from `INSURANCE_ACCOUNT_KEY_FILE`, or `INSURANCE_ACCOUNT_KEY`: 32
    /// random bytes, base64).
    var accounts: BankAccountSealing

    init(settings: ConfigReader) throws {
        let text: String
        if let file = settings.optionalString("INSURANCE_ACCOUNT_KEY_FILE") {
            guard let contents = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ConfigurationError(variable: "INSURANCE_ACCOUNT_KEY_FILE", reason: "cannot read the file")
            }
            text = contents
        } else if let value = settings.optionalString("INSURANCE_ACCOUNT_KEY") {
            text = value
        } else {
            throw ConfigurationError(
                variable: "INSURANCE_ACCOUNT_KEY_FILE",
                reason: "is required (or INSURANCE_ACCOUNT_KEY): 32 random bytes, base64, that encrypt bank account numbers (openssl rand -base64 32)")
        }
        guard let sealing = BankAccountSealing(base64Key: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ConfigurationError(variable: "INSURANCE_ACCOUNT_KEY_FILE", reason: "must hold 32 bytes in base64 (openssl rand -base64 32)")
        }
        accounts = sealing
    }

    /// The settings of a running service (checked at start-up, so they parse).
    static func from(_ dependencies: ServiceDependencies) -> InsuranceSettings {
        do {
            return try InsuranceSettings(settings: dependencies.configuration.settings)
        } catch {
            preconditionFailure("insurance settings were checked at start-up: \(error)")
        }
    }
}

/// Claim numbers: LP (理赔), the Beijing date and a 6-digit sequence (LP20261201000042); certification
/// numbers RD (认定).
enum InsuranceNumbers {
    static func next(_ prefix: String, sequence: String, on connection: PostgresConnection, logger: Logger) async throws -> String {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT \(RecordNumberSQL.next(prefix: prefix, sequence: sequence))
            """), logger: logger)
        for try await id in rows.decode(String.self) { return id }
        throw InsuranceError(.recordMissing, "编号生成失败")
    }
}
