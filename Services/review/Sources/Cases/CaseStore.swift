import Foundation
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging

/// Cases and the actions of officials on them. Every action checks jurisdiction (outside it, the case
/// does not exist: 404, audited), the level that owns the step (403, audited) and the step itself
/// (409), runs in one transaction with the events it causes, and is written to the audit trail.
struct CaseStore: Sendable {
    let database: Database
    let publisher: EventPublisher
    let audit: AuditTrail
    let settings: ReviewSettings
    let logger: Logger

    init(database: Database, publisher: EventPublisher, settings: ReviewSettings, logger: Logger) {
        self.database = database
        self.publisher = publisher
        self.audit = AuditTrail(logger: logger)
        self.settings = settings
        self.logger = logger
    }

    /// Officials who may read cases (grid members, departments, hotline operators and insurers may not).
    static let readers: Set<Role> = [.village, .town, .district]

    private enum Check {
        case outOfReach
        case refused(ReviewError)
        case done(CaseRecord)
    }

    /// Runs `body` on case `caseId` for `user`, who must be of one of `roles` (exactly: an administrator
    /// manages accounts, not cases) and act while the case is at one of `stages` (any when empty).
    func act(
        _ caseId: String, action: String, by user: AuthenticatedUser, roles: Set<Role>, stages: Set<ReviewStage>, detail: [String: String] = [:],
        _ body: @Sendable (CaseRecord, PostgresConnection) async throws -> Void
    ) async throws -> CaseRecord {
        try await act(caseId, action: action, by: user, roles: { _ in roles }, stages: stages, detail: detail, body)
    }

    /// As above, with the roles that may act depending on the case (its current step's owner).
    func act(
        _ caseId: String, action: String, by user: AuthenticatedUser, roles: @Sendable (CaseRecord) -> Set<Role>, stages: Set<ReviewStage>,
        detail: [String: String] = [:], _ body: @Sendable (CaseRecord, PostgresConnection) async throws -> Void
    ) async throws -> CaseRecord {
        let check: Check
        do {
            check = try await attempt(caseId, action: action, by: user, roles: roles, stages: stages, detail: detail, body)
        } catch let error as ReviewError {
            // A rule or a step refused inside the transaction (rolled back): the attempt is audited too.
            try await refuse(action, caseId: caseId, user: user, reason: error.code.description)
            throw error
        }
        switch check {
        case .done(let record):
            return record
        case .outOfReach:
            try await refuse(action, caseId: caseId, user: user, reason: "not_found_or_outside_region")
            throw ReviewError(.notFound, "案件不存在")
        case .refused(let error):
            try await refuse(action, caseId: caseId, user: user, reason: error.code.description)
            throw error
        }
    }

    private func attempt(
        _ caseId: String, action: String, by user: AuthenticatedUser, roles: @Sendable (CaseRecord) -> Set<Role>, stages: Set<ReviewStage>,
        detail: [String: String], _ body: @Sendable (CaseRecord, PostgresConnection) async throws -> Void
    ) async throws -> Check {
        try await database.transaction { connection -> Check in
            guard let record = try await CaseRecord.load(caseId, forUpdate: true, on: connection, logger: logger),
                  user.covers(region: record.villageCode)
            else { return .outOfReach }
            guard user.role != .admin else { return .refused(ReviewError(.notYourStep, "平台管理员不办理案件")) }
            guard record.isOpen else { return .refused(ReviewError(.caseClosed, "案件已办结")) }
            let roles = roles(record)
            guard roles.contains(user.role) else {
                return .refused(ReviewError(.notYourStep, "此环节由\(roles.map(Self.levelName).sorted().joined(separator: "或"))办理"))
            }
            guard stages.isEmpty || stages.contains(record.stage) else {
                return .refused(ReviewError(.wrongStage, "案件当前处于「\(record.stage.chineseName)」环节，不能办理此操作"))
            }
            try await body(record, connection)
            try await audit.record(action, by: .init(user), caseId: caseId, householdId: record.householdId, detail: detail, on: connection)
            guard let updated = try await CaseRecord.load(caseId, on: connection, logger: logger) else { throw ReviewError(.recordMissing, "案件读取失败") }
            return .done(updated)
        }
    }

    private func refuse(_ action: String, caseId: String, user: AuthenticatedUser, reason: String) async throws {
        try await database.transaction { connection in
            try await audit.record(action, by: .init(user), outcome: .refused, caseId: caseId, detail: ["reason": reason], on: connection)
        }
    }

    /// The case if the caller may read it.
    func visibleCase(_ caseId: String, to user: AuthenticatedUser, action: String = "case.read") async throws -> CaseRecord {
        let record = try await database.transaction { connection in
            try await CaseRecord.load(caseId, on: connection, logger: logger)
        }
        guard let record, user.covers(region: record.villageCode) else {
            try await refuse(action, caseId: caseId, user: user, reason: "not_found_or_outside_region")
            throw ReviewError(.notFound, "案件不存在")
        }
        return record
    }

    static func levelName(_ role: Role) -> String {
        switch role {
        case .village: "村级"
        case .town: "镇街"
        case .district: "区级"
        default: role.rawValue
        }
    }
}
