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
            DELETE FROM department_records
            WHERE status = 'unmatched' AND id_number = ANY(\(idNumbers)) AND received_at > now() - interval '12 months'
            RETURNING department, record_id, period, id_number, name, kind, to_char(fact_date, 'YYYY-MM-DD'), amount_fen, details::text, source
            """, logger: logger)
        var records: [(DepartmentRecordPushed, String)] = []
        for try await c in rows.decode((String, String, String, String, String, String, String?, Int64?, String, String).self) {
            let details = (try? JSONDecoder().decode([String: String].self, from: Data(c.8.utf8))) ?? [:]
            records.append((DepartmentRecordPushed(
                department: c.0, recordId: c.1, period: c.2, idNumber: c.3, name: c.4, kind: FactKind(uncheckedRawValue: c.5), date: c.6 ?? "",
                amountFen: c.7, details: details.isEmpty ? nil : details), c.9))
        }
        for (record, source) in records {
            try await screen(record, source: source, cause: nil, on: connection)
        }
    }
}
