import LifelinePersistence

/// Review's schema. 100 is the first version (one case per lead); 101 turns it into the workflow:
/// leads of every road join one case per household, the steps, objections, comparisons, the registry
/// copy (with the head's name and ID number, for the announcement and the district's export only),
/// grid names, monitoring, the lines per year and an append-only audit trail.
enum ReviewMigrations {
    static let all: [Migration] = [
        Migration(version: 100, name: "cases", statements: [
            "CREATE SEQUENCE case_number_seq",
            """
            CREATE TABLE cases (
                id text PRIMARY KEY,
                household_id text,
                village_code text NOT NULL,
                road text NOT NULL,
                application_number text UNIQUE,
                lead_id text UNIQUE,
                contact_name text,
                contact_phone text,
                stage text NOT NULL,
                opened_at timestamptz NOT NULL,
                due_by timestamptz NOT NULL
            )
            """,
            "CREATE INDEX cases_village ON cases (village_code, opened_at)",
            "CREATE INDEX cases_household ON cases (household_id)",
        ]),
        Migration(version: 101, name: "workflow", statements: leads + cases + steps + registry + monitoring + audit),
        // A lead reads whether its household, or one merged into it, is monitored or has an open case:
        // the look-up goes from the absorbing household to the absorbed ones.
        Migration(version: 102, name: "merged households by successor", statements: [
            "CREATE INDEX households_superseded_by ON households (superseded_by) WHERE superseded_by IS NOT NULL",
        ]),
    ]

    private static let leads = [
        "CREATE SEQUENCE lead_number_seq",
        """
        CREATE TABLE leads (
            id text PRIMARY KEY,
            road text NOT NULL,
            origin_id text NOT NULL,
            household_id text,
            village_code text,
            town_code text NOT NULL,
            risks text[] NOT NULL DEFAULT '{}',
            summary text NOT NULL DEFAULT '',
            application_number text,
            contact_name text,
            contact_phone text,
            discovered_at timestamptz NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            status text NOT NULL CHECK (status IN ('triage', 'verification', 'joined', 'recheck', 'closed')),
            case_id text,
            outcome text,
            outcome_reason text,
            settled_at timestamptz,
            settled_by text,
            UNIQUE (road, origin_id)
        )
        """,
        "CREATE INDEX leads_town_status ON leads (town_code, status)",
        "CREATE INDEX leads_case ON leads (case_id)",
        "CREATE INDEX leads_household ON leads (household_id)",
        // Version 100 kept one case per lead: each becomes a lead (XM: migrated, never a number of
        // lead_number_seq); cases without a household go to triage.
        """
        INSERT INTO leads (id, road, origin_id, household_id, village_code, town_code, application_number, contact_name, contact_phone,
                           discovered_at, received_at, status, case_id)
        SELECT 'XM' || substr(id, 3), road, coalesce(application_number, lead_id, id), household_id, village_code, substr(village_code, 1, 9),
               application_number, contact_name, contact_phone, opened_at, opened_at,
               CASE WHEN household_id IS NULL THEN 'triage' ELSE 'joined' END, CASE WHEN household_id IS NULL THEN NULL ELSE id END
        FROM cases
        """,
    ]

    private static let cases = [
        "DELETE FROM cases WHERE household_id IS NULL",
        // One open case per household: earlier duplicates merge into the household's first case.
        """
        WITH ranked AS (SELECT id, first_value(id) OVER (PARTITION BY household_id ORDER BY opened_at, id) AS keep FROM cases)
        UPDATE leads SET case_id = ranked.keep FROM ranked WHERE leads.case_id = ranked.id AND ranked.id <> ranked.keep
        """,
        "DELETE FROM cases WHERE id NOT IN (SELECT DISTINCT case_id FROM leads WHERE case_id IS NOT NULL)",
        "ALTER TABLE cases DROP COLUMN application_number, DROP COLUMN lead_id, DROP COLUMN contact_name, DROP COLUMN contact_phone",
        """
        ALTER TABLE cases
            ALTER COLUMN household_id SET NOT NULL,
            ADD COLUMN kind text NOT NULL DEFAULT 'identification',
            ADD COLUMN town_code text,
            ADD COLUMN discovered_at timestamptz,
            ADD COLUMN comparison_state text,
            ADD COLUMN announcement_text text,
            ADD COLUMN announcement_ends_on date,
            ADD COLUMN outcome text,
            ADD COLUMN category text,
            ADD COLUMN decision_reason text,
            ADD COLUMN closed_at timestamptz,
            ADD COLUMN due_soon_flagged_at timestamptz,
            ADD COLUMN overdue_flagged_at timestamptz,
            ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()
        """,
        "UPDATE cases SET town_code = substr(village_code, 1, 9), discovered_at = opened_at",
        "ALTER TABLE cases ALTER COLUMN town_code SET NOT NULL, ALTER COLUMN discovered_at SET NOT NULL",
        "CREATE UNIQUE INDEX cases_one_open_per_household ON cases (household_id) WHERE closed_at IS NULL",
        "CREATE INDEX cases_open_due ON cases (due_by) WHERE closed_at IS NULL",
        "CREATE INDEX cases_town ON cases (town_code, opened_at)",
    ]

    private static let steps = [
        """
        CREATE TABLE case_steps (
            case_id text NOT NULL REFERENCES cases (id),
            stage text NOT NULL,
            recorded_at timestamptz NOT NULL,
            recorded_by text NOT NULL,
            recorded_role text NOT NULL,
            details jsonb NOT NULL,
            PRIMARY KEY (case_id, stage)
        )
        """,
        """
        CREATE TABLE case_objections (
            case_id text NOT NULL REFERENCES cases (id),
            number integer NOT NULL,
            received_on date NOT NULL,
            content text NOT NULL,
            lodged_at timestamptz NOT NULL,
            lodged_by text NOT NULL,
            resolved_at timestamptz,
            resolved_by text,
            upheld boolean,
            resolution text,
            PRIMARY KEY (case_id, number)
        )
        """,
        """
        CREATE TABLE comparisons (
            request_id text PRIMARY KEY,
            case_id text NOT NULL REFERENCES cases (id),
            requested_at timestamptz NOT NULL,
            answered_at timestamptz,
            sources text[],
            findings jsonb,
            adverse boolean
        )
        """,
        "CREATE INDEX comparisons_case ON comparisons (case_id)",
    ]

    private static let registry = [
        """
        CREATE TABLE households (
            id text PRIMARY KEY,
            village_code text NOT NULL,
            head_name text NOT NULL,
            head_id_number text NOT NULL,
            formerly_poor boolean NOT NULL DEFAULT false,
            people integer NOT NULL,
            able_to_work integer NOT NULL,
            labour_unknown integer NOT NULL,
            provisional boolean NOT NULL,
            superseded_by text,
            updated_at timestamptz NOT NULL
        )
        """,
        """
        CREATE TABLE monitoring_lines (
            year integer NOT NULL,
            province text NOT NULL,
            line_fen bigint NOT NULL CHECK (line_fen > 0),
            set_by text NOT NULL,
            set_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (year, province)
        )
        """,
        // Starting values for Shandong (37) so that a new installation works; the district sets the
        // published line of each year with PUT /v1/monitoring-lines/{year} (docs/review.md).
        """
        INSERT INTO monitoring_lines (year, province, line_fen, set_by) VALUES
            (2024, '37', 830000, 'initial'), (2025, '37', 850000, 'initial'), (2026, '37', 870000, 'initial')
        """,
    ]

    private static let monitoring = [
        // Names of the grid's units (intake.grid), for the export and the lists.
        "CREATE TABLE grid_units (code text PRIMARY KEY, level text NOT NULL, name text NOT NULL, updated_at timestamptz NOT NULL)",
        """
        CREATE TABLE monitored_households (
            case_id text PRIMARY KEY REFERENCES cases (id),
            household_id text NOT NULL,
            village_code text NOT NULL,
            town_code text NOT NULL,
            category text NOT NULL,
            risks text[] NOT NULL,
            people integer NOT NULL,
            road text NOT NULL,
            per_capita_income_fen bigint NOT NULL,
            started_on date NOT NULL,
            cadre_name text NOT NULL,
            cadre_phone text NOT NULL,
            ended_on date,
            elimination_case_id text
        )
        """,
        "CREATE UNIQUE INDEX monitored_current ON monitored_households (household_id) WHERE ended_on IS NULL",
        "CREATE INDEX monitored_village ON monitored_households (village_code)",
        """
        CREATE TABLE assistance_measures (
            id bigserial PRIMARY KEY,
            household_id text NOT NULL,
            kind text NOT NULL,
            description text NOT NULL,
            started_on date NOT NULL,
            recorded_by text NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now()
        )
        """,
        "CREATE INDEX measures_household ON assistance_measures (household_id)",
    ]

    /// Every action and every refused attempt, append-only: triggers refuse UPDATE, DELETE and
    /// TRUNCATE, and each row carries the SHA-256 of its content and of the row before, so a change
    /// made around the triggers (by an owner who drops them) breaks the chain (`audit_trail_check`).
    private static let audit = [
        """
        CREATE TABLE audit_trail (
            seq bigint PRIMARY KEY,
            at timestamptz NOT NULL,
            actor text NOT NULL,
            role text NOT NULL,
            region text NOT NULL,
            action text NOT NULL,
            case_id text,
            lead_id text,
            household_id text,
            outcome text NOT NULL,
            detail jsonb NOT NULL,
            previous_hash text NOT NULL,
            hash text NOT NULL
        )
        """,
        "CREATE SEQUENCE audit_trail_seq",
        """
        CREATE FUNCTION audit_trail_row_hash(previous text, seq bigint, at timestamptz, actor text, role text, region text, action text,
                                             case_id text, lead_id text, household_id text, outcome text, detail jsonb) RETURNS text
        LANGUAGE sql IMMUTABLE AS $$
            SELECT encode(sha256(convert_to(concat_ws('|', previous, seq::text, extract(epoch FROM at)::text, actor, role, region, action,
                coalesce(case_id, ''), coalesce(lead_id, ''), coalesce(household_id, ''), outcome, detail::text), 'UTF8')), 'hex')
        $$
        """,
        """
        CREATE FUNCTION audit_trail_chain() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            previous text;
        BEGIN
            -- Held to commit: rows are numbered and chained in the order their transactions commit.
            PERFORM pg_advisory_xact_lock(hashtext(TG_TABLE_SCHEMA || '.audit_trail'));
            SELECT hash INTO previous FROM audit_trail ORDER BY seq DESC LIMIT 1;
            NEW.seq := nextval('audit_trail_seq');
            NEW.at := clock_timestamp();
            NEW.previous_hash := coalesce(previous, '');
            NEW.hash := audit_trail_row_hash(NEW.previous_hash, NEW.seq, NEW.at, NEW.actor, NEW.role, NEW.region, NEW.action,
                                             NEW.case_id, NEW.lead_id, NEW.household_id, NEW.outcome, NEW.detail);
            RETURN NEW;
        END
        $$
        """,
        """
        CREATE FUNCTION audit_trail_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_trail is append-only' USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """,
        "CREATE TRIGGER audit_trail_chain BEFORE INSERT ON audit_trail FOR EACH ROW EXECUTE FUNCTION audit_trail_chain()",
        "CREATE TRIGGER audit_trail_no_change BEFORE UPDATE OR DELETE ON audit_trail FOR EACH ROW EXECUTE FUNCTION audit_trail_refuse()",
        "CREATE TRIGGER audit_trail_no_truncate BEFORE TRUNCATE ON audit_trail FOR EACH STATEMENT EXECUTE FUNCTION audit_trail_refuse()",
        """
        CREATE VIEW audit_trail_check AS
        SELECT seq,
               hash = audit_trail_row_hash(previous_hash, seq, at, actor, role, region, action, case_id, lead_id, household_id, outcome, detail)
                   AND previous_hash = coalesce(lag(hash) OVER (ORDER BY seq), '') AS intact
        FROM audit_trail
        """,
    ]
}
