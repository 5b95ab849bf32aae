import LifelinePersistence
import Logging

/// The monitoring line (监测标准) per year and province, per person per year in fen: data the district
/// keeps current (`PUT /v1/monitoring-lines/{year}`), never code.
enum MonitoringLines {
    static func line(year: Int, province: String, on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        let rows = try await connection.query("""
            SELECT line_fen FROM monitoring_lines WHERE year = \(year) AND province = \(province)
            """, logger: logger)
        for try await line in rows.decode(Int64.self) { return line }
        throw ReviewError(.noMonitoringLine, "\(year)年的监测标准尚未设置", field: "year")
    }
}
