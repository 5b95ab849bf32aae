import LifelinePersistence
import Logging

/// Routing a household's leads happens one transaction at a time. Without it, a lead sent to the town's
/// verification in one transaction could not see the case another transaction was opening for the same
/// household, nor could that case's sweep see the lead: it would wait in the town's list beside an open
/// case. Lock order: this lock first, then lead rows (the town's actions take it before locking their
/// lead, as a case opening does before sweeping the household's waiting leads).
enum HouseholdLock {
    /// Waits for, then holds until the transaction ends, the routing lock of `householdId`.
    static func hold(_ householdId: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(hashtext('review.household:' || \(householdId)))::text", logger: logger)
    }
}
