import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime
import Logging

/// Keeps each application's progress in step with review: the case it joined, every step of that case,
/// and the decision, which also closes the application so the person may apply again.
struct ApplicationProgressHandler: Sendable {
    let logger: Logger

    init(dependencies: ServiceDependencies) {
        logger = dependencies.logger
    }

    func leadJoined(_ joined: LeadJoinedCase, on connection: PostgresConnection) async throws {
        guard let number = joined.applicationNumber else { return }
        try await connection.query("""
            UPDATE applications SET status = 'under_review', case_id = \(joined.caseId)
            WHERE number = \(number) AND status = 'submitted'
            """, logger: logger)
        try await addStep(number: number, stage: joined.stage, at: joined.joinedAt, note: Self.note(for: joined.stage), on: connection)
    }

    func stageChanged(_ changed: CaseStageChanged, on connection: PostgresConnection) async throws {
        guard changed.kind == .identification else { return }
        for number in try await applications(of: changed.caseId, on: connection) {
            try await addStep(number: number, stage: changed.to, at: changed.changedAt, note: Self.note(for: changed.to), on: connection)
        }
    }

    func caseDecided(_ decided: CaseDecided, on connection: PostgresConnection) async throws {
        guard decided.kind == .identification else { return }
        let note = decided.outcome == .monitored
            ? "经认定，纳入防止返贫监测对象（\(decided.category?.chineseName ?? "监测对象")），将落实帮扶措施"
            : "经认定，不纳入监测：\(decided.reason ?? "")"
        for number in Set(decided.applicationNumbers + (try await applications(of: decided.caseId, on: connection))) {
            try await close(number, note: note, at: decided.decidedAt, on: connection)
        }
    }

    /// A self-application that did not join a case (the household is monitored already).
    func leadSettled(_ settled: LeadSettled, on connection: PostgresConnection) async throws {
        guard settled.origin.road == .selfApplication, settled.caseId == nil else { return }
        try await close(settled.origin.originId, note: settled.reason ?? settled.outcome.chineseName, at: settled.settledAt, on: connection)
    }

    private func close(_ number: String, note: String, at date: Date, on connection: PostgresConnection) async throws {
        try await connection.query("""
            UPDATE applications SET status = 'decided', decision_reason = \(note) WHERE number = \(number) AND status IN ('submitted', 'under_review')
            """, logger: logger)
        try await addStep(number: number, stage: .decided, at: date, note: note, on: connection)
    }

    private func applications(of caseId: String, on connection: PostgresConnection) async throws -> [String] {
        var numbers: [String] = []
        let rows = try await connection.query("SELECT number FROM applications WHERE case_id = \(caseId)", logger: logger)
        for try await number in rows.decode(String.self) { numbers.append(number) }
        return numbers
    }

    private func addStep(number: String, stage: ReviewStage, at date: Date, note: String?, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO application_timeline (application_number, stage, occurred_at, note)
            SELECT number, \(stage.rawValue), \(date), \(note) FROM applications WHERE number = \(number)
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    /// What the household reads at each step (no personal data).
    static func note(for stage: ReviewStage) -> String? {
        switch stage {
        case .homeVerification: "已受理，村级网格员将入户核实"
        case .democraticAppraisal: "入户核实已完成，村里将召开民主评议会"
        case .informationComparison: "民主评议已完成，正在与相关部门比对信息"
        case .townReview: "信息比对已完成，镇（街道）正在审核"
        case .publicAnnouncement: "镇（街道）审核通过，正在村内公示"
        case .systemEntry: "公示期满，区级正在审核录入"
        default: nil
        }
    }
}
