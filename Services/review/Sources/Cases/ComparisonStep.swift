import Foundation
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence

/// Step 3, information comparison (信息比对): review asks department screening on `review.comparisons`
/// and waits, visibly (`comparisonState = requested`), for the answer on
/// `department-screening.comparisons`. Clear findings move the case to the town's review; findings
/// that argue against monitoring wait for the town's decision.
extension CaseStore {
    func requestComparison(_ record: CaseRecord, cause: CloudEvent? = nil, on connection: PostgresConnection) async throws {
        let requestId = "BD-" + record.id + "-" + UUID().uuidString.prefix(8).lowercased()
        let now = Date()
        try await connection.query("""
            INSERT INTO comparisons (request_id, case_id, requested_at) VALUES (\(requestId), \(record.id), \(now))
            """, logger: logger)
        try await connection.query("UPDATE cases SET comparison_state = 'requested' WHERE id = \(record.id)", logger: logger)
        try await publisher.publish(ComparisonRequested(
            requestId: requestId, caseId: record.id, householdId: record.householdId, villageCode: record.villageCode, requestedAt: now
        ), on: connection, causedBy: cause)
    }

    /// Handles screening's answer (once: a second answer to the same request changes nothing).
    func comparisonAnswered(_ answer: ComparisonAnswered, cause: CloudEvent, on connection: PostgresConnection) async throws {
        let adverse = answer.findings.contains { $0.arguesAgainstMonitoring }
        let findings = String(decoding: try JSONEncoder.sorted.encode(answer.findings), as: UTF8.self)
        let updated = try await connection.query("""
            UPDATE comparisons SET answered_at = \(answer.answeredAt), sources = \(answer.sourcesChecked), findings = \(findings)::jsonb,
                adverse = \(adverse)
            WHERE request_id = \(answer.requestId) AND case_id = \(answer.caseId) AND answered_at IS NULL RETURNING case_id
            """, logger: logger).hasRow
        guard updated, let record = try await CaseRecord.load(answer.caseId, forUpdate: true, on: connection, logger: logger),
              record.isOpen, record.stage == .informationComparison
        else { return }
        try await audit.record("comparison.answered", by: .review, caseId: record.id, householdId: record.householdId,
                               detail: ["adverse": String(adverse), "findings": String(answer.findings.count)], on: connection)
        try await connection.query("UPDATE cases SET comparison_state = \(adverse ? "adverse" : "clear") WHERE id = \(record.id)", logger: logger)
        if !adverse {
            try await advance(record, to: .townReview, by: "review", cause: cause, on: connection)
        }
    }

    /// The town's decision on findings that argue against monitoring.
    func decideOnComparison(_ caseId: String, _ request: DecisionRequest, by user: AuthenticatedUser) async throws -> CaseRecord {
        try request.validate()
        return try await act(caseId, action: "step.comparisonDecision", by: user, roles: [.town], stages: [.informationComparison]) { record, connection in
            guard record.comparisonState == "adverse" else {
                throw ReviewError(.comparisonPending, record.comparisonState == "requested" ? "部门比对结果尚未返回" : "比对结果无异常，无需镇街决定")
            }
            try await recordStep(record, stage: .informationComparison, by: .init(user), details: request, on: connection)
            if request.approved {
                try await advance(record, to: .townReview, by: user.role.rawValue, on: connection)
            } else {
                try await decide(record, outcome: .notMonitored, category: nil, reason: "信息比对不符合条件：" + (request.opinion ?? ""), by: .init(user), on: connection)
            }
        }
    }
}

