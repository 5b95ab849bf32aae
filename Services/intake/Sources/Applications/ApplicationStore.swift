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

    /// Records a group of applications (one or more) in one transaction (see `SubmissionGroupCommit`);
    /// if the group fails as a whole, each is submitted again on its own. One result per application,
    /// in order. A group of one goes the same way (its statements are the prepared ones of the group
    /// path) and is submitted again on its own only after a race on a unique index.
    func submitGroup(_ items: [(ValidApplication, String?)]) async -> [Result<SubmissionOutcome, any Error>] {
        do {
            let outcomes = try await database.transaction { connection in
                try await submitTogether(items, on: connection)
            }
            return outcomes.map { .success($0) }
        } catch where items.count == 1 && DatabaseFailure.sqlState(of: error) != "23505" {
            // Alone, it would fail the same way again (an outage, a reused key): no second transaction.
            return [.failure(error)]
        } catch {
            logger.debug("application group failed; submitting one by one", metadata: ["group.size": "\(items.count)"])
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
        var registered: [String: (household: HouseholdRef, name: String, provisional: Bool)] = [:]
        for row in try await connection.run(SubmissionLookups(idNumbers: ids, idempotencyKeys: keys), logger: logger) {
            if row.careful {
                careful.insert(row.idNumber)
            } else if let household = row.household, let village = row.village, let name = row.name, let provisional = row.provisional {
                registered[row.idNumber] = (HouseholdRef(id: household, village: village), name, provisional)
            }
        }
        let now = Date()
        var outcomes: [SubmissionOutcome?] = Array(repeating: nil, count: items.count)
        var rows: [NewApplication] = []
        var provisional: [NewApplication] = []
        for (index, (application, key)) in items.enumerated() where !careful.contains(application.idNumber.value) {
            let person = registered[application.idNumber.value]
            if let person, !Self.sameName(person.name, application.applicantName) { continue }  // held: the careful path
            let row = NewApplication(
                number: try RecordNumbers.unguessable("SQ"), household: person?.household.id ?? Self.newHouseholdId(),
                householdIsProvisional: person?.provisional ?? true, application: application, key: key)
            if person == nil { provisional.append(row) }
            rows.append(row)
            outcomes[index] = SubmissionOutcome(applicationNumber: row.number, status: "submitted", submittedAt: now, created: true)
        }
        try await insert(rows, provisional: provisional, at: now, on: connection)
        try await publisher.publishAll(rows.map { $0.submitted(at: now) }, on: connection)
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
        let registered = try await registeredMembers([application.idNumber.value], on: connection)[application.idNumber.value]
        let now = Date()
        let number = try RecordNumbers.unguessable("SQ")
        if mine.contains(where: { !$0.held }) || (registered != nil && !Self.sameName(registered!.name, application.applicantName)) {
            let reason: ApplicationHeldForVerification.Reason = mine.contains(where: { !$0.held }) ? .openApplication : .nameMismatch
            let household = try await householdOfOpenApplication(application, on: connection) ?? registered!.household
            let row = NewApplication(
                number: number, household: household.id, householdIsProvisional: false, application: application, key: idempotencyKey,
                heldBecause: reason)
            try await insert([row], provisional: [], at: now, on: connection)
            try await publisher.publish(ApplicationHeldForVerification(
                applicationNumber: number, householdId: household.id, villageCode: household.village, reason: reason, submittedAt: now
            ), on: connection)
            logger.notice("application held for village verification", metadata: ["application": "\(number)", "reason": "\(reason)"])
        } else {
            let row = NewApplication(
                number: number, household: registered?.household.id ?? Self.newHouseholdId(),
                householdIsProvisional: registered?.provisional ?? true, application: application, key: idempotencyKey)
            try await insert([row], provisional: registered == nil ? [row] : [], at: now, on: connection)
            try await publisher.publish(row.submitted(at: now), on: connection)
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

    private func householdOfOpenApplication(_ application: ValidApplication, on connection: PostgresConnection) async throws -> HouseholdRef? {
        let rows = try await connection.query("""
            SELECT a.household_id, h.village_code FROM applications a JOIN households h ON h.id = a.household_id
            WHERE a.applicant_id_number = \(application.idNumber.value) AND a.status NOT IN ('decided', 'verification')
            """, logger: logger)
        for try await (id, village) in rows.decode((String, String).self) { return HouseholdRef(id: id, village: village) }
        return nil
    }
}
