import Foundation
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence

/// Step 4, town review and public announcement (镇审核、纳入公示): the town approves, the village
/// announces for `REVIEW_ANNOUNCEMENT_DAYS` days, objections lodged meanwhile must be resolved before
/// the case goes to the district.
extension CaseStore {
    func recordTownReview(_ caseId: String, _ request: DecisionRequest, by user: AuthenticatedUser) async throws -> CaseRecord {
        try request.validate()
        return try await act(caseId, action: "step.townReview", by: user, roles: [.town], stages: [.townReview]) { record, connection in
            try await recordStep(record, stage: .townReview, by: .init(user), details: request, on: connection)
            guard request.approved else {
                try await decide(
                    record, outcome: record.kind == .elimination ? .stillMonitored : .notMonitored, category: nil,
                    reason: "镇街审核未通过：" + (request.opinion ?? ""), by: .init(user), on: connection)
                return
            }
            let facts = try await RegistryFacts.load(record.householdId, on: connection, logger: logger)
            let people = try await HomeVerificationRecord.load(caseId: record.id, on: connection, logger: logger)?.people ?? facts?.people ?? 0
            let starts = BeijingDay.today()
            // N calendar days including the first: 5 days from 11-30 run to 12-04 inclusive.
            let endsNumber = BeijingDay.number(starts)! + settings.announcementDays - 1
            let shownEnds = BeijingDay.text(max(endsNumber, BeijingDay.number(starts)!))
            let ends = BeijingDay.text(endsNumber)
            let text = AnnouncementText.make(
                kind: record.kind, villageCode: record.villageCode, headName: facts?.headName ?? "", people: people, starts: starts, ends: shownEnds)
            try await connection.query("""
                UPDATE cases SET announcement_text = \(text), announcement_ends_on = \(ends)::date WHERE id = \(record.id)
                """, logger: logger)
            try await advance(record, to: .publicAnnouncement, by: user.role.rawValue, on: connection)
        }
    }

    func lodgeObjection(_ caseId: String, _ request: ObjectionRequest, by user: AuthenticatedUser) async throws -> CaseRecord {
        try request.validate()
        return try await act(caseId, action: "objection.lodged", by: user, roles: [.village, .town], stages: [.publicAnnouncement]) { record, connection in
            let now = Date()
            let rows = try await connection.query("""
                INSERT INTO case_objections (case_id, number, received_on, content, lodged_at, lodged_by)
                SELECT \(record.id), coalesce(max(number), 0) + 1, \(request.receivedOn)::date, \(request.content), \(now), \(user.id)
                FROM case_objections WHERE case_id = \(record.id)
                RETURNING number
                """, logger: logger)
            var number = 0
            for try await value in rows.decode(Int.self) { number = value }
            try await publisher.publish(ObjectionLodged(
                caseId: record.id, householdId: record.householdId, villageCode: record.villageCode, objectionNumber: number, lodgedAt: now
            ), on: connection)
        }
    }

    func resolveObjection(_ caseId: String, number: Int, _ request: ObjectionResolutionRequest, by user: AuthenticatedUser) async throws -> CaseRecord {
        try request.validate()
        return try await act(caseId, action: "objection.resolved", by: user, roles: [.town], stages: [.publicAnnouncement],
                             detail: ["objection": String(number), "upheld": String(request.upheld)]) { record, connection in
            let now = Date()
            let resolved = try await connection.query("""
                UPDATE case_objections SET resolved_at = \(now), resolved_by = \(user.id), upheld = \(request.upheld), resolution = \(request.resolution)
                WHERE case_id = \(record.id) AND number = \(number) AND resolved_at IS NULL RETURNING number
                """, logger: logger).hasRow
            guard resolved else { throw ReviewError(.notFound, "异议不存在或已处理") }
            try await publisher.publish(ObjectionResolved(
                caseId: record.id, householdId: record.householdId, villageCode: record.villageCode, objectionNumber: number, upheld: request.upheld,
                resolvedAt: now
            ), on: connection)
            if request.upheld {
                try await decide(
                    record, outcome: record.kind == .elimination ? .stillMonitored : .notMonitored, category: nil,
                    reason: "公示期间异议经核实成立：" + request.resolution, by: .init(user), on: connection)
            } else {
                try await finishAnnouncementIfDue(record, by: "town", on: connection)
            }
        }
    }

    /// Why the announcement cannot end yet, `nil` when it can.
    func announcementHold(_ record: CaseRecord, on connection: PostgresConnection) async throws -> ReviewError? {
        if let ends = record.announcementEndsOn, let endsDay = BeijingDay.number(ends), endsDay >= BeijingDay.number(BeijingDay.today())! {
            return ReviewError(.announcementRunning, "公示期至\(ends)，期满次日起方可报区级录入")
        }
        let open = try await connection.query("""
            SELECT count(*)::int FROM case_objections WHERE case_id = \(record.id) AND resolved_at IS NULL
            """, logger: logger)
        for try await count in open.decode(Int.self) where count > 0 {
            return ReviewError(.objectionsOpen, "公示期间有\(count)条异议尚未处理")
        }
        return nil
    }

    /// Moves an announced case to the district once the period is over and no objection is open.
    @discardableResult
    func finishAnnouncementIfDue(_ record: CaseRecord, by role: String, on connection: PostgresConnection) async throws -> Bool {
        guard record.isOpen, record.stage == .publicAnnouncement, try await announcementHold(record, on: connection) == nil else { return false }
        try await recordStep(record, stage: .publicAnnouncement, by: .review, details: ["endedOn": BeijingDay.today()], on: connection)
        try await advance(record, to: .systemEntry, by: role, on: connection)
        return true
    }
}

/// The announcement posted in the village (公示). By rule it shows no ID numbers, phone numbers, bank
/// accounts or health details: only the head of household's name, the number of people and the dates.
enum AnnouncementText {
    static func make(kind: CaseKind, villageCode: String, headName: String, people: Int, starts: String, ends: String) -> String {
        let who = headName.isEmpty ? "一户农户" : "\(headName)户"
        let proposal = kind == .elimination ? "拟标注为风险消除" : "拟纳入防止返贫监测对象"
        return """
            公示
            经入户核实、民主评议\(kind == .elimination ? "" : "、信息比对")和镇街审核，本村\(who)（共同生活人口\(people)人）\(proposal)。
            公示期：\(starts)至\(ends)。公示期间如有异议，请向村民委员会或镇（街道）反映。
            村代码：\(villageCode)
            """
    }
}
