import Foundation
import LifelineAuth
import LifelinePersistence
import Logging

/// Writes insurance's append-only audit log (审计留痕): certifications and their revocation, claim
/// decisions, payments and policy changes, and every refused attempt. Triggers refuse UPDATE, DELETE
/// and TRUNCATE (InsuranceMigrations.audit).
struct InsuranceAudit: Sendable {
    /// Who acted: an official from a token, or insurance itself.
    struct Actor: Sendable {
        var id: String
        var role: String
        var region: String

        init(_ user: AuthenticatedUser) {
            id = user.id
            role = user.role.rawValue
            region = user.region
        }
    }

    enum Outcome: String {
        case done, refused
    }

    let logger: Logger

    /// Runs `body` (a store's transaction); when it fails with an `InsuranceError`, records the refused
    /// attempt in a transaction of its own (the failed one rolled back) and rethrows.
    func refusals<T: Sendable>(
        _ action: String, by actor: Actor, subject: String? = nil, householdId: String? = nil, database: Database, _ body: () async throws -> T
    ) async throws -> T {
        do {
            return try await body()
        } catch let error as InsuranceError {
            try await database.transaction { connection in
                try await record(action, by: actor, outcome: .refused, subject: subject, householdId: householdId,
                                 detail: ["code": error.code.description], on: connection)
            }
            throw error
        }
    }

    func record(
        _ action: String, by actor: Actor, outcome: Outcome = .done, subject: String? = nil, householdId: String? = nil,
        detail: [String: String] = [:], on connection: PostgresConnection
    ) async throws {
        let json = String(decoding: try JSONEncoder.sorted.encode(detail), as: UTF8.self)
        try await connection.query("""
            INSERT INTO audit_log (actor, role, region, action, subject, household_id, outcome, detail)
            VALUES (\(actor.id), \(actor.role), \(actor.region), \(action), \(subject), \(householdId), \(outcome.rawValue), \(json)::jsonb)
            """, logger: logger)
    }
}

extension JSONEncoder {
    /// Stable output (sorted keys), for stored JSON.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}
