import Foundation
import LifelineAuth
import LifelinePersistence
import Logging

/// Why a household is covered on a day, and the category its payout ratio follows.
struct Coverage: Sendable, Hashable {
    enum Basis: String, Sendable {
        /// Under monitoring per review (from `MonitoringStarted` to `RiskEliminated`).
        case monitored
        /// Under monitoring per intake's register (households imported with their category).
        case registry
        /// Certified by its town: outside monitoring but in a sudden hardship, or a hardship that
        /// remained after policy support (the source article's 临时性困难 and 经政策帮扶仍未解决).
        case certified
    }

    var basis: Basis
    /// `unstableFormerlyPoor`, `marginal`, `suddenHardship` (monitored) or `certified`.
    var category: String
    /// The case or certification that gives it.
    var source: String?
}

/// A household of the registry copy, as a caller may see it.
struct CoveredHousehold: Sendable {
    var householdId: String
    var villageCode: String
    var monitoringCategory: String?
    /// The day review ended the register's monitoring, if it did (yyyy-MM-dd).
    var monitoringEndedOn: String?
    var supersededBy: String?
    /// The households merged into this one (intake's provisional households whose people the district's
    /// file placed here), through any chain of merges.
    var absorbed: [String] = []

    var townCode: String { String(villageCode.prefix(9)) }
    /// This household and those merged into it: review keeps its case, and a town its certification, on
    /// the household they decided about, and their cover passes with the people to this one.
    var lineage: [String] { [householdId] + absorbed }

    /// Reads the household if the caller's jurisdiction includes it (the insurer's and the district's
    /// include every household); otherwise, and when unknown, `notFound` (outside the caller's reach
    /// looks the same as not existing).
    static func find(_ householdId: String, for user: AuthenticatedUser, on connection: PostgresConnection, logger: Logger) async throws -> CoveredHousehold {
        let rows = try await connection.query("""
            SELECT h.village_code, h.monitoring_category, to_char(e.ended_on, 'YYYY-MM-DD'), h.superseded_by
            FROM households h LEFT JOIN register_monitoring_ends e ON e.household_id = h.household_id
            WHERE h.household_id = \(householdId)
            """, logger: logger)
        for try await (village, category, ended, superseded) in rows.decode((String, String?, String?, String?).self)
        where ClaimStore.sees(user, village: village) {
            return CoveredHousehold(
                householdId: householdId, villageCode: village, monitoringCategory: category, monitoringEndedOn: ended, supersededBy: superseded,
                absorbed: try await MergeChain.absorbed(into: householdId, table: "households", idColumn: "household_id", on: connection, logger: logger))
        }
        throw InsuranceError(.notFound, "未找到该户，或不在本辖区", field: "householdId")
    }

    /// What covers the household on `day` (yyyy-MM-dd): review's monitoring first, then the
    /// register's category, then a certification in force (monitoring and certifications also of the
    /// households merged into it); `nil` when nothing does.
    func coverage(on day: String, connection: PostgresConnection, logger: Logger) async throws -> Coverage? {
        let monitored = try await connection.query("""
            SELECT case_id, category FROM monitoring_periods
            WHERE household_id = ANY(\(lineage)) AND started_on <= \(day)::date AND (ended_on IS NULL OR ended_on >= \(day)::date)
            ORDER BY started_on DESC LIMIT 1
            """, logger: logger)
        for try await (caseId, category) in monitored.decode((String, String).self) {
            return Coverage(basis: .monitored, category: category, source: caseId)
        }
        // yyyy-MM-dd texts compare as dates.
        if let category = monitoringCategory, monitoringEndedOn.map({ day <= $0 }) ?? true {
            return Coverage(basis: .registry, category: category, source: nil)
        }
        let certified = try await connection.query("""
            SELECT id FROM certifications
            WHERE household_id = ANY(\(lineage)) AND valid_from <= \(day)::date AND valid_until >= \(day)::date
              AND (revoked_at IS NULL OR (revoked_at AT TIME ZONE 'Asia/Shanghai')::date > \(day)::date)
            ORDER BY valid_from DESC LIMIT 1
            """, logger: logger)
        for try await id in certified.decode(String.self) {
            return Coverage(basis: .certified, category: "certified", source: id)
        }
        return nil
    }
}
