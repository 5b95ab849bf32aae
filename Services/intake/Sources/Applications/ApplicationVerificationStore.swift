import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime
import Logging

/// A held self-application as the village sees it to verify it (核实): who applied, masked, beside
/// what the registry says.
struct HeldApplicationView: Codable, Sendable {
    var applicationNumber: String
    var submittedAt: Date
    var reason: String
    var reasonText: String
    var householdId: String
    var villageCode: String
    var applicantName: String
    /// The registered name of the ID number, when the registry has it (it differs for `name-mismatch`).
    var registeredName: String?
    var idNumberMasked: String
    var phoneMasked: String
    /// The ID number's other open application, if any (`open-application`).
    var openApplicationNumber: String?
}

/// The village's side of held applications: list them, then confirm one (it goes on as an ordinary
/// application) or reject it with a reason the applicant reads on the progress page.
struct ApplicationVerificationStore: Sendable {
    let database: Database
    let publisher: EventPublisher
    let logger: Logger

    /// Held applications of households in a region (by village-code prefix), oldest first.
    func held(regionPrefix: String, limit: Int, offset: Int) async throws -> [HeldApplicationView] {
        let prefix = regionPrefix + "%"
        let rows = try await database.query("""
            SELECT a.number, a.submitted_at, a.verification_reason, a.household_id, h.village_code, a.applicant_name,
                (SELECT m.name FROM household_members m WHERE m.id_number = a.applicant_id_number),
                a.applicant_id_number, a.applicant_phone,
                (SELECT o.number FROM applications o WHERE o.applicant_id_number = a.applicant_id_number
                    AND o.status NOT IN ('decided', 'verification'))
            FROM applications a JOIN households h ON h.id = a.household_id
            WHERE a.status = 'verification' AND h.village_code LIKE \(prefix)
            ORDER BY a.submitted_at, a.number LIMIT \(limit) OFFSET \(offset)
            """)
        var views: [HeldApplicationView] = []
        for try await (number, at, reason, household, village, name, registered, idNumber, phone, other) in rows.decode(
            (String, Date, String?, String, String, String, String?, String, String, String?).self)
        {
            let known = ApplicationHeldForVerification.Reason(uncheckedRawValue: reason ?? "")
            views.append(HeldApplicationView(
                applicationNumber: number, submittedAt: at, reason: known.rawValue, reasonText: known.chineseName, householdId: household,
                villageCode: village, applicantName: name, registeredName: registered, idNumberMasked: CitizenIdNumber.masked(idNumber),
                phoneMasked: MobileNumber.masked(phone), openApplicationNumber: other))
        }
        return views
    }

    /// The village of a held application's household (for the jurisdiction check), or nil.
    func village(ofHeld number: String) async throws -> String? {
        let rows = try await database.query("""
            SELECT h.village_code FROM applications a JOIN households h ON h.id = a.household_id
            WHERE a.number = \(number) AND a.status = 'verification'
            """)
        for try await village in rows.decode(String.self) { return village }
        return nil
    }

    /// Confirms a held application: it becomes an ordinary one and its lead goes to review.
    func confirm(_ number: String, note: String, by user: String) async throws {
        try await database.transaction { connection in
            let held = try await lockHeld(number, on: connection)
            let others = try await connection.query("""
                SELECT count(*) FROM applications WHERE applicant_id_number = \(held.idNumber) AND status NOT IN ('decided', 'verification')
                """, logger: logger)
            for try await count in others.decode(Int.self) where count > 0 {
                throw IntakeError(
                    .otherApplicationOpen, "该身份证号码另有正在办理的申请，请先办结或驳回那一份", field: "outcome")
            }
            try await connection.query("""
                UPDATE applications SET status = 'submitted', verified_at = now(), verified_by = \(user), verification_note = \(note)
                WHERE number = \(number)
                """, logger: logger)
            try await publisher.publish(ApplicationSubmitted(
                applicationNumber: number, householdId: held.household, householdIsProvisional: held.provisional, villageCode: held.village,
                applicant: ContactDetails(name: held.name, phone: held.phone), householdSize: held.size,
                difficulties: held.difficulties.map(DifficultyType.init(uncheckedRawValue:)), statement: held.statement, submittedAt: held.submittedAt
            ), on: connection)
        }
    }

    /// Rejects a held application; the applicant reads `reason` on the progress page.
    func reject(_ number: String, reason: String, by user: String) async throws {
        try await database.transaction { connection in
            _ = try await lockHeld(number, on: connection)
            try await connection.query("""
                UPDATE applications SET status = 'decided', decision_reason = \(reason), verified_at = now(), verified_by = \(user),
                    verification_note = \(reason)
                WHERE number = \(number)
                """, logger: logger)
            try await connection.query("""
                INSERT INTO application_timeline (application_number, stage, occurred_at, note)
                VALUES (\(number), \(ReviewStage.decided.rawValue), now(), \("经村级核实，不予受理"))
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
    }

    private struct Held {
        var household: String
        var village: String
        var provisional: Bool
        var name: String
        var idNumber: String
        var phone: String
        var size: Int
        var difficulties: [String]
        var statement: String
        var submittedAt: Date
    }

    private func lockHeld(_ number: String, on connection: PostgresConnection) async throws -> Held {
        let rows = try await connection.query("""
            SELECT a.household_id, h.village_code, h.provisional, a.applicant_name, a.applicant_id_number, a.applicant_phone,
                a.household_size, a.difficulties, a.statement, a.submitted_at
            FROM applications a JOIN households h ON h.id = a.household_id
            WHERE a.number = \(number) AND a.status = 'verification'
            FOR UPDATE OF a
            """, logger: logger)
        for try await (household, village, provisional, name, idNumber, phone, size, difficulties, statement, at) in rows.decode(
            (String, String, Bool, String, String, String, Int, [String], String, Date).self)
        {
            return Held(
                household: household, village: village, provisional: provisional, name: name, idNumber: idNumber, phone: phone, size: size,
                difficulties: difficulties, statement: statement, submittedAt: at)
        }
        throw IntakeError(.notHeld, "该申请不在待核实状态（可能已被处理）")
    }
}
