import LifelinePersistence
import LifelineRuntime
import Logging

/// Numbers people read out and write down: prefix + date (Asia/Shanghai) + 6-digit sequence, for
/// example `SQ20261129000042` (application) or `XS20261129000007` (grid lead).
enum RecordNumbers {
    static func next(_ prefix: String, sequence: String, on connection: PostgresConnection, logger: Logger) async throws -> String {
        for try await number in try await connection.query("""
            SELECT \(prefix) || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad(nextval(\(sequence)::regclass)::text, 6, '0')
            """, logger: logger).decode(String.self) {
            return number
        }
        throw APIError(status: .internalServerError, code: "internal_error", message: "服务暂时不可用，请稍后再试")
    }
}
