import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime
import Logging

/// A recorded visit.
struct VisitView: Codable, Sendable {
    var id: String
    var householdId: String
    var visitedOn: String
    var risks: [String]
    var notes: String
    var recordedBy: String
    var recordedAt: Date
}

/// A recorded meeting and the leads it raised.
struct MeetingView: Codable, Sendable {
    struct Decision: Codable, Sendable {
        var householdId: String
        var propose: Bool
        var reason: String
        var leadId: String?
    }

    var id: String
    var villageCode: String
    var heldOn: String
    var kind: String
    var attendance: Int
    var recordedBy: String
    var decisions: [Decision]
}

/// Intake's SQL for grid reports (基层干部排查): visits and village meetings. A meeting's proposals
/// become `GridLeadRaised` events in the same transaction.
struct GridReportStore: Sendable {
    let database: Database
    let publisher: EventPublisher
    let logger: Logger

    static let meetingKind = "主题党日+阳光议事"

    func recordVisit(
        householdId: String, villageCode: String, date: String, risks: [DifficultyType], notes: String, by user: String, idempotencyKey: String?
    ) async throws -> (visit: VisitView, created: Bool) {
        try await database.transaction { connection in
            if let idempotencyKey, let existing = try await visits(where: "idempotency_key", equals: idempotencyKey, by: user, on: connection).first {
                return (existing, false)
            }
            let id = try await nextId("ZF", on: connection)
            try await connection.query("""
                INSERT INTO grid_visits (id, household_id, village_code, visited_on, risks, notes, recorded_by, idempotency_key)
                VALUES (\(id), \(householdId), \(villageCode), \(date)::date, \(risks.map(\.rawValue)), \(notes), \(user), \(idempotencyKey))
                ON CONFLICT (recorded_by, idempotency_key) DO NOTHING
                """, logger: logger)
            if let idempotencyKey, let raced = try await visits(where: "idempotency_key", equals: idempotencyKey, by: user, on: connection).first,
                raced.id != id
            {
                return (raced, false)  // an identical request committed first
            }
            guard let visit = try await visits(where: "id", equals: id, by: nil, on: connection).first else {
                throw IntakeError(.recordMissing, "服务暂时不可用，请稍后再试")
            }
            return (visit, true)
        }
    }

    func visits(of householdId: String) async throws -> [VisitView] {
        try await database.transaction { connection in try await visits(where: "household_id", equals: householdId, by: nil, on: connection) }
    }

    private func visits(where column: String, equals value: String, by user: String?, on connection: PostgresConnection) async throws -> [VisitView] {
        let query: PostgresQuery
        switch column {
        case "id": query = "SELECT id, household_id, to_char(visited_on, 'YYYY-MM-DD'), risks, notes, recorded_by, recorded_at FROM grid_visits WHERE id = \(value)"
        case "idempotency_key":
            query = """
                SELECT id, household_id, to_char(visited_on, 'YYYY-MM-DD'), risks, notes, recorded_by, recorded_at FROM grid_visits
                WHERE idempotency_key = \(value) AND recorded_by = \(user ?? "")
                """
        default:
            query = """
                SELECT id, household_id, to_char(visited_on, 'YYYY-MM-DD'), risks, notes, recorded_by, recorded_at FROM grid_visits
                WHERE household_id = \(value) ORDER BY visited_on DESC, id DESC LIMIT 200
                """
        }
        var visits: [VisitView] = []
        for try await (id, household, date, risks, notes, by, at) in try await connection.query(query, logger: logger)
            .decode((String, String, String, [String], String, String, Date).self) {
            visits.append(VisitView(id: id, householdId: household, visitedOn: date, risks: risks, notes: notes, recordedBy: by, recordedAt: at))
        }
        return visits
    }

    /// Records a meeting; every proposal becomes a lead for review. Households must be of the village.
    func recordMeeting(villageCode: String, meeting: MeetingRequest.Valid, by user: String, idempotencyKey: String?) async throws -> (MeetingView, Bool) {
        try await database.transaction { connection in
            if let idempotencyKey {
                for try await id in try await connection.query(
                    "SELECT id FROM village_meetings WHERE idempotency_key = \(idempotencyKey) AND recorded_by = \(user)", logger: logger
                ).decode(String.self) {
                    if let existing = try await self.meeting(id, on: connection) { return (existing, false) }
                }
            }
            let ids = meeting.decisions.map(\.householdId)
            var inVillage: Set<String> = []
            for try await id in try await connection.query(
                "SELECT id FROM households WHERE id = ANY(\(ids)) AND village_code = \(villageCode) AND superseded_by IS NULL", logger: logger
            ).decode(String.self) { inVillage.insert(id) }
            let strangers = meeting.decisions.enumerated().filter { !inVillage.contains($0.element.householdId) }
            guard strangers.isEmpty else {
                throw IntakeError(
                    .householdsOutsideVillage, "请求内容有误，请检查标出的字段",
                    problems: strangers.map { .init(field: "decisions.\($0.offset).householdId", message: "该户不属于本村") })
            }
            let meetingId = try await nextId("YS", on: connection)
            var inserted = false
            for try await _ in try await connection.query("""
                INSERT INTO village_meetings (id, village_code, held_on, kind, attendance, recorded_by, idempotency_key)
                VALUES (\(meetingId), \(villageCode), \(meeting.heldOn)::date, \(Self.meetingKind), \(meeting.attendance), \(user), \(idempotencyKey))
                ON CONFLICT (recorded_by, idempotency_key) DO NOTHING RETURNING id
                """, logger: logger) { inserted = true }
            if !inserted, let idempotencyKey {
                // An identical request committed first: answer with its meeting.
                for try await id in try await connection.query(
                    "SELECT id FROM village_meetings WHERE idempotency_key = \(idempotencyKey) AND recorded_by = \(user)", logger: logger
                ).decode(String.self) {
                    if let existing = try await self.meeting(id, on: connection) { return (existing, false) }
                }
            }
            let now = Date()
            // Household order, as bulk imports take their per-household outbox locks: no deadlock between them.
            for decision in meeting.decisions.sorted(by: { $0.householdId < $1.householdId }) {
                let leadId = decision.propose ? try await nextId("XS", on: connection) : nil
                try await connection.query("""
                    INSERT INTO meeting_decisions (meeting_id, household_id, propose, reason, lead_id)
                    VALUES (\(meetingId), \(decision.householdId), \(decision.propose), \(decision.reason), \(leadId))
                    """, logger: logger)
                guard let leadId else { continue }
                try await publisher.publish(GridLeadRaised(
                    leadId: leadId, meetingId: meetingId, householdId: decision.householdId, villageCode: villageCode,
                    observedRisks: try await recentRisks(of: decision.householdId, before: meeting.heldOn, on: connection),
                    reason: decision.reason, meetingDate: meeting.heldOn, raisedAt: now), on: connection)
            }
            guard let view = try await self.meeting(meetingId, on: connection) else {
                throw IntakeError(.recordMissing, "服务暂时不可用，请稍后再试")
            }
            return (view, true)
        }
    }

    /// Risks observed on visits in the 90 days up to the meeting.
    private func recentRisks(of householdId: String, before date: String, on connection: PostgresConnection) async throws -> [DifficultyType] {
        var risks: [DifficultyType] = []
        for try await list in try await connection.query("""
            SELECT risks FROM grid_visits WHERE household_id = \(householdId)
                AND visited_on BETWEEN \(date)::date - 90 AND \(date)::date ORDER BY visited_on
            """, logger: logger).decode([String].self) {
            for risk in list.compactMap(DifficultyType.init(rawValue:)) where !risks.contains(risk) { risks.append(risk) }
        }
        return risks
    }

    func meetings(of villageCode: String) async throws -> [MeetingView] {
        try await database.transaction { connection in
            var ids: [String] = []
            for try await id in try await connection.query(
                "SELECT id FROM village_meetings WHERE village_code = \(villageCode) ORDER BY held_on DESC, id DESC LIMIT 100", logger: logger
            ).decode(String.self) { ids.append(id) }
            var views: [MeetingView] = []
            for id in ids { if let view = try await meeting(id, on: connection) { views.append(view) } }
            return views
        }
    }

    private func meeting(_ id: String, on connection: PostgresConnection) async throws -> MeetingView? {
        var view: MeetingView?
        for try await (village, heldOn, kind, attendance, by) in try await connection.query("""
            SELECT village_code, to_char(held_on, 'YYYY-MM-DD'), kind, attendance, recorded_by FROM village_meetings WHERE id = \(id)
            """, logger: logger).decode((String, String, String, Int, String).self) {
            view = MeetingView(id: id, villageCode: village, heldOn: heldOn, kind: kind, attendance: attendance, recordedBy: by, decisions: [])
        }
        guard var view else { return nil }
        for try await (household, propose, reason, leadId) in try await connection.query("""
            SELECT household_id, propose, reason, lead_id FROM meeting_decisions WHERE meeting_id = \(id) ORDER BY household_id
            """, logger: logger).decode((String, Bool, String, String?).self) {
            view.decisions.append(.init(householdId: household, propose: propose, reason: reason, leadId: leadId))
        }
        return view
    }

    /// `ZF` (visit), `YS` (meeting) or `XS` (lead) + date + 6-digit sequence.
    private func nextId(_ prefix: String, on connection: PostgresConnection) async throws -> String {
        try await RecordNumbers.next(prefix, sequence: "grid_record_seq", on: connection, logger: logger)
    }
}
