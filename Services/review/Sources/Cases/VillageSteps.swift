import Foundation
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence

/// What the home visit recorded, with the figures the rules computed from it.
struct HomeVerificationRecord: Codable, Sendable {
    var visitDate: String
    var visitors: [String]
    var membersPresent: Int
    var people: Int
    var incomeItems: [HouseholdIncome.Item]
    var rigidExpenses: [HouseholdIncome.Expense]
    var previousPerCapitaIncomeFen: Int64?
    var risks: [DifficultyType]
    var checklist: BasicNeedsChecklist
    var rigidCostsResolved: Bool?
    var notes: String?
    var perCapitaIncomeFen: Int64
    var perCapitaRigidExpensesFen: Int64
    var perCapitaIncomeAfterRigidFen: Int64
    var shortfalls: [String]
    /// For elimination: the conditions the rule found unmet (empty: all met).
    var eliminationUnmet: [String]?

    var income: HouseholdIncome { HouseholdIncome(items: incomeItems, expenses: rigidExpenses, people: people) }

    static func load(caseId: String, on connection: PostgresConnection, logger: Logger) async throws -> HomeVerificationRecord? {
        let rows = try await connection.query("""
            SELECT details::text FROM case_steps WHERE case_id = \(caseId) AND stage = \(ReviewStage.homeVerification.rawValue)
            """, logger: logger)
        for try await text in rows.decode(String.self) {
            return try JSONDecoder().decode(HomeVerificationRecord.self, from: Data(text.utf8))
        }
        return nil
    }
}

/// Steps 1 and 2, owned by the village: home verification (入户核实) and democratic appraisal (民主评议).
extension CaseStore {
    func recordHomeVerification(_ caseId: String, _ request: HomeVerificationRequest, by user: AuthenticatedUser) async throws -> CaseRecord {
        let (income, risks) = try request.validated()
        return try await act(caseId, action: "step.homeVerification", by: user, roles: [.village], stages: [.homeVerification]) { record, connection in
            var details = HomeVerificationRecord(
                visitDate: request.visitDate, visitors: request.visitors, membersPresent: request.membersPresent, people: request.people,
                incomeItems: request.incomeItems, rigidExpenses: request.rigidExpenses, previousPerCapitaIncomeFen: request.previousPerCapitaIncomeFen,
                risks: risks, checklist: request.checklist, rigidCostsResolved: request.rigidCostsResolved, notes: request.notes,
                perCapitaIncomeFen: income.perCapitaIncomeFen, perCapitaRigidExpensesFen: income.perCapitaRigidExpensesFen,
                perCapitaIncomeAfterRigidFen: income.perCapitaIncomeAfterRigidFen, shortfalls: request.checklist.shortfalls)
            if record.kind == .elimination {
                let unmet = try await eliminationUnmet(record, income: income, request: request, on: connection)
                details.eliminationUnmet = unmet
                try await recordStep(record, stage: .homeVerification, by: .init(user), details: details, on: connection)
                if !unmet.isEmpty {
                    try await decide(record, outcome: .stillMonitored, category: nil, reason: "不符合风险消除条件：" + unmet.joined(separator: "；"),
                                     by: .init(user), on: connection)
                    return
                }
            } else {
                try await recordStep(record, stage: .homeVerification, by: .init(user), details: details, on: connection)
            }
            try await advance(record, to: .democraticAppraisal, by: user.role.rawValue, on: connection)
        }
    }

    func recordAppraisal(_ caseId: String, _ request: AppraisalRequest, by user: AuthenticatedUser) async throws -> CaseRecord {
        try request.validate()
        return try await act(caseId, action: "step.democraticAppraisal", by: user, roles: [.village], stages: [.democraticAppraisal]) { record, connection in
            try await recordStep(record, stage: .democraticAppraisal, by: .init(user), details: request.record, on: connection)
            guard request.approved else {
                try await decide(
                    record, outcome: record.kind == .elimination ? .stillMonitored : .notMonitored, category: nil,
                    reason: "民主评议未通过：" + (request.minutes ?? ""), by: .init(user), on: connection)
                return
            }
            if record.kind == .elimination {
                try await advance(record, to: .townReview, by: user.role.rawValue, on: connection)
            } else {
                try await advance(record, to: .informationComparison, by: user.role.rawValue, on: connection)
                try await requestComparison(record, on: connection)
            }
        }
    }
}

extension AppraisalRequest {
    struct Record: Encodable {
        var meetingDate: String
        var attendance: Int
        var votesFor: Int
        var approved: Bool
        var minutes: String?
    }

    var record: Record { Record(meetingDate: meetingDate, attendance: attendance, votesFor: votesFor, approved: approved, minutes: minutes) }
}
