import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime
import Logging

/// The outcome of a submission: a new application, or the one already open for this person or key.
struct SubmissionOutcome: Sendable {
    var applicationNumber: String
    var status: String
    var submittedAt: Date
    var created: Bool
}

/// Intake's SQL for applications and households.
struct ApplicationStore: Sendable {
    let database: Database
    let publisher: EventPublisher
    let logger: Logger

    /// Records an application, creating a provisional household when the applicant is unknown, and
    /// publishes its events, all in one transaction. Retries once when a concurrent identical
    /// submission won a unique index, and then returns that one.
    func submit(_ application: ValidApplication, idempotencyKey: String?) async throws -> SubmissionOutcome {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await database.transaction { connection in
                    try await submit(application, idempotencyKey: idempotencyKey, on: connection)
                }
            } catch where DatabaseFailure.sqlState(of: error) == "23505" && attempt < 3 {
                continue
            }
        }
    }

    private func submit(_ application: ValidApplication, idempotencyKey: String?, on connection: PostgresConnection) async throws -> SubmissionOutcome {
        if let idempotencyKey, let existing = try await existing(
            "SELECT number, status, submitted_at FROM applications WHERE idempotency_key = \(idempotencyKey)", on: connection) {
            return existing
        }
        if let existing = try await existing("""
            SELECT number, status, submitted_at FROM applications
            WHERE applicant_id_number = \(application.idNumber.value) AND status <> 'decided'
            """, on: connection) {
            // The same person again (a second tap, a retry): the same phone gets the same application;
            // anyone else learns only that one is open, not its number.
            guard try await hasPhone(existing.applicationNumber, application.phone, on: connection) else {
                throw APIError(
                    status: .conflict, code: "application_open",
                    message: "该身份证号已有正在办理的申请，请使用原申请编号和手机号查询进度", field: "idNumber")
            }
            return existing
        }
        let (householdId, provisional) = try await householdFor(application, on: connection)
        let number = try await nextApplicationNumber(on: connection)
        let now = Date()
        try await connection.query("""
            INSERT INTO applications (number, household_id, village_code, applicant_name, applicant_id_number, applicant_phone,
                household_size, difficulties, statement, idempotency_key, status, submitted_at)
            VALUES (\(number), \(householdId), \(application.villageCode), \(application.applicantName), \(application.idNumber.value),
                \(application.phone), \(application.householdSize), \(application.difficulties.map(\.rawValue)), \(application.statement),
                \(idempotencyKey), 'submitted', \(now))
            """, logger: logger)
        try await connection.query("""
            INSERT INTO application_timeline (application_number, stage, occurred_at) VALUES (\(number), \(ReviewStage.submitted.rawValue), \(now))
            """, logger: logger)
        try await publisher.publish(ApplicationSubmitted(
            applicationNumber: number, householdId: householdId, householdIsProvisional: provisional, villageCode: application.villageCode,
            applicant: ContactDetails(name: application.applicantName, phone: application.phone), householdSize: application.householdSize,
            difficulties: application.difficulties, statement: application.statement, submittedAt: now
        ), on: connection)
        return SubmissionOutcome(applicationNumber: number, status: "submitted", submittedAt: now, created: true)
    }

    private func hasPhone(_ number: String, _ phone: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("SELECT applicant_phone = \(phone) FROM applications WHERE number = \(number)", logger: logger)
        for try await same in rows.decode(Bool.self) { return same }
        return false
    }

    private func existing(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> SubmissionOutcome? {
        for try await (number, status, submittedAt) in try await connection.query(query, logger: logger).decode((String, String, Date).self) {
            return SubmissionOutcome(applicationNumber: number, status: status, submittedAt: submittedAt, created: false)
        }
        return nil
    }

    /// The applicant's registered household, or a new provisional one for the village to confirm.
    private func householdFor(_ application: ValidApplication, on connection: PostgresConnection) async throws -> (String, Bool) {
        // FOR SHARE: an import merging this household waits for the application to commit, and then
        // moves it along (HouseholdImporter.merge locks the household first).
        let rows = try await connection.query("""
            SELECT m.household_id, h.provisional, h.superseded_by FROM household_members m JOIN households h ON h.id = m.household_id
            WHERE m.id_number = \(application.idNumber.value)
            FOR SHARE OF h
            """, logger: logger)
        for try await (householdId, provisional, successor) in rows.decode((String, Bool, String?).self) {
            return successor.map { ($0, false) } ?? (householdId, provisional)
        }
        let householdId = "H" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let now = Date()
        try await connection.query("""
            INSERT INTO households (id, village_code, provisional, created_at, updated_at)
            VALUES (\(householdId), \(application.villageCode), true, \(now), \(now))
            """, logger: logger)
        try await connection.query("""
            INSERT INTO household_members (household_id, id_number, name, relation)
            VALUES (\(householdId), \(application.idNumber.value), \(application.applicantName), '户主')
            """, logger: logger)
        try await publisher.publish(HouseholdRegistered(
            householdId: householdId, villageCode: application.villageCode, householdGroupId: nil, provisional: true,
            members: [.init(name: application.applicantName, idNumber: application.idNumber.value, relation: "户主")], updatedAt: now
        ), on: connection)
        return (householdId, true)
    }

    /// `SQ` + date (Asia/Shanghai) + 6-digit sequence, e.g. `SQ20261129000042`.
    private func nextApplicationNumber(on connection: PostgresConnection) async throws -> String {
        try await RecordNumbers.next("SQ", sequence: "application_number_seq", on: connection, logger: logger)
    }

    /// The application's progress, only if `phoneLast4` matches the applicant's phone.
    func progress(number: String, phoneLast4: String) async throws -> ApplicationProgress? {
        let rows = try await database.query("""
            SELECT status, applicant_phone, decision_reason FROM applications WHERE number = \(number)
            """)
        var found: (status: String, phone: String, reason: String?)?
        for try await (status, phone, reason) in rows.decode((String, String, String?).self) {
            found = (status, phone, reason)
        }
        guard let found, Self.constantTimeEquals(String(found.phone.suffix(4)), phoneLast4) else { return nil }
        var timeline: [ApplicationProgress.Step] = []
        let steps = try await database.query("""
            SELECT stage, occurred_at, note FROM application_timeline WHERE application_number = \(number) ORDER BY occurred_at, stage
            """)
        for try await (stage, occurredAt, note) in steps.decode((String, Date, String?).self) {
            let known = ReviewStage(rawValue: stage)
            timeline.append(.init(stage: stage, stageName: known?.chineseName ?? stage, at: occurredAt, note: note))
        }
        let order = Dictionary(uniqueKeysWithValues: ReviewStage.allCases.enumerated().map { ($1.rawValue, $0) })
        timeline.sort { (order[$0.stage] ?? 99, $0.at) < (order[$1.stage] ?? 99, $1.at) }  // stages only move forward
        return ApplicationProgress(
            applicationNumber: number, status: found.status, statusText: ApplicationProgress.statusText(found.status),
            decisionReason: found.reason, timeline: timeline)
    }

    private static func constantTimeEquals(_ left: String, _ right: String) -> Bool {
        let left = Array(left.utf8), right = Array(right.utf8)
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// What a household sees of its application: stages and dates, nothing personal.
struct ApplicationProgress: Codable, Sendable {
    struct Step: Codable, Sendable {
        var stage: String
        var stageName: String
        var at: Date
        var note: String?
    }

    var applicationNumber: String
    var status: String
    var statusText: String
    var decisionReason: String?
    var timeline: [Step]

    static func statusText(_ status: String) -> String {
        switch status {
        case "submitted": "已提交，等待受理"
        case "under_review": "审核中"
        case "decided": "已办结"
        default: status
        }
    }
}
