import Foundation
import LifelineEvents
import LifelinePersistence
import PostgresNIO

// The statements every self-application runs, prepared: PostgreSQL parses and plans each once per
// connection instead of once per submission group (parsing and planning were more than half of their
// time as unnamed statements). Each takes arrays, so one group writes with one statement; and each
// round trip saved counts, since a request's latency on an idle server is mostly its round trips.

/// A group's look-ups in one statement: which of these ID numbers have an open application, or an
/// application with one of these idempotency keys (`careful`: they take the one-by-one path), and
/// which are registered members (as `RegisteredApplicants` finds them, locked the same way).
struct SubmissionLookups: PostgresPreparedStatement {
    /// `careful` rows carry the ID number only; member rows carry household, village, name and the
    /// provisional flag.
    typealias Row = (careful: Bool, idNumber: String, household: String?, village: String?, name: String?, provisional: Bool?)
    static let name = "intake_submission_lookups"
    static let sql = """
        WITH registered AS (
            SELECT m.id_number, coalesce(h.superseded_by, h.id) AS household, coalesce(s.village_code, h.village_code) AS village, m.name,
                coalesce(s.provisional, h.provisional) AS provisional
            FROM household_members m JOIN households h ON h.id = m.household_id LEFT JOIN households s ON s.id = h.superseded_by
            WHERE m.id_number = ANY($1::text[])
            FOR SHARE OF h),
        careful AS (
            SELECT DISTINCT applicant_id_number FROM applications
            WHERE applicant_id_number = ANY($1::text[]) AND (status <> 'decided' OR idempotency_key = ANY($2::text[])))
        SELECT false, id_number, household, village, name, provisional FROM registered
        UNION ALL
        SELECT true, applicant_id_number, NULL, NULL, NULL, NULL FROM careful
        """
    var idNumbers: [String]
    var idempotencyKeys: [String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(idNumbers)
        bindings.append(idempotencyKeys)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (careful, idNumber, household, village, name, provisional) = try row.decode((Bool, String, String?, String?, String?, Bool?).self)
        return (careful, idNumber, household, village, name, provisional)
    }
}

/// Registered members with these ID numbers: household (its successor if merged), village, registered
/// name and provisional flag. FOR SHARE: an import merging this household waits for the application to
/// commit, and then moves it along (HouseholdImporter.merge locks the household first).
struct RegisteredApplicants: PostgresPreparedStatement {
    typealias Row = (String, String, String, String, Bool)
    static let name = "intake_registered_applicants"
    static let sql = """
        SELECT m.id_number, coalesce(h.superseded_by, h.id), coalesce(s.village_code, h.village_code), m.name,
            coalesce(s.provisional, h.provisional)
        FROM household_members m JOIN households h ON h.id = m.household_id LEFT JOIN households s ON s.id = h.superseded_by
        WHERE m.id_number = ANY($1::text[])
        FOR SHARE OF h
        """
    var idNumbers: [String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(idNumbers)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// Applications with their first timeline step, `submitted`, and the provisional households (with
/// their one member each) of those applicants unknown to the registry: one statement of data-modifying
/// CTEs, whatever the group's size (the foreign keys are checked at its end, when all rows are in).
struct InsertApplications: PostgresPreparedStatement {
    typealias Row = Void
    static let name = "intake_insert_applications"
    static let sql = """
        WITH new_households AS (
            INSERT INTO households (id, village_code, provisional, created_at, updated_at)
            SELECT id, village, true, $1::timestamptz, $1::timestamptz FROM unnest($2::text[], $3::text[]) AS n(id, village)
            RETURNING id),
        new_members AS (
            INSERT INTO household_members (household_id, id_number, name, relation, phone)
            SELECT h, i, n, '户主', p FROM unnest($2::text[], $4::text[], $5::text[], $6::text[]) AS m(h, i, n, p)
                JOIN new_households ON new_households.id = m.h
            RETURNING 1),
        a AS (
            INSERT INTO applications (number, household_id, village_code, applicant_name, applicant_id_number, applicant_phone,
                household_size, difficulties, statement, idempotency_key, status, verification_reason, submitted_at)
            SELECT number, household, village, name, id, phone, size, string_to_array(kinds, ','), statement, NULLIF(key, ''),
                CASE WHEN reason = '' THEN 'submitted' ELSE 'verification' END, NULLIF(reason, ''), $1::timestamptz
            FROM unnest($7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::int8[], $14::text[], $15::text[],
                $16::text[], $17::text[])
                AS a(number, household, village, name, id, phone, size, kinds, statement, key, reason)
            RETURNING number)
        INSERT INTO application_timeline (application_number, stage, occurred_at)
        SELECT number, $18::text, $1::timestamptz FROM a
        """
    var now: Date
    /// The applications to write.
    var rows: [NewApplication]
    /// Those of `rows` whose applicant gets a new provisional household.
    var provisional: [NewApplication]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 18)
        bindings.append(now)
        bindings.append(provisional.map(\.household))
        bindings.append(provisional.map(\.application.villageCode))
        bindings.append(provisional.map(\.application.idNumber.value))
        bindings.append(provisional.map(\.application.applicantName))
        bindings.append(provisional.map(\.application.phone))
        bindings.append(rows.map(\.number))
        bindings.append(rows.map(\.household))
        bindings.append(rows.map(\.application.villageCode))
        bindings.append(rows.map(\.application.applicantName))
        bindings.append(rows.map(\.application.idNumber.value))
        bindings.append(rows.map(\.application.phone))
        bindings.append(rows.map(\.application.householdSize))
        bindings.append(rows.map { $0.application.difficulties.map(\.rawValue).joined(separator: ",") })
        bindings.append(rows.map(\.application.statement))
        bindings.append(rows.map { $0.key ?? "" })
        bindings.append(rows.map { $0.heldBecause?.rawValue ?? "" })
        bindings.append(ReviewStage.submitted.rawValue)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws {}
}
