import Foundation
import LifelineAuth
import LifelineEvents
import LifelinePersistence

/// The town's work on leads before a case: triage (分派到户) and verification (精准核实).
extension LeadStore {
    /// Leads of `status` in the caller's jurisdiction, oldest first.
    func leads(status: String, regionPrefix: String, limit: Int = 500) async throws -> [LeadRecord] {
        let like = regionPrefix + "%"
        return try await database.transaction { connection in
            try await LeadRecord.list(
                where: "WHERE status = \(status) AND (town_code LIKE \(like) OR (town_code = '' AND \(regionPrefix.count <= 6))) ORDER BY received_at LIMIT \(limit)",
                on: connection, logger: logger)
        }
    }

    /// Assigns a triage lead to a household of the registry; it then goes where any lead of that household goes.
    func assign(_ leadId: String, household: String, by user: AuthenticatedUser) async throws -> LeadRecord {
        try await withLead(leadId, action: "lead.assign", expecting: "triage", by: user, routingTo: household) { lead, connection in
            let rows = try await connection.query("SELECT village_code FROM households WHERE id = \(household) AND superseded_by IS NULL", logger: logger)
            var village: String?
            for try await code in rows.decode(String.self) { village = code }
            guard let village, user.covers(region: village) else {
                throw ReviewError(.unknownHousehold, "户编号不存在或不在本辖区", field: "householdId")
            }
            try await connection.query("""
                UPDATE leads SET household_id = \(household), village_code = \(village), town_code = \(String(village.prefix(9))) WHERE id = \(leadId)
                """, logger: logger)
            try await audit.record("lead.assigned", by: .init(user), leadId: leadId, householdId: household, on: connection)
            try await route(leadId, cause: nil, on: connection)
        }
    }

    /// Closes a triage lead that matches no household, with the reason its origin will read.
    func closeInTriage(_ leadId: String, reason: String, by user: AuthenticatedUser) async throws -> LeadRecord {
        try await withLead(leadId, action: "lead.close", expecting: "triage", by: user) { lead, connection in
            try await settle(lead, status: "closed", outcome: .closedInTriage, reason: reason, caseId: nil, by: .init(user), cause: nil, on: connection)
        }
    }

    /// The town's verification of a screening or hotline lead (精准核实).
    func verify(_ leadId: String, outcome: LeadOutcome, note: String, by user: AuthenticatedUser) async throws -> LeadRecord {
        try await withLead(leadId, action: "lead.verify", expecting: "verification", by: user) { lead, connection in
            if outcome == .confirmed {
                try await settle(lead, status: "verification", outcome: .confirmed, reason: note, caseId: nil, by: .init(user), cause: nil, on: connection)
                try await route(leadId, verified: true, cause: nil, on: connection)
            } else {
                try await settle(lead, status: "closed", outcome: outcome, reason: note, caseId: nil, by: .init(user), cause: nil, on: connection)
            }
        }
    }

    /// Runs `body` on a lead in the caller's jurisdiction and in the expected status, then reads it back.
    /// Out of reach answers "not found" and is audited. The routing locks of the lead's household and of
    /// `routingTo` are taken before the lead's row (HouseholdLock's order).
    private func withLead(
        _ leadId: String, action: String, expecting status: String, by user: AuthenticatedUser, routingTo target: String? = nil,
        _ body: @Sendable (LeadRecord, PostgresConnection) async throws -> Void
    ) async throws -> LeadRecord {
        let found = try await database.transaction { connection -> LeadRecord? in
            let named = try await connection.query("SELECT household_id FROM leads WHERE id = \(leadId)", logger: logger)
            var households = Set([target].compactMap { $0 })
            for try await household in named.decode(String?.self) { if let household { households.insert(household) } }
            try await HouseholdLock.hold(Array(households), on: connection, logger: logger)
            guard let lead = try await LeadRecord.load(leadId, forUpdate: true, on: connection, logger: logger),
                  lead.townCode.isEmpty ? DivisionCode.significantPrefix(user.region).count <= 6 : user.covers(region: lead.villageCode ?? lead.townCode)
            else { return nil }
            guard lead.status == status else { throw ReviewError(.leadSettled, "该线索不在待处理状态（当前：\(lead.status)）") }
            try await body(lead, connection)
            return try await LeadRecord.load(leadId, on: connection, logger: logger)
        }
        guard let found else {
            try await database.transaction { connection in
                try await audit.record(action, by: .init(user), outcome: .refused, leadId: leadId, detail: ["reason": "not_found_or_outside_region"], on: connection)
            }
            throw ReviewError(.notFound, "线索不存在")
        }
        return found
    }
}
