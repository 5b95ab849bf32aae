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
        ]),
        Migration(version: 101, name: "grid, registry import, grid reports", statements: [
            """
            CREATE TABLE grid_units (
                code text PRIMARY KEY,
                level text NOT NULL CHECK (level IN ('town', 'management-area', 'village', 'household-group')),
                name text NOT NULL,
                parent_code text REFERENCES grid_units(code),
                updated_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX grid_units_parent ON grid_units (parent_code)",
            """
            CREATE TABLE grid_members (
                id text PRIMARY KEY,
                name text NOT NULL,
                phone text NOT NULL,
                duty text NOT NULL,
                level text NOT NULL,
                unit_code text NOT NULL REFERENCES grid_units(code),
                updated_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX grid_members_unit ON grid_members (unit_code)",
            """
            ALTER TABLE households
                ADD COLUMN formerly_poor boolean NOT NULL DEFAULT false,
                ADD COLUMN source text NOT NULL DEFAULT 'self-application',
                ADD COLUMN content_hash text,
                ADD COLUMN confirmed_at timestamptz,
                ADD COLUMN confirmed_by text
            """,
            "CREATE INDEX households_village ON households (village_code)",
            "CREATE INDEX households_group ON households (household_group_id)",
            """
            ALTER TABLE household_members
                ADD COLUMN birth_date date,
                ADD COLUMN sex text,
                ADD COLUMN phone text,
                ADD COLUMN position integer NOT NULL DEFAULT 0
            """,
            """
            CREATE TABLE import_jobs (
                id text PRIMARY KEY,
                file_name text NOT NULL,
                format text,
                encoding text,
                status text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
                submitted_by text NOT NULL,
                submitted_region text NOT NULL,
                submitted_at timestamptz NOT NULL DEFAULT now(),
                started_at timestamptz,
                finished_at timestamptz,
                rows_estimated integer,
                rows_read integer NOT NULL DEFAULT 0,
                rows_accepted integer NOT NULL DEFAULT 0,
                rows_rejected integer NOT NULL DEFAULT 0,
                households_created integer NOT NULL DEFAULT 0,
                households_updated integer NOT NULL DEFAULT 0,
                households_unchanged integer NOT NULL DEFAULT 0,
                failure text
            )
            """,
            """
            CREATE TABLE import_errors (
                job_id text NOT NULL REFERENCES import_jobs(id) ON DELETE CASCADE,
                line integer NOT NULL,
                field text NOT NULL,
                reason text NOT NULL,
                PRIMARY KEY (job_id, line, field)
            )
            """,
            """
            CREATE TABLE grid_visits (
                id text PRIMARY KEY,
                household_id text NOT NULL REFERENCES households(id),
                village_code text NOT NULL,
                visited_on date NOT NULL,
                risks text[] NOT NULL,
                notes text NOT NULL,
                recorded_by text NOT NULL,
                recorded_at timestamptz NOT NULL DEFAULT now(),
                idempotency_key text UNIQUE
            )
            """,
            "CREATE INDEX grid_visits_household ON grid_visits (household_id, visited_on DESC)",
            """
            CREATE TABLE village_meetings (
                id text PRIMARY KEY,
                village_code text NOT NULL REFERENCES grid_units(code),
                held_on date NOT NULL,
                kind text NOT NULL,
                attendance integer NOT NULL,
                recorded_by text NOT NULL,
                recorded_at timestamptz NOT NULL DEFAULT now(),
                idempotency_key text UNIQUE
            )
            """,
            """
            CREATE TABLE meeting_decisions (
                meeting_id text NOT NULL REFERENCES village_meetings(id),
                household_id text NOT NULL REFERENCES households(id),
                propose boolean NOT NULL,
                reason text NOT NULL,
                lead_id text UNIQUE,
                PRIMARY KEY (meeting_id, household_id)
            )
            """,
            "CREATE SEQUENCE grid_record_seq",
        ]),
        Migration(version: 102, name: "import job heartbeats", statements: [
            // An instance refreshes the heartbeat of the imports it holds; a job whose heartbeat stops
            // belonged to an instance that went away and is failed by whichever instance notices.
            "ALTER TABLE import_jobs ADD COLUMN heartbeat_at timestamptz NOT NULL DEFAULT now()",
        ]),
        Migration(version: 103, name: "idempotency keys per recorder", statements: [
            // A key is the recorder's own: another user's key must neither find nor block their record.
            "ALTER TABLE grid_visits DROP CONSTRAINT grid_visits_idempotency_key_key",
            "ALTER TABLE grid_visits ADD CONSTRAINT grid_visits_recorder_key UNIQUE (recorded_by, idempotency_key)",
            "ALTER TABLE village_meetings DROP CONSTRAINT village_meetings_idempotency_key_key",
            "ALTER TABLE village_meetings ADD CONSTRAINT village_meetings_recorder_key UNIQUE (recorded_by, idempotency_key)",
        ]),
        Migration(version: 104, name: "provisional households merged by import", statements: [
            "ALTER TABLE households ADD COLUMN superseded_by text REFERENCES households(id)",
        ]),
        // Self-applications that may be someone else's are held for the village (status
        // `verification`); they do not count as the person's open application. Idempotency keys are the
        // applicant's own (the same key from another ID number is another key).
        Migration(version: 105, name: "held applications, idempotency keys per applicant", statements: [
            """
            ALTER TABLE applications ADD COLUMN verification_reason text, ADD COLUMN verified_at timestamptz,
                ADD COLUMN verified_by text, ADD COLUMN verification_note text
            """,
            "DROP INDEX applications_one_open_per_person",
            """
            CREATE UNIQUE INDEX applications_one_open_per_person ON applications (applicant_id_number)
                WHERE status NOT IN ('decided', 'verification')
            """,
            """
            CREATE UNIQUE INDEX applications_one_held_per_applicant ON applications (applicant_id_number, applicant_phone, applicant_name)
                WHERE status = 'verification'
            """,
            "CREATE INDEX applications_held ON applications (submitted_at) WHERE status = 'verification'",
            "ALTER TABLE applications DROP CONSTRAINT applications_idempotency_key_key",
            """
            CREATE UNIQUE INDEX applications_key_per_applicant ON applications (applicant_id_number, idempotency_key)
                WHERE idempotency_key IS NOT NULL
            """,
        ]),
        // What the national registry export says beyond names (optional columns of the household file),
        // published in HouseholdRegistered for review and screening.
        Migration(version: 106, name: "registry attributes", statements: [
            """
            ALTER TABLE household_members ADD COLUMN labour_ability text, ADD COLUMN health_status text,
                ADD COLUMN minimum_living_allowance boolean, ADD COLUMN extreme_poverty_support boolean
            """,
            "ALTER TABLE households ADD COLUMN monitoring_category text",
        ]),
        // Poster runs (海报批量生成) in the background: a town's or the district's posters as one ZIP,
        // kept in the table so any instance can answer its progress and hand the archive out.
        Migration(version: 107, name: "poster runs", statements: [
            """
            CREATE TABLE poster_runs (
                id text PRIMARY KEY,
                region text NOT NULL,
                format text NOT NULL CHECK (format IN ('png', 'svg')),
                status text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
                submitted_by text NOT NULL,
                submitted_at timestamptz NOT NULL DEFAULT now(),
                started_at timestamptz,
                finished_at timestamptz,
                heartbeat_at timestamptz NOT NULL DEFAULT now(),
                villages_total integer NOT NULL DEFAULT 0,
                villages_done integer NOT NULL DEFAULT 0,
                failure text,
                archive bytea
            )
            """,
            "CREATE INDEX poster_runs_submitted ON poster_runs (submitted_at)",
        ]),
        // A submission looks up the applicant's applications that are not decided, held ones included,
        // and the applicant's earlier idempotency keys; the partial unique indexes cover neither, so both
        // scanned the whole table (2-3 ms each at 12,000 applications, growing with the year's count).
        Migration(version: 108, name: "applications by applicant", statements: [
            "CREATE INDEX applications_by_applicant ON applications (applicant_id_number)",
        ]),
    ]
}
