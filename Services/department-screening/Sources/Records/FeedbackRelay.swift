import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging

/// Closes the loop (汇总—反馈—核查—比对—应用): review's outcome of a warning (the town's verification,
/// then the decision of the case it joined) goes back to every department record behind it.
struct FeedbackRelay: Sendable {
    let publisher: EventPublisher
    let logger: Logger

    func leadSettled(_ settled: LeadSettled, cause: CloudEvent, on connection: PostgresConnection) async throws {
        guard settled.origin.road == .departmentScreening else { return }
        let outcome: RecordFeedback.Outcome =
            switch settled.outcome {
            case .confirmed: .confirmed
            case .falseAlarm: .falseAlarm
            case .alreadyCovered: .alreadyCovered
            case .monitored: .monitored
            // closedInTriage, notMonitored and outcomes a newer review may add: no monitoring came of it.
            default: .notMonitored
            }
        try await connection.query("UPDATE warnings SET outcome = \(outcome.rawValue) WHERE id = \(settled.origin.originId)", logger: logger)
        let rows = try await connection.query("""
            SELECT department, record_id, period FROM department_records WHERE warning_id = \(settled.origin.originId) ORDER BY department, record_id
            """, logger: logger)
        var records: [(String, String, String)] = []
        for try await row in rows.decode((String, String, String).self) { records.append(row) }
        for (department, recordId, period) in records {
            try await publisher.publish(RecordFeedback(
                department: department, recordId: recordId, period: period, outcome: outcome, reason: settled.reason,
                warningId: settled.origin.originId, at: settled.settledAt
            ), on: connection, causedBy: cause)
        }
    }
}
