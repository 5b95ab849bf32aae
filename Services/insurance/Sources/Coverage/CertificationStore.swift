import Foundation
import LifelineAuth
import LifelinePersistence
import Logging

/// The towns' certifications (镇街认定) of households outside monitoring that met a sudden hardship or
/// whose hardship remained after policy support: an explicit decision with a reason and a period,
/// audited, revocable with a reason.
struct CertificationStore: Sendable {
    let database: Database
    let audit: InsuranceAudit
    let logger: Logger

    struct Request: Decodable, Sendable {
        var householdId: String
        /// `suddenHardship` (遭遇临时性困难) or `remainingHardship` (经政策帮扶仍未解决实际困难).
        var kind: String
        var reason: String
        var validFrom: String
        /// Defaults to a year less a day after `validFrom`.
        var validUntil: String?

        static let kinds = ["suddenHardship": "遭遇临时性困难", "remainingHardship": "经政策帮扶仍未解决实际困难"]
    }

    struct View: Encodable, Sendable {
        var certificationId: String
        var householdId: String
        var villageCode: String
        var kind: String
        var kindName: String
        var reason: String
        var validFrom: String
        var validUntil: String
        var certifiedBy: String
        var certifiedAt: Date
        var revokedBy: String?
        var revokedAt: Date?
        var revocationReason: String?
    }

    func certify(_ request: Request, validUntil: String, by user: AuthenticatedUser) async throws -> View {
        try await audit.refusals("certification.create", by: .init(user), householdId: request.householdId, database: database) {
            try await create(request, validUntil: validUntil, by: user)
        }
    }

    private func create(_ request: Request, validUntil: String, by user: AuthenticatedUser) async throws -> View {
        try await database.transaction { connection in
            let household = try await CoveredHousehold.find(request.householdId, for: user, on: connection, logger: logger)
            if let merged = household.supersededBy {
                throw InsuranceError(.householdMerged, "该户已并入 \(merged)，请对合并后的户认定", field: "householdId")
            }
            if let coverage = try await household.coverage(on: request.validFrom, connection: connection, logger: logger),
               coverage.basis != .certified {
                throw InsuranceError(.alreadyMonitored, "该户已是监测对象，已在保障范围内，无需认定", field: "householdId")
            }
            let id = try await InsuranceNumbers.next("RD", sequence: "certification_number_seq", on: connection, logger: logger)
            try await connection.query("""
                INSERT INTO certifications (id, household_id, village_code, kind, reason, valid_from, valid_until, certified_by)
                VALUES (\(id), \(household.householdId), \(household.villageCode), \(request.kind), \(request.reason), \(request.validFrom)::date,
                        \(validUntil)::date, \(user.id))
                """, logger: logger)
            try await audit.record("certification.create", by: .init(user), subject: id, householdId: household.householdId,
                                   detail: ["kind": request.kind, "reason": request.reason, "validFrom": request.validFrom, "validUntil": validUntil],
                                   on: connection)
            return try await Self.view(id, on: connection, logger: logger)
        }
    }

    func revoke(_ id: String, reason: String, by user: AuthenticatedUser) async throws -> View {
        try await audit.refusals("certification.revoke", by: .init(user), subject: id, database: database) {
            try await markRevoked(id, reason: reason, by: user)
        }
    }

    private func markRevoked(_ id: String, reason: String, by user: AuthenticatedUser) async throws -> View {
        try await database.transaction { connection in
            let current = try await Self.view(id, on: connection, logger: logger)
            guard user.covers(region: current.villageCode) else { throw InsuranceError(.notFound, "未找到该认定") }
            guard current.revokedAt == nil else { throw InsuranceError(.wrongStatus, "该认定已撤销") }
            // Only an unrevoked one: of two revocations at once, the second waits for the first's commit,
            // then finds nothing to revoke and is refused like a later one.
            let revoked = try await connection.query("""
                UPDATE certifications SET revoked_by = \(user.id), revoked_at = now(), revocation_reason = \(reason)
                WHERE id = \(id) AND revoked_at IS NULL
                RETURNING 1
                """, logger: logger)
            var changed = false
            for try await _ in revoked { changed = true }
            guard changed else { throw InsuranceError(.wrongStatus, "该认定已撤销") }
            try await audit.record("certification.revoke", by: .init(user), subject: id, householdId: current.householdId,
                                   detail: ["reason": reason], on: connection)
            return try await Self.view(id, on: connection, logger: logger)
        }
    }

    func list(regionPrefix: String) async throws -> [View] {
        try await database.transaction { connection in
            var binds = PostgresBindings()
            binds.append(regionPrefix + "%")
            return try await Self.views(where: "village_code LIKE $1 ORDER BY certified_at DESC LIMIT 2000", binds: binds, on: connection, logger: logger)
        }
    }

    static func view(_ id: String, on connection: PostgresConnection, logger: Logger) async throws -> View {
        var binds = PostgresBindings()
        binds.append(id)
        guard let view = try await views(where: "id = $1", binds: binds, on: connection, logger: logger).first else {
            throw InsuranceError(.notFound, "未找到该认定")
        }
        return view
    }

    /// The certifications chosen by `condition` (SQL after WHERE, with its binds), in one query.
    static func views(where condition: String, binds: PostgresBindings, on connection: PostgresConnection, logger: Logger) async throws -> [View] {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT id, household_id, village_code, kind, reason, to_char(valid_from, 'YYYY-MM-DD'), to_char(valid_until, 'YYYY-MM-DD'), certified_by,
                   certified_at, revoked_by, revoked_at, revocation_reason
            FROM certifications WHERE \(condition)
            """, binds: binds), logger: logger)
        var list: [View] = []
        for try await row in rows.decode((String, String, String, String, String, String, String, String, Date, String?, Date?, String?).self) {
            list.append(View(
                certificationId: row.0, householdId: row.1, villageCode: row.2, kind: row.3, kindName: Request.kinds[row.3] ?? row.3, reason: row.4,
                validFrom: row.5, validUntil: row.6, certifiedBy: row.7, certifiedAt: row.8, revokedBy: row.9, revokedAt: row.10,
                revocationReason: row.11))
        }
        return list
    }
}
