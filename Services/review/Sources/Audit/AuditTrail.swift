import Foundation
import LifelineAuth
import LifelinePersistence
import Logging

/// Writes the append-only audit trail (审计留痕): who did what to which case or lead, and every refused
/// attempt. Rows are chained by hash in the database (ReviewMigrations.audit).
struct AuditTrail: Sendable {
    /// Who acted: an official from a token, or review itself (an event or the clock).
    struct Actor: Sendable {
        var id: String
        var role: String
        var region: String

        init(_ user: AuthenticatedUser) {
            id = user.id
            role = user.role.rawValue
            region = user.region
        }

        private init(id: String, role: String, region: String) {
            self.id = id
            self.role = role
            self.region = region
        }

        static let review = Actor(id: "review", role: "system", region: "")
    }

    enum Outcome: String {
        case done, refused
    }

    let logger: Logger

    func record(
        _ action: String, by actor: Actor, outcome: Outcome = .done, caseId: String? = nil, leadId: String? = nil, householdId: String? = nil,
        detail: [String: String] = [:], on connection: PostgresConnection
    ) async throws {
        let json = String(decoding: try JSONEncoder.sorted.encode(detail), as: UTF8.self)
        try await connection.query("""
            INSERT INTO audit_trail (actor, role, region, action, case_id, lead_id, household_id, outcome, detail)
            VALUES (\(actor.id), \(actor.role), \(actor.region), \(action), \(caseId), \(leadId), \(householdId), \(outcome.rawValue), \(json)::jsonb)
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
