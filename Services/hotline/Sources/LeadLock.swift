import LifelinePersistence
import Logging

/// An order joining an earlier order's lead (合并办理) and review's settlement of that lead exclude each
/// other: the two run on different consumer groups, and a repeat joined in a transaction the
/// settlement could not see yet would never be answered. Each takes this transaction-scoped advisory
/// lock on the lead first; the joining order then checks that the lead is still unsettled.
public enum LeadLock {
    /// Waits for, then holds until the transaction ends, the lock of `leadId`.
    public static func hold(_ leadId: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(hashtext('hotline.lead:' || \(leadId)))::text", logger: logger)
    }
}
