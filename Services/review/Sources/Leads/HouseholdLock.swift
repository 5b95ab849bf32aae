import LifelinePersistence
import Logging

/// Routing a family's leads happens one transaction at a time. Without it, a lead sent to the town's
/// verification in one transaction could not see the case another transaction was opening for the same
/// household, nor could that case's sweep see the lead: it would wait in the town's list beside an open
/// case. A household intake merged into another shares the lock of the household that absorbed it, as
/// routing treats them as one family.
///
/// Lock order: this lock first, then lead rows and the audit trail's lock (`audit_trail`'s trigger takes
/// one per schema): a lead's arrival takes it before recording the lead, the town's actions before
/// locking their lead, as a case opening does before sweeping the family's waiting leads.
enum HouseholdLock {
    /// Waits for, then holds until the transaction ends, the routing locks of the families of
    /// `households`, in a fixed order.
    static func hold(_ households: [String], on connection: PostgresConnection, logger: Logger) async throws {
        var families = Set<String>()
        for household in households {
            families.insert(try await MergeChain.survivor(of: household, table: "households", idColumn: "id", on: connection, logger: logger) ?? household)
        }
        for family in families.sorted() {
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('review.household:' || \(family)))::text", logger: logger)
        }
    }
}
