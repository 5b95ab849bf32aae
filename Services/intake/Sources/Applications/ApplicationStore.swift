import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime
import Logging

/// The outcome of a submission: a new application, or the one this applicant already has open (a
/// second tap, a retry). A held application (see `ApplicationHeldForVerification`) looks exactly like a
/// new one to the applicant.
struct SubmissionOutcome: Sendable {
    var applicationNumber: String
    var status: String
    var submittedAt: Date
    var created: Bool
}

/// Intake's SQL for self-applications (自主申报).
///
/// A submission goes on as a lead (`ApplicationSubmitted`) only when nothing suggests it is someone
/// else's: an ID number in the registry must come with its registered name, and an ID number with an
/// open application must come from the same phone and name. Otherwise the application is held for
/// the village to verify (`ApplicationHeldForVerification`) and the applicant is answered as usual,
/// so that the answer reveals nothing about the person behind the ID number.
struct ApplicationStore: Sendable {
    let database: Database
    let publisher: EventPublisher
    let logger: Logger

    /// Records an application with its events in one transaction. Retries when a concurrent identical
    /// submission (or a number drawn twice) won a unique index, and then finds that one.
    func submit(_ application: ValidApplication, idempotencyKey: String?) async throws -> SubmissionOutcome {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await database.transaction { connection in
                    try await submit(application, idempotencyKey: idempotencyKey, on: connection)
                }
            } catch where DatabaseFailure.sqlState(of: error) == "23505" && attempt < 4 {
                continue
            }
        }
    }

    /// Records several applications in one transaction (see `SubmissionGroupCommit`); if the group fails
    /// as a whole, each is submitted again on its own. One result per application, in order.
    func submitGroup(_ items: [(ValidApplication, String?)]) async -> [Result<SubmissionOutcome, any Error>] {
        if items.count > 1 {
            do {
                let outcomes = try await database.transaction { connection in
                    try await submitTogether(items, on: connection)
                }
                return outcomes.map { .success($0) }
            } catch {
                logger.debug("application group failed; submitting one by one", metadata: ["group.size": "\(items.count)"])
            }
        }
        var results: [Result<SubmissionOutcome, any Error>] = []
        for (application, key) in items {
            do {
                results.append(.success(try await submit(application, idempotencyKey: key)))
            } catch {
                results.append(.failure(error))
            }
        }
        return results
    }

    /// A group in one transaction with a few statements for all of it: the plain case (a person with
    /// no application on file and no key used before, unknown to the registry or under the registered
    /// name) is looked up, inserted and published in bulk; everyone else (an open application, a key
    /// seen before, a name that differs, the same person twice in the group) goes through the
    /// one-by-one path afterwards, in the same transaction, so they see the bulk rows.
    private func submitTogether(_ items: [(ValidApplication, String?)], on connection: PostgresConnection) async throws -> [SubmissionOutcome] {
        let ids = items.map(\.0.idNumber.value)
        var seen: [String: Int] = [:]
        for id in ids { seen[id, default: 0] += 1 }
        var careful = Set(seen.filter { $0.value > 1 }.keys)
        let keys = items.compactMap(\.1)
        for try await id in try await connection.query("""
            SELECT DISTINCT applicant_id_number FROM applications
            WHERE applicant_id_number = ANY(\(ids)) AND (status <> 'decided' OR idempotency_key = ANY(\(keys)))
            """, logger: logger).decode(String.self) { careful.insert(id) }
        var registered: [String: (household: String, provisional: Bool, name: String)] = [:]
        for try await (id, household, provisional, name) in try await connection.query("""
            SELECT m.id_number, coalesce(h.superseded_by, h.id), coalesce(s.provisional, h.provisional), m.name
            FROM household_members m JOIN households h ON h.id = m.household_id LEFT JOIN households s ON s.id = h.superseded_by
            WHERE m.id_number = ANY(\(ids))
            FOR SHARE OF h
            """, logger: logger).decode((String, String, Bool, String).self) {
            registered[id] = (household, provisional, name)
        }
        let now = Date()
        var outcomes: [SubmissionOutcome?] = Array(repeating: nil, count: items.count)
        var newHouseholds: [(id: String, application: ValidApplication)] = []
        var rows: [(number: String, household: String, provisional: Bool, application: ValidApplication, key: String?)] = []
        for (index, (application, key)) in items.enumerated() where !careful.contains(application.idNumber.value) {
            let person = registered[application.idNumber.value]
            if let person, !Self.sameName(person.name, application.applicantName) { continue }  // held: the careful path
            let number = try RecordNumbers.unguessable("SQ")
            var household = person?.household ?? ""
            if person == nil {
                household = "H" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
                newHouseholds.append((household, application))
            }
            rows.append((number, household, person?.provisional ?? true, application, key))
            outcomes[index] = SubmissionOutcome(applicationNumber: number, status: "submitted", submittedAt: now, created: true)
        }
        if !newHouseholds.isEmpty {
            try await connection.query("""
                INSERT INTO households (id, village_code, provisional, created_at, updated_at)
                SELECT id, village, true, \(now), \(now) FROM unnest(\(newHouseholds.map(\.id))::text[], \(newHouseholds.map(\.application.villageCode))::text[])
                    AS n(id, village)
                """, logger: logger)
            try await connection.query("""
                INSERT INTO household_members (household_id, id_number, name, relation, phone)
                SELECT h, i, n, '户主', p FROM unnest(\(newHouseholds.map(\.id))::text[], \(newHouseholds.map(\.application.idNumber.value))::text[],
                    \(newHouseholds.map(\.application.applicantName))::text[], \(newHouseholds.map(\.application.phone))::text[]) AS m(h, i, n, p)
                """, logger: logger)
            try await publisher.publishAll(newHouseholds.map { household in
                HouseholdRegistered(
                    householdId: household.id, villageCode: household.application.villageCode, householdGroupId: nil, provisional: true,
                    members: [.init(
                        name: household.application.applicantName, idNumber: household.application.idNumber.value, relation: "户主",
                        phone: household.application.phone)],
                    updatedAt: now, source: "self-application")
            }, on: connection)
        }
        if !rows.isEmpty {
            try await connection.query("""
                INSERT INTO applications (number, household_id, village_code, applicant_name, applicant_id_number, applicant_phone,
                    household_size, difficulties, statement, idempotency_key, status, submitted_at)
                SELECT number, household, village, name, id, phone, size, string_to_array(kinds, ','), statement, NULLIF(key, ''), 'submitted', \(now)
                FROM unnest(\(rows.map(\.number))::text[], \(rows.map(\.household))::text[], \(rows.map(\.application.villageCode))::text[],
                    \(rows.map(\.application.applicantName))::text[], \(rows.map(\.application.idNumber.value))::text[],
                    \(rows.map(\.application.phone))::text[], \(rows.map(\.application.householdSize))::int8[],
                    \(rows.map { $0.application.difficulties.map(\.rawValue).joined(separator: ",") })::text[],
                    \(rows.map(\.application.statement))::text[], \(rows.map { $0.key ?? "" })::text[])
                    AS a(number, household, village, name, id, phone, size, kinds, statement, key)
                """, logger: logger)
            try await connection.query("""
                INSERT INTO application_timeline (application_number, stage, occurred_at)
                SELECT number, \(ReviewStage.submitted.rawValue), \(now) FROM unnest(\(rows.map(\.number))::text[]) AS t(number)
                """, logger: logger)
            try await publisher.publishAll(rows.map { row in
                ApplicationSubmitted(
                    applicationNumber: row.number, householdId: row.household, householdIsProvisional: row.provisional,
                    villageCode: row.application.villageCode,
                    applicant: ContactDetails(name: row.application.applicantName, phone: row.application.phone),
                    householdSize: row.application.householdSize, difficulties: row.application.difficulties, statement: row.application.statement,
                    submittedAt: now)
            }, on: connection)
        }
        var result: [SubmissionOutcome] = []
        for (index, (application, key)) in items.enumerated() {
            if let outcome = outcomes[index] {
                result.append(outcome)
            } else {
                result.append(try await submit(application, idempotencyKey: key, on: connection))
            }
        }
        return result
    }

    private struct Existing {
        var outcome: SubmissionOutcome
        var phone: String
        var name: String
        var held: Bool
        var sameApplication: Bool
    }

    private func submit(_ application: ValidApplication, idempotencyKey: String?, on connection: PostgresConnection) async throws -> SubmissionOutcome {
        let mine = try await openApplications(of: application, on: connection)
        if let idempotencyKey, let earlier = try await byKey(idempotencyKey, application: application, on: connection) {
            guard earlier.sameApplication else {
                throw IntakeError(
                    .idempotencyKeyReused, "该 Idempotency-Key 已用于另一份申请，请为新的申请使用新的键", field: "Idempotency-Key")
            }
            return earlier.outcome
        }
        // The same person again from the same phone and name: the application they already have.
        if let same = mine.first(where: { $0.phone == application.phone && $0.name == application.applicantName }) {
            return same.outcome
        }
        let registered = try await registeredMember(application.idNumber, on: connection)
        let now = Date()
        let number = try RecordNumbers.unguessable("SQ")
        if mine.contains(where: { !$0.held }) || (registered != nil && !Self.sameName(registered!.name, application.applicantName)) {
            let reason: ApplicationHeldForVerification.Reason = mine.contains(where: { !$0.held }) ? .openApplication : .nameMismatch
            let household = try await householdOfOpenApplication(application, on: connection) ?? registered!.household
            try await insert(application, number: number, household: household.id, status: "verification", reason: reason, key: idempotencyKey, at: now, on: connection)
            try await publisher.publish(ApplicationHeldForVerification(
                applicationNumber: number, householdId: household.id, villageCode: household.village, reason: reason, submittedAt: now
            ), on: connection)
            logger.notice("application held for village verification", metadata: ["application": "\(number)", "reason": "\(reason)"])
        } else {
            let (householdId, provisional) = try await householdFor(application, registered: registered?.household, at: now, on: connection)
            try await insert(application, number: number, household: householdId, status: "submitted", reason: nil, key: idempotencyKey, at: now, on: connection)
            try await publisher.publish(ApplicationSubmitted(
                applicationNumber: number, householdId: householdId, householdIsProvisional: provisional, villageCode: application.villageCode,
                applicant: ContactDetails(name: application.applicantName, phone: application.phone), householdSize: application.householdSize,
                difficulties: application.difficulties, statement: application.statement, submittedAt: now
            ), on: connection)
        }
        return SubmissionOutcome(applicationNumber: number, status: "submitted", submittedAt: now, created: true)
    }

    /// Names as people type them: surrounding and inner spaces ignored, the middle dots of minority
    /// names (·, •, ・, .) taken as one.
    static func sameName(_ registered: String, _ typed: String) -> Bool {
        func normalised(_ name: String) -> String {
            String(name.unicodeScalars.compactMap { scalar -> Character? in
                if CharacterSet.whitespacesAndNewlines.contains(scalar) || scalar == "\u{3000}" { return nil }
                if ["\u{00B7}", "\u{2022}", "\u{30FB}", "\u{FF0E}", ".", "\u{2027}"].contains(scalar) { return "·" }
                return Character(scalar)
            })
        }
        return normalised(registered) == normalised(typed)
    }

    private func insert(
        _ application: ValidApplication, number: String, household: String, status: String, reason: ApplicationHeldForVerification.Reason?,
        key: String?, at now: Date, on connection: PostgresConnection
    ) async throws {
        try await connection.query("""
            INSERT INTO applications (number, household_id, village_code, applicant_name, applicant_id_number, applicant_phone,
                household_size, difficulties, statement, idempotency_key, status, verification_reason, submitted_at)
            VALUES (\(number), \(household), \(application.villageCode), \(application.applicantName), \(application.idNumber.value),
                \(application.phone), \(application.householdSize), \(application.difficulties.map(\.rawValue)), \(application.statement),
                \(key), \(status), \(reason?.rawValue), \(now))
            """, logger: logger)
        try await connection.query("""
            INSERT INTO application_timeline (application_number, stage, occurred_at) VALUES (\(number), \(ReviewStage.submitted.rawValue), \(now))
            """, logger: logger)
    }

    /// The applicant's open applications (held ones included), oldest first.
    private func openApplications(of application: ValidApplication, on connection: PostgresConnection) async throws -> [Existing] {
        var found: [Existing] = []
        let rows = try await connection.query("""
            SELECT number, status, submitted_at, applicant_phone, applicant_name FROM applications
            WHERE applicant_id_number = \(application.idNumber.value) AND status <> 'decided' ORDER BY submitted_at
            """, logger: logger)
        for try await (number, status, submittedAt, phone, name) in rows.decode((String, String, Date, String, String).self) {
            found.append(Existing(
                outcome: SubmissionOutcome(applicationNumber: number, status: Self.publicStatus(status), submittedAt: submittedAt, created: false),
                phone: phone, name: name, held: status == "verification", sameApplication: true))
        }
        return found
    }

    /// The applicant's earlier application under `key` (keys are the applicant's own: the same key from
    /// another ID number is another key), and whether it is this same application.
    private func byKey(_ key: String, application: ValidApplication, on connection: PostgresConnection) async throws -> Existing? {
        let rows = try await connection.query("""
            SELECT number, status, submitted_at, applicant_phone, applicant_name,
                village_code = \(application.villageCode) AND applicant_name = \(application.applicantName)
                AND applicant_phone = \(application.phone) AND household_size = \(application.householdSize)
                AND difficulties = \(application.difficulties.map(\.rawValue)) AND statement = \(application.statement)
            FROM applications WHERE applicant_id_number = \(application.idNumber.value) AND idempotency_key = \(key)
            """, logger: logger)
        for try await (number, status, submittedAt, phone, name, same) in rows.decode((String, String, Date, String, String, Bool).self) {
            return Existing(
                outcome: SubmissionOutcome(applicationNumber: number, status: Self.publicStatus(status), submittedAt: submittedAt, created: false),
                phone: phone, name: name, held: status == "verification", sameApplication: same)
        }
        return nil
    }

    /// What the applicant is told of a status: a held application is "submitted" like any other.
    static func publicStatus(_ status: String) -> String {
        status == "verification" ? "submitted" : status
    }

    private struct HouseholdRef {
        var id: String
        var village: String
    }

    /// The registered member with this ID number: their household (its successor if merged) and name.
    private func registeredMember(_ idNumber: CitizenIdNumber, on connection: PostgresConnection) async throws -> (household: HouseholdRef, name: String, provisional: Bool)? {
        // FOR SHARE: an import merging this household waits for the application to commit, and then
        // moves it along (HouseholdImporter.merge locks the household first).
        let rows = try await connection.query("""
            SELECT coalesce(h.superseded_by, h.id), coalesce(s.village_code, h.village_code), m.name, h.provisional AND h.superseded_by IS NULL
            FROM household_members m JOIN households h ON h.id = m.household_id LEFT JOIN households s ON s.id = h.superseded_by
            WHERE m.id_number = \(idNumber.value)
            FOR SHARE OF h
            """, logger: logger)
        for try await (household, village, name, provisional) in rows.decode((String, String, String, Bool).self) {
            return (HouseholdRef(id: household, village: village), name, provisional)
        }
        return nil
    }

    private func householdOfOpenApplication(_ application: ValidApplication, on connection: PostgresConnection) async throws -> HouseholdRef? {
        let rows = try await connection.query("""
            SELECT a.household_id, h.village_code FROM applications a JOIN households h ON h.id = a.household_id
            WHERE a.applicant_id_number = \(application.idNumber.value) AND a.status NOT IN ('decided', 'verification')
            """, logger: logger)
        for try await (id, village) in rows.decode((String, String).self) { return HouseholdRef(id: id, village: village) }
        return nil
    }

    /// The applicant's registered household, or a new provisional one for the village to confirm.
    private func householdFor(
        _ application: ValidApplication, registered: HouseholdRef?, at now: Date, on connection: PostgresConnection
    ) async throws -> (String, Bool) {
        if let registered {
            let rows = try await connection.query("SELECT provisional FROM households WHERE id = \(registered.id)", logger: logger)
            for try await provisional in rows.decode(Bool.self) { return (registered.id, provisional) }
        }
        let householdId = "H" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try await connection.query("""
            INSERT INTO households (id, village_code, provisional, created_at, updated_at)
            VALUES (\(householdId), \(application.villageCode), true, \(now), \(now))
            """, logger: logger)
        try await connection.query("""
            INSERT INTO household_members (household_id, id_number, name, relation, phone)
            VALUES (\(householdId), \(application.idNumber.value), \(application.applicantName), '户主', \(application.phone))
            """, logger: logger)
        try await publisher.publish(HouseholdRegistered(
            householdId: householdId, villageCode: application.villageCode, householdGroupId: nil, provisional: true,
            members: [.init(name: application.applicantName, idNumber: application.idNumber.value, relation: "户主", phone: application.phone)],
            updatedAt: now, source: "self-application"
        ), on: connection)
        return (householdId, true)
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
        let status = Self.publicStatus(found.status)
        return ApplicationProgress(
            applicationNumber: number, status: status, statusText: ApplicationProgress.statusText(status),
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
