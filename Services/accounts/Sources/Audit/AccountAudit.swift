import Foundation
import LifelinePersistence
import Logging

/// Writes accounts' append-only audit log: every sign-in (with its outcome), password change, and
/// account change. Never a password or a mobile number; the account id and the client address only.
struct AccountAudit: Sendable {
    let logger: Logger

    func record(
        _ action: String, actor: String, account: String?, outcome: String = "done", detail: [String: String] = [:], client: String?,
        on connection: PostgresConnection
    ) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(detail), as: UTF8.self)
        try await connection.query("""
            INSERT INTO audit_log (actor, action, account_id, outcome, detail, client)
            VALUES (\(actor), \(action), \(account), \(outcome), \(json)::jsonb, \(client))
            """, logger: logger)
    }
}
