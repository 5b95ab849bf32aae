import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging

/// Answers review's comparison requests (信息比对): the departments' records about every member of the
/// household in the last 24 months, each as a finding that argues against monitoring or supports it
/// (which way each kind counts is configuration: `comparison_kinds`). Findings name the member by
/// relation and the record by its department's id, never by ID number.
struct ComparisonAnswerer: Sendable {
    let publisher: EventPublisher
    let logger: Logger

    /// The departments whose data a comparison consults.
    static let sources = ["公安", "市场监管", "不动产", "财政", "人社", "民政", "医保", "卫健", "残联"]

    func answer(_ request: ComparisonRequested, cause: CloudEvent, on connection: PostgresConnection) async throws {
        let rows = try await connection.query("""
            SELECT r.department, r.record_id, r.kind, to_char(r.fact_date, 'YYYY-MM-DD'), r.amount_fen, m.relation, k.argues_against_monitoring
            FROM registry_members m
            JOIN department_records r ON r.id_number = m.id_number AND r.status <> 'rejected'
            JOIN comparison_kinds k ON k.kind = r.kind
            WHERE m.household_id = \(request.householdId) AND r.fact_date > (now() AT TIME ZONE 'Asia/Shanghai')::date - interval '24 months'
            ORDER BY r.fact_date, r.department, r.record_id
            """, logger: logger)
        var findings: [ComparisonAnswered.Finding] = []
        for try await (department, recordId, kind, date, amount, relation, against) in rows.decode(
            (String, String, String, String?, Int64?, String, Bool).self)
        {
            let fact = FactKind(uncheckedRawValue: kind)
            let money = amount.map { "，金额\($0 / 100)元" } ?? ""
            findings.append(.init(
                department: department, kind: kind, summary: "\(relation)：\(fact.chineseName)（\(date ?? "日期不详")\(money)；记录号\(department):\(recordId)）",
                arguesAgainstMonitoring: against))
        }
        try await publisher.publish(ComparisonAnswered(
            requestId: request.requestId, caseId: request.caseId, householdId: request.householdId, sourcesChecked: Self.sources, findings: findings,
            answeredAt: Date()
        ), on: connection, causedBy: cause)
    }
}
