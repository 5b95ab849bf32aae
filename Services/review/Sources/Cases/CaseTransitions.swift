import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence

/// The moves of a case: record a step, go to the next step, end it. Each publishes its event in the
/// caller's transaction.
extension CaseStore {
    /// Stores what a step found (who, when, what).
    func recordStep(_ record: CaseRecord, stage: ReviewStage, by actor: AuditTrail.Actor, details: some Encodable, on connection: PostgresConnection) async throws {
        let json = String(decoding: try JSONEncoder.sorted.encode(details), as: UTF8.self)
        try await connection.query("""
            INSERT INTO case_steps (case_id, stage, recorded_at, recorded_by, recorded_role, details)
            VALUES (\(record.id), \(stage.rawValue), \(Date()), \(actor.id), \(actor.role), \(json)::jsonb)
            ON CONFLICT (case_id, stage) DO UPDATE SET recorded_at = EXCLUDED.recorded_at, recorded_by = EXCLUDED.recorded_by,
                recorded_role = EXCLUDED.recorded_role, details = case_steps.details || EXCLUDED.details
            """, logger: logger)
    }

    /// Moves the case to `stage`.
    func advance(_ record: CaseRecord, to stage: ReviewStage, by role: String, cause: CloudEvent? = nil, on connection: PostgresConnection) async throws {
        let now = Date()
        try await connection.query("UPDATE cases SET stage = \(stage.rawValue), updated_at = \(now) WHERE id = \(record.id)", logger: logger)
        try await publisher.publish(CaseStageChanged(
            caseId: record.id, householdId: record.householdId, villageCode: record.villageCode, kind: record.kind, from: record.stage, to: stage,
            by: role, changedAt: now, dueBy: record.dueBy
        ), on: connection, causedBy: cause)
    }

    /// Ends the case. Identification: `monitored` with a category, or `notMonitored` with a reason;
    /// elimination: `eliminated`, or `stillMonitored` with a reason. Every lead of the case learns the outcome.
    func decide(
        _ record: CaseRecord, outcome: CaseOutcome, category: MonitoringCategory?, reason: String?, by actor: AuditTrail.Actor,
        cause: CloudEvent? = nil, on connection: PostgresConnection
    ) async throws {
        let now = Date()
        try await connection.query("""
            UPDATE cases SET stage = \(ReviewStage.decided.rawValue), outcome = \(outcome.rawValue), category = \(category?.rawValue),
                decision_reason = \(reason), closed_at = \(now), updated_at = \(now)
            WHERE id = \(record.id)
            """, logger: logger)
        let leads = try await LeadRecord.list(where: "WHERE case_id = \(record.id) AND status = 'joined' ORDER BY received_at", on: connection, logger: logger)
        try await publisher.publish(CaseDecided(
            caseId: record.id, householdId: record.householdId, villageCode: record.villageCode, kind: record.kind, outcome: outcome,
            category: category, reason: reason, endedAt: record.stage, decidedAt: now,
            applicationNumbers: leads.compactMap(\.applicationNumber), leads: leads.map(\.origin)
        ), on: connection, causedBy: cause)
        guard record.kind == .identification else { return }
        let leadOutcome: LeadOutcome = outcome == .monitored ? .monitored : .notMonitored
        let leadStore = LeadStore(database: database, publisher: publisher, logger: logger)
        for lead in leads {
            let text = outcome == .monitored ? "纳入监测：\(category?.chineseName ?? "监测对象")" : reason
            try await leadStore.settle(lead, status: "closed", outcome: leadOutcome, reason: text, caseId: record.id, by: actor, cause: cause, on: connection)
        }
    }
}
