import LifelinePersistence

/// Insurance's schema: policy years with their fund and per-line payout rules, the copy of the registry
/// and grid names, coverage (monitored households and the towns' certifications), claims, the fund's
/// ledger with its locked balance row, and an append-only audit log.
enum InsuranceMigrations {
    static let all: [Migration] = [
        Migration(version: 100, name: "fund and household status", statements: [
            """
            CREATE TABLE fund_lines (
                line text PRIMARY KEY,
                name text NOT NULL
            )
            """,
            """
            INSERT INTO fund_lines (line, name) VALUES
                ('medical', '医疗商业补充保险'), ('accident', '人身意外险'),
                ('property', '家庭财产险'), ('industry', '产业扶贫险')
            """,
            """
            CREATE TABLE funds (
                id text PRIMARY KEY,
                name text NOT NULL,
                budget_fen bigint NOT NULL CHECK (budget_fen >= 0),
                committed_fen bigint NOT NULL DEFAULT 0,
                CHECK (committed_fen <= budget_fen)
            )
            """,
            "INSERT INTO funds (id, name, budget_fen) VALUES ('jiyang', '济阳区防返贫综合保险资金', 200000000)",
            """
            CREATE TABLE household_status (
                household_id text PRIMARY KEY,
                case_id text NOT NULL,
                stage text NOT NULL,
                updated_at timestamptz NOT NULL
            )
            """,
        ]),
        Migration(version: 101, name: "policy years, coverage, claims and ledger", statements: policy + coverage + claims + ledger + audit),
        // RiskEliminated ended the register's monitoring only on a household row that had a category
        // then: one eliminated before its row (or its category) arrived was covered by the register
        // again. The end is now kept by itself, whatever the register says before or after.
        Migration(version: 102, name: "register monitoring ends kept apart", statements: [
            "CREATE TABLE register_monitoring_ends (household_id text PRIMARY KEY, ended_on date NOT NULL)",
            """
            INSERT INTO register_monitoring_ends (household_id, ended_on)
            SELECT household_id, monitoring_ended_on FROM households WHERE monitoring_ended_on IS NOT NULL
            """,
            "ALTER TABLE households DROP COLUMN monitoring_ended_on",
        ]),
        // Coverage is read through merges (a household's cover includes that of the households merged
        // into it): the look-up goes from the absorbing household to the absorbed ones.
        Migration(version: 103, name: "merged households by successor", statements: [
            "CREATE INDEX households_superseded_by ON households (superseded_by) WHERE superseded_by IS NOT NULL",
        ]),
    ]

    /// The fund of each year is a balance row guarded by CHECKs (reserved + paid never above the fund)
    /// and locked by every approval; the rules per line are data the district changes over HTTP.
    private static let policy = [
        """
        CREATE TABLE policy_years (
            year int PRIMARY KEY,
            name text NOT NULL,
            fund_fen bigint NOT NULL CHECK (fund_fen >= 0),
            reserved_fen bigint NOT NULL DEFAULT 0 CHECK (reserved_fen >= 0),
            paid_fen bigint NOT NULL DEFAULT 0 CHECK (paid_fen >= 0),
            thresholds_bp bigint[] NOT NULL DEFAULT '{8000,9500}',
            updated_by text NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            CHECK (reserved_fen + paid_fen <= fund_fen)
        )
        """,
        """
        CREATE TABLE line_rules (
            year int NOT NULL REFERENCES policy_years (year),
            line text NOT NULL,
            deductible_fen bigint NOT NULL CHECK (deductible_fen >= 0),
            ratio_bp int NOT NULL CHECK (ratio_bp BETWEEN 0 AND 10000),
            category_ratios jsonb NOT NULL DEFAULT '{}',
            claim_cap_fen bigint NOT NULL CHECK (claim_cap_fen > 0),
            year_cap_fen bigint NOT NULL CHECK (year_cap_fen > 0),
            loss_kinds jsonb NOT NULL,
            deduct_other_payments boolean NOT NULL,
            PRIMARY KEY (year, line)
        )
        """,
        // The year the service was built for: the district's 2,000,000 yuan of the old funds row.
        """
        INSERT INTO policy_years (year, name, fund_fen, updated_by)
        SELECT 2026, '2026年度济阳区防返贫综合保险', budget_fen, 'migration' FROM funds WHERE id = 'jiyang'
        """,
        """
        INSERT INTO line_rules (year, line, deductible_fen, ratio_bp, category_ratios, claim_cap_fen, year_cap_fen, loss_kinds, deduct_other_payments)
        SELECT 2026, r.line, r.deductible, r.ratio, r.categories::jsonb, r.claim_cap, r.year_cap, r.kinds::jsonb, r.deduct
        FROM (VALUES
            ('medical', 300000, 6000, '{"unstableFormerlyPoor": 7000, "suddenHardship": 7000, "marginal": 6500}', 3000000, 5000000,
             '[{"code": "hospitalization", "name": "住院医疗费用"}, {"code": "chronicOutpatient", "name": "门诊慢特病费用"}]', true),
            ('accident', 0, 10000, '{}', 5000000, 5000000,
             '[{"code": "death", "name": "意外身故"}, {"code": "disability", "name": "意外伤残"}, {"code": "injuryMedical", "name": "意外医疗费用"}]', true),
            ('property', 50000, 8000, '{}', 2000000, 3000000,
             '[{"code": "fire", "name": "火灾"}, {"code": "flood", "name": "洪涝"}, {"code": "storm", "name": "风雹雪灾"}, {"code": "collapse", "name": "房屋倒塌"}]', true),
            ('industry', 100000, 7000, '{}', 2000000, 3000000,
             '[{"code": "cropLoss", "name": "种植业灾害损失"}, {"code": "livestockDeath", "name": "养殖业死亡损失"}, {"code": "projectLoss", "name": "帮扶产业项目损失"}]', true)
        ) AS r(line, deductible, ratio, categories, claim_cap, year_cap, kinds, deduct)
        WHERE EXISTS (SELECT 1 FROM policy_years WHERE year = 2026)
        """,
        "DROP TABLE funds",
        // The lines' names are the code's (InsuranceLine); the table of version 100 is read by nothing.
        "DROP TABLE fund_lines",
    ]

    /// Intake's registry and grid names as insurance needs them, and who is covered when: monitoring
    /// from review's events, certifications by the towns.
    private static let coverage = [
        "DROP TABLE household_status",
        """
        CREATE TABLE households (
            household_id text PRIMARY KEY,
            village_code text NOT NULL,
            monitoring_category text,
            -- The day review ended the monitoring the register recorded (RiskEliminated): register coverage stops there.
            monitoring_ended_on date,
            superseded_by text,
            updated_at timestamptz NOT NULL
        )
        """,
        "CREATE INDEX households_village ON households (village_code)",
        "CREATE TABLE grid_units (code text PRIMARY KEY, name text NOT NULL, updated_at timestamptz NOT NULL)",
        "CREATE SEQUENCE certification_number_seq",
        """
        CREATE TABLE certifications (
            id text PRIMARY KEY,
            household_id text NOT NULL,
            village_code text NOT NULL,
            kind text NOT NULL CHECK (kind IN ('suddenHardship', 'remainingHardship')),
            reason text NOT NULL,
            valid_from date NOT NULL,
            valid_until date NOT NULL,
            certified_by text NOT NULL,
            certified_at timestamptz NOT NULL DEFAULT now(),
            revoked_by text,
            revoked_at timestamptz,
            revocation_reason text,
            CHECK (valid_until >= valid_from)
        )
        """,
        "CREATE INDEX certifications_household ON certifications (household_id)",
        "CREATE INDEX certifications_village ON certifications (village_code)",
        // A monitoring period per case that put the household under monitoring (review's events).
        """
        CREATE TABLE monitoring_periods (
            case_id text PRIMARY KEY,
            household_id text NOT NULL,
            category text NOT NULL,
            started_on date NOT NULL,
            ended_on date
        )
        """,
        "CREATE INDEX monitoring_periods_household ON monitoring_periods (household_id)",
    ]

    private static let claims = [
        "CREATE SEQUENCE claim_number_seq",
        """
        CREATE TABLE claims (
            id text PRIMARY KEY,
            household_id text NOT NULL,
            village_code text NOT NULL,
            year int NOT NULL REFERENCES policy_years (year),
            line text NOT NULL,
            loss_kind text NOT NULL,
            incident_date date NOT NULL,
            loss_fen bigint NOT NULL CHECK (loss_fen > 0),
            other_payments jsonb NOT NULL,
            other_payments_fen bigint NOT NULL CHECK (other_payments_fen >= 0),
            description text NOT NULL,
            documents jsonb NOT NULL,
            payee_name text NOT NULL,
            bank_name text NOT NULL,
            account_sealed text NOT NULL,
            account_last4 text NOT NULL,
            coverage text NOT NULL,
            category text NOT NULL,
            status text NOT NULL CHECK (status IN ('filed', 'approved', 'paid', 'rejected')),
            payout_fen bigint CHECK (payout_fen >= 0),
            breakdown jsonb,
            reserved_fen bigint NOT NULL DEFAULT 0 CHECK (reserved_fen >= 0),
            payment_reference text,
            reason_code text,
            reason text,
            filed_by text NOT NULL,
            filed_region text NOT NULL,
            idempotency_key text NOT NULL,
            request_hash text NOT NULL,
            filed_at timestamptz NOT NULL DEFAULT now(),
            decided_by text,
            decided_at timestamptz,
            paid_by text,
            paid_at timestamptz,
            UNIQUE (filed_region, idempotency_key)
        )
        """,
        "CREATE INDEX claims_village ON claims (village_code, filed_at)",
        "CREATE INDEX claims_household ON claims (household_id, line, incident_date)",
        "CREATE INDEX claims_status ON claims (status, filed_at)",
        // A payment reference pays one claim only.
        "CREATE UNIQUE INDEX claims_payment_reference ON claims (payment_reference) WHERE payment_reference IS NOT NULL",
    ]

    /// Every reservation, release and payout is an entry; `policy_years` holds their running sums under
    /// a lock, and `household_usage` what each household has committed per line and year (CHECKed
    /// against the cap by the approving statement).
    private static let ledger = [
        """
        CREATE TABLE ledger_entries (
            seq bigserial PRIMARY KEY,
            year int NOT NULL REFERENCES policy_years (year),
            claim_id text NOT NULL REFERENCES claims (id),
            household_id text NOT NULL,
            town_code text NOT NULL,
            line text NOT NULL,
            kind text NOT NULL CHECK (kind IN ('reservation', 'release', 'payout')),
            amount_fen bigint NOT NULL CHECK (amount_fen > 0),
            at timestamptz NOT NULL DEFAULT now(),
            by_user text NOT NULL
        )
        """,
        "CREATE INDEX ledger_entries_year ON ledger_entries (year, at)",
        "CREATE INDEX ledger_entries_claim ON ledger_entries (claim_id)",
        """
        CREATE TABLE household_usage (
            year int NOT NULL,
            household_id text NOT NULL,
            line text NOT NULL,
            committed_fen bigint NOT NULL DEFAULT 0 CHECK (committed_fen >= 0),
            PRIMARY KEY (year, household_id, line)
        )
        """,
        """
        CREATE TABLE fund_thresholds_reached (
            year int NOT NULL,
            threshold_bp bigint NOT NULL,
            committed_fen bigint NOT NULL,
            reached_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (year, threshold_bp)
        )
        """,
        """
        CREATE FUNCTION insurance_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """,
        "CREATE TRIGGER ledger_entries_no_change BEFORE UPDATE OR DELETE ON ledger_entries FOR EACH ROW EXECUTE FUNCTION insurance_refuse_change()",
        "CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries FOR EACH STATEMENT EXECUTE FUNCTION insurance_refuse_change()",
    ]

    /// Who certified, revoked, approved, paid, rejected or changed a policy year, and every refused attempt.
    private static let audit = [
        """
        CREATE TABLE audit_log (
            seq bigserial PRIMARY KEY,
            at timestamptz NOT NULL DEFAULT now(),
            actor text NOT NULL,
            role text NOT NULL,
            region text NOT NULL,
            action text NOT NULL,
            subject text,
            household_id text,
            outcome text NOT NULL,
            detail jsonb NOT NULL
        )
        """,
        "CREATE INDEX audit_log_subject ON audit_log (subject)",
        "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION insurance_refuse_change()",
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION insurance_refuse_change()",
    ]
}
