import Foundation
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging

/// Monitored households (监测对象): their assistance measures (五扶N帮), the start of risk
/// elimination (风险消除) and the village's monthly re-check list.
struct MonitoredHousehold: Encodable, Sendable {
    var householdId: String
    var villageCode: String
    var caseId: String
    var category: String
    var categoryName: String
    var risks: [String]
    var people: Int
    var road: String
    var startedOn: String
    var endedOn: String?
    var cadreName: String
    var cadrePhoneMasked: String
    var measures: [Measure]

    struct Measure: Encodable, Sendable {
        var kind: String
        var kindName: String
        var description: String
        var startedOn: String
    }
}

/// 五扶N帮: the kinds of assistance measure.
enum MeasureKind: String, Codable, Sendable, CaseIterable {
    case policy, employment, industry, safetyNet, insurance, social

    var chineseName: String {
        switch self {
        case .policy: "政策帮扶"
        case .employment: "就业帮扶"
        case .industry: "产业帮扶"
        case .safetyNet: "兜底帮扶"
        case .insurance: "保险帮扶"
        case .social: "社会帮扶"
        }
    }
}

extension CaseStore {
    /// Households monitored now (or ever, with `includeEnded`) in `regionPrefix`.
    func monitored(regionPrefix: String, includeEnded: Bool = false, householdId: String? = nil) async throws -> [MonitoredHousehold] {
        try await database.transaction { connection in
            let like = regionPrefix + "%"
            let rows = try await connection.query("""
                SELECT m.household_id, m.village_code, m.case_id, m.category, m.risks, m.people, m.road, to_char(m.started_on, 'YYYY-MM-DD'),
                       to_char(m.ended_on, 'YYYY-MM-DD'), m.cadre_name, m.cadre_phone
                FROM monitored_households m
                WHERE m.village_code LIKE \(like) AND (\(includeEnded) OR m.ended_on IS NULL)
                  AND (\(householdId)::text IS NULL OR m.household_id = \(householdId))
                ORDER BY m.started_on DESC, m.household_id LIMIT 2000
                """, logger: logger)
            var list: [MonitoredHousehold] = []
            for try await row in rows {
                let c = try row.decode((String, String, String, String, [String], Int, String, String, String?, String, String).self)
                list.append(MonitoredHousehold(
                    householdId: c.0, villageCode: c.1, caseId: c.2, category: c.3,
                    categoryName: MonitoringCategory(uncheckedRawValue: c.3).chineseName, risks: c.4, people: c.5, road: c.6, startedOn: c.7,
                    endedOn: c.8, cadreName: c.9, cadrePhoneMasked: MobileNumber.masked(c.10), measures: []))
            }
            for index in list.indices {
                let measures = try await connection.query("""
                    SELECT kind, description, to_char(started_on, 'YYYY-MM-DD') FROM assistance_measures
                    WHERE household_id = \(list[index].householdId) AND started_on >= \(list[index].startedOn)::date ORDER BY started_on, id
                    """, logger: logger)
                for try await (kind, description, started) in measures.decode((String, String, String).self) {
                    list[index].measures.append(.init(
                        kind: kind, kindName: MeasureKind(rawValue: kind)?.chineseName ?? kind, description: description, startedOn: started))
                }
            }
            return list
        }
    }

    /// The household's current monitoring, if the caller may see it.
    func currentMonitoring(_ householdId: String, for user: AuthenticatedUser) async throws -> MonitoredHousehold {
        guard let found = try await monitored(regionPrefix: "", householdId: householdId).first, user.covers(region: found.villageCode)
        else {
            try await database.transaction { connection in
                try await audit.record("monitoring.read", by: .init(user), outcome: .refused, householdId: householdId,
                                       detail: ["reason": "not_found_or_outside_region"], on: connection)
            }
            throw ReviewError(.notMonitored, "该户不是监测对象")
        }
        return found
    }

    /// Records an assistance measure (village or town).
    func addMeasure(_ householdId: String, kind: MeasureKind, description: String, startedOn: String, by user: AuthenticatedUser) async throws {
        let household = try await currentMonitoring(householdId, for: user)
        try await database.transaction { connection in
            try await connection.query("""
                INSERT INTO assistance_measures (household_id, kind, description, started_on, recorded_by)
                VALUES (\(householdId), \(kind.rawValue), \(description), \(startedOn)::date, \(user.id))
                """, logger: logger)
            try await audit.record("measure.added", by: .init(user), caseId: household.caseId, householdId: householdId,
                                   detail: ["kind": kind.rawValue], on: connection)
        }
    }

    /// Opens a risk-elimination case for a monitored household (the village starts it).
    func startElimination(_ householdId: String, by user: AuthenticatedUser) async throws -> CaseRecord {
        let household = try await currentMonitoring(householdId, for: user)
        guard user.role == .village else { throw ReviewError(.notYourStep, "风险消除由村级发起") }
        let caseId = try await database.transaction { connection -> String in
            let newId = try await ReviewNumbers.next("AJ", sequence: "case_number_seq", on: connection, logger: logger)
            let now = Date()
            let opened = try await connection.query("""
                INSERT INTO cases (id, household_id, village_code, town_code, road, stage, kind, opened_at, discovered_at, due_by)
                VALUES (\(newId), \(householdId), \(household.villageCode), \(String(household.villageCode.prefix(9))), \(household.road),
                        \(ReviewStage.homeVerification.rawValue), \(CaseKind.elimination.rawValue), \(now), \(now),
                        \(now.addingTimeInterval(CaseJoining.identificationDeadline)))
                ON CONFLICT (household_id) WHERE closed_at IS NULL DO NOTHING RETURNING id
                """, logger: logger).hasRow
            guard opened else { throw ReviewError(.caseOpen, "该户已有在办案件") }
            try await connection.query("UPDATE monitored_households SET elimination_case_id = \(newId) WHERE case_id = \(household.caseId)", logger: logger)
            try await audit.record("elimination.started", by: .init(user), caseId: newId, householdId: householdId, on: connection)
            try await publisher.publish(CaseStageChanged(
                caseId: newId, householdId: householdId, villageCode: household.villageCode, kind: .elimination, from: .submitted,
                to: .homeVerification, by: user.role.rawValue, changedAt: now, dueBy: now.addingTimeInterval(CaseJoining.identificationDeadline)
            ), on: connection)
            return newId
        }
        return try await visibleCase(caseId, to: user)
    }

    /// The conditions of elimination the household does not meet yet (empty: all met).
    func eliminationUnmet(
        _ record: CaseRecord, income: HouseholdIncome, request: HomeVerificationRequest, on connection: PostgresConnection
    ) async throws -> [String] {
        let rows = try await connection.query("""
            SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date - m.started_on, m.per_capita_income_fen,
                   (SELECT count(*)::int FROM assistance_measures a WHERE a.household_id = m.household_id AND a.started_on >= m.started_on)
            FROM monitored_households m WHERE m.household_id = \(record.householdId) AND m.ended_on IS NULL
            """, logger: logger)
        var monitoring: (days: Int, income: Int64, measures: Int)?
        for try await row in rows.decode((Int, Int64, Int).self) { monitoring = row }
        guard let monitoring else { throw ReviewError(.notMonitored, "该户不是监测对象") }
        let facts = try await RegistryFacts.load(record.householdId, on: connection, logger: logger)
        let line = try await MonitoringLines.line(year: BeijingDay.year(), province: settings.province, on: connection, logger: logger)
        var unmet = EliminationRule.unmetConditions(.init(
            daysMonitored: monitoring.days, measuresInPlace: monitoring.measures, income: income,
            previousPerCapitaIncomeFen: request.previousPerCapitaIncomeFen ?? monitoring.income, lineFen: line, checklist: request.checklist,
            membersAbleToWork: facts?.ableToWork ?? 0, rigidCostsResolved: request.rigidCostsResolved ?? false))
        if let facts, facts.ableToWork == 0, facts.labourUnknown > 0 {
            unmet.append("户籍信息缺少\(facts.labourUnknown)人的劳动能力，请先补充登记")
        }
        return unmet
    }

    /// The district approves elimination: monitoring ends, the history stays.
    func approveElimination(_ record: CaseRecord, by user: AuthenticatedUser, on connection: PostgresConnection) async throws {
        let today = BeijingDay.today()
        let rows = try await connection.query("""
            UPDATE monitored_households SET ended_on = \(today)::date WHERE household_id = \(record.householdId) AND ended_on IS NULL RETURNING category
            """, logger: logger)
        var category: String?
        for try await value in rows.decode(String.self) { category = value }
        guard let category else { throw ReviewError(.notMonitored, "该户不是监测对象") }
        try await recordStep(record, stage: .systemEntry, by: .init(user), details: ["approved": "true"], on: connection)
        try await decide(record, outcome: .eliminated, category: nil, reason: "经核实，风险已消除", by: .init(user), on: connection)
        try await publisher.publish(RiskEliminated(
            householdId: record.householdId, villageCode: record.villageCode, caseId: record.id,
            category: MonitoringCategory(uncheckedRawValue: category), eliminatedOn: today
        ), on: connection)
    }
}
