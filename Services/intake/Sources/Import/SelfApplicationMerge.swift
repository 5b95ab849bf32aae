import Foundation
import LifelineEventBus
import LifelineEvents
import Logging
import LifelinePersistence

/// Merges self-application households into the imported households their applicants now belong to.
struct SelfApplicationMerge {
    let publisher: EventPublisher
    let logger: Logger

    /// Moves what hangs on a self-application household (applications, visits, meeting decisions) to
    /// the imported household its applicant now belongs to; the old household, left without members, is
    /// marked superseded and republished empty, naming its successor. Applications and visits take the
    /// new household's village; meeting decisions move only within the same village (a meeting decided
    /// about its own village's households).
    func merge(_ merges: [(provisional: String, into: String)], on connection: PostgresConnection, at now: Date) async throws {
        guard !merges.isEmpty else { return }
        var superseded: [HouseholdRegistered] = []
        for (old, successor) in merges {
            // First the old household's row: a self-application reading it (FOR SHARE) commits before
            // the rows that hang on it are moved, so none is left behind.
            try await connection.query("SELECT id FROM households WHERE id = \(old) FOR UPDATE", logger: logger)
            try await connection.query("""
                UPDATE applications a SET household_id = \(successor), village_code = h.village_code
                FROM households h WHERE h.id = \(successor) AND a.household_id = \(old)
                """, logger: logger)
            try await connection.query("""
                UPDATE grid_visits v SET household_id = \(successor), village_code = h.village_code
                FROM households h WHERE h.id = \(successor) AND v.household_id = \(old)
                """, logger: logger)
            try await connection.query("""
                UPDATE meeting_decisions d SET household_id = \(successor) WHERE household_id = \(old)
                    AND (SELECT village_code FROM households WHERE id = \(old)) = (SELECT village_code FROM households WHERE id = \(successor))
                    AND NOT EXISTS (SELECT 1 FROM meeting_decisions o WHERE o.meeting_id = d.meeting_id AND o.household_id = \(successor))
                """, logger: logger)
            for try await village in try await connection.query("""
                UPDATE households SET provisional = false, superseded_by = \(successor), content_hash = NULL, updated_at = now()
                WHERE id = \(old) AND NOT EXISTS (SELECT 1 FROM household_members WHERE household_id = \(old))
                RETURNING village_code
                """, logger: logger).decode(String.self) {
                superseded.append(HouseholdRegistered(
                    householdId: old, villageCode: village, householdGroupId: nil, provisional: false, members: [], updatedAt: now,
                    source: "merged", supersededBy: successor))
            }
        }
        try await publisher.publishAll(superseded, on: connection)
    }
}
