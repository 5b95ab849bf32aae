import Foundation
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence

/// Step 5, system entry (录入系统), owned by the district: the category is assigned by rule
/// (`CategoryRule`) from the home visit, the registry and the year's line; monitoring starts with its
/// assistance cadre. For an elimination case the district's approval ends monitoring.
extension CaseStore {
    func recordEntry(_ caseId: String, _ request: EntryRequest, by user: AuthenticatedUser) async throws -> CaseRecord {
        try request.validate()
        return try await act(caseId, action: "step.systemEntry", by: user, roles: [.district], stages: [.publicAnnouncement, .systemEntry]) { record, connection in
            var record = record
            if record.stage == .publicAnnouncement {
                if let hold = try await announcementHold(record, on: connection) { throw hold }
                guard try await finishAnnouncementIfDue(record, by: "review", on: connection) else { throw ReviewError(.wrongStage, "公示尚未结束") }
                record.stage = .systemEntry
            }
            guard request.approved else {
                try await recordStep(record, stage: .systemEntry, by: .init(user), details: ["approved": "false", "opinion": request.opinion ?? ""], on: connection)
                try await decide(
                    record, outcome: record.kind == .elimination ? .stillMonitored : .notMonitored, category: nil,
                    reason: "区级审核未通过：" + (request.opinion ?? ""), by: .init(user), on: connection)
                return
            }
            if record.kind == .elimination {
                try await approveElimination(record, by: user, on: connection)
            } else {
                try await approveMonitoring(record, request, by: user, on: connection)
            }
        }
    }

    private func approveMonitoring(_ record: CaseRecord, _ request: EntryRequest, by user: AuthenticatedUser, on connection: PostgresConnection) async throws {
        guard let cadre = request.cadre else { throw ReviewError(.validationFailed, "纳入监测须明确帮扶责任人", field: "cadre") }
        guard let visit = try await HomeVerificationRecord.load(caseId: record.id, on: connection, logger: logger) else {
            throw ReviewError(.recordMissing, "缺少入户核实记录")
        }
        let facts = try await RegistryFacts.load(record.householdId, on: connection, logger: logger)
        let year = request.year ?? BeijingDay.year()
        let line = try await MonitoringLines.line(year: year, province: settings.province, on: connection, logger: logger)
        let outcome = CategoryRule.assign(.init(
            formerlyPoor: facts?.formerlyPoor ?? false, income: visit.income, lineFen: line, previousPerCapitaIncomeFen: visit.previousPerCapitaIncomeFen))
        guard let category = outcome.category else {
            throw ReviewError(.ruleNotMet, outcome.explanation, field: "approved", unmet: [outcome.explanation])
        }
        struct Entry: Encodable { var approved: Bool; var category: String; var explanation: String; var year: Int; var lineFen: Int64; var cadreName: String }
        try await recordStep(record, stage: .systemEntry, by: .init(user), details: Entry(
            approved: true, category: category.rawValue, explanation: outcome.explanation, year: year, lineFen: line, cadreName: cadre.name), on: connection)
        // The household as it lives and shares income (共同生活人口), as the visit found it: a provisional
        // household of the registry knows only its applicant.
        let people = visit.people
        let today = BeijingDay.today()
        try await connection.query("""
            INSERT INTO monitored_households (case_id, household_id, village_code, town_code, category, risks, people, road, per_capita_income_fen,
                                              started_on, cadre_name, cadre_phone)
            VALUES (\(record.id), \(record.householdId), \(record.villageCode), \(record.townCode), \(category.rawValue), \(visit.risks.map(\.rawValue)),
                    \(people), \(record.road.rawValue), \(visit.perCapitaIncomeFen), \(today)::date, \(cadre.name), \(cadre.phone))
            """, logger: logger)
        // The reason goes out on events and to the applicant: the category only. The explanation with
        // the income figures stays in the systemEntry step, for officials.
        try await decide(record, outcome: .monitored, category: category, reason: "纳入监测：\(category.chineseName)", by: .init(user), on: connection)
        try await publisher.publish(MonitoringStarted(
            householdId: record.householdId, villageCode: record.villageCode, caseId: record.id, category: category, risks: visit.risks,
            people: people, startedOn: today
        ), on: connection)
    }

    /// Ends a case at its current step, as not monitored (or still monitored), by the level owning the step.
    func close(_ caseId: String, _ request: ClosureRequest, by user: AuthenticatedUser) async throws -> CaseRecord {
        try request.validate()
        return try await act(caseId, action: "case.closed", by: user, roles: { record in record.stage.owner.map { [$0] } ?? [] }, stages: []) { record, connection in
            try await decide(
                record, outcome: record.kind == .elimination ? .stillMonitored : .notMonitored, category: nil, reason: request.reason,
                by: .init(user), on: connection)
        }
    }
}

extension ReviewStage {
    /// The level that acts at this step (村发现、镇审核、区录入).
    var owner: Role? {
        switch self {
        case .homeVerification, .democraticAppraisal: .village
        case .informationComparison, .townReview, .publicAnnouncement: .town
        case .systemEntry: .district
        default: nil
        }
    }
}
