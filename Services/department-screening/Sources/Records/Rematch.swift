import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging

/// Records and the registry arrive on different topics: a record can come before its person's
/// household. When the registry learns of people, their unmatched records of the last 12 months are
/// screened again (the department then hears the new outcome after "查无此人").
extension RecordScreening {
    func rematch(idNumbers: [String], on connection: PostgresConnection) async throws {
        guard !idNumbers.isEmpty else { return }
        let rows = try await connection.query("""
            WITH gone AS (
                DELETE FROM department_records
                WHERE status = 'unmatched' AND id_number = ANY(\(idNumbers)) AND received_at > now() - interval '12 months'
                RETURNING department, record_id, period, id_number, name, kind, fact_date, amount_fen, details, source, received_at
            )
            SELECT department, record_id, period, id_number, name, kind, to_char(fact_date, 'YYYY-MM-DD'), amount_fen, details::text, source
            FROM gone ORDER BY received_at, department, record_id
            """, logger: logger)
        var records: [Incoming] = []
        for try await c in rows.decode((String, String, String, String, String, String, String?, Int64?, String, String).self) {
            let details = (try? JSONDecoder().decode([String: String].self, from: Data(c.8.utf8))) ?? [:]
            records.append(Incoming(record: DepartmentRecordPushed(
                department: c.0, recordId: c.1, period: c.2, idNumber: c.3, name: c.4, kind: FactKind(uncheckedRawValue: c.5), date: c.6 ?? "",
                amountFen: c.7, details: details.isEmpty ? nil : details), source: c.9))
        }
        // Screened again in the order they were first received.
        try await screenAll(records, on: connection)
    }
}
