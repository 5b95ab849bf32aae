import LifelinePersistence

/// Intake's schema. Personal data (ID numbers, phones) lives here and in no other service's tables
/// except where an event hands it on for a role that needs it.
enum IntakeMigrations {
    static let all: [Migration] = [
        Migration(version: 100, name: "households and applications", statements: [
            """
            CREATE TABLE households (
                id text PRIMARY KEY,
                village_code text NOT NULL,
                household_group_id text,
                provisional boolean NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            """
            CREATE TABLE household_members (
                household_id text NOT NULL REFERENCES households(id),
                id_number text NOT NULL UNIQUE,
                name text NOT NULL,
                relation text NOT NULL,
                PRIMARY KEY (household_id, id_number)
            )
            """,
            "CREATE SEQUENCE application_number_seq",
            """
            CREATE TABLE applications (
                number text PRIMARY KEY,
                household_id text NOT NULL REFERENCES households(id),
                village_code text NOT NULL,
                applicant_name text NOT NULL,
                applicant_id_number text NOT NULL,
                applicant_phone text NOT NULL,
                household_size integer NOT NULL,
                difficulties text[] NOT NULL,
                statement text NOT NULL,
                idempotency_key text UNIQUE,
                status text NOT NULL,
                case_id text,
                decision_reason text,
                submitted_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            // One open application per person: a second tap or a retry finds the first one.
            "CREATE UNIQUE INDEX applications_one_open_per_person ON applications (applicant_id_number) WHERE status <> 'decided'",
            """
            CREATE TABLE application_timeline (
                application_number text NOT NULL REFERENCES applications(number),
                stage text NOT NULL,
                occurred_at timestamptz NOT NULL,
                note text,
                PRIMARY KEY (application_number, stage)
            )
            """,
        ])
    ]
}
