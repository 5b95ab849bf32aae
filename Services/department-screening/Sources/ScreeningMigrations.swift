import LifelinePersistence

/// Department screening's schema: the registry copy (100, extended in 101 with formerly poor, the
/// household group and merges), department records with their outcome, warning rules per year as
/// data, warnings, the facts already warned, monitored households (from review) and the comparison
/// kinds' direction.
enum ScreeningMigrations {
    static let all: [Migration] = [
        Migration(version: 100, name: "registry replica", statements: [
            """
            CREATE TABLE registry_households (
                household_id text PRIMARY KEY,
                village_code text NOT NULL,
                provisional boolean NOT NULL,
                updated_at timestamptz NOT NULL
            )
            """,
            """
            CREATE TABLE registry_members (
                id_number text PRIMARY KEY,
                household_id text NOT NULL REFERENCES registry_households(household_id),
                name text NOT NULL,
                relation text NOT NULL
            )
            """,
            "CREATE INDEX registry_members_household ON registry_members (household_id)",
        ]),
        Migration(version: 101, name: "screening", statements: registry + records + rules + warnings),
        Migration(version: 102, name: "record imports", statements: imports),
        Migration(version: 103, name: "income share of the medical rule", statements: incomeShare),
        // Imports of an instance that went away are failed by the job keeper (no "running" for ever).
        Migration(version: 104, name: "import heartbeat", statements: [
            "ALTER TABLE record_imports ADD COLUMN heartbeat_at timestamptz NOT NULL DEFAULT now()",
        ]),
        // RiskEliminated removed the household from monitored_households, but the registry's next
        // version of it (still carrying the file's 监测对象类别) put it back: review decides, so its
        // elimination is kept and the registry's flag no longer counts after it.
        Migration(version: 105, name: "risk eliminations", statements: [
            "CREATE TABLE risk_eliminations (household_id text PRIMARY KEY, eliminated_on date NOT NULL)",
        ]),
        // A fact arriving after review settled the month's warning joined that warning: the town never
        // saw it and its department was told 推送镇街核实 for a check nobody made. Only a warning review
        // has not settled is joined; after that, the month gets another warning.
        Migration(version: 106, name: "one open warning per household and month", statements: [
            "ALTER TABLE warnings DROP CONSTRAINT warnings_household_id_period_key",
            "CREATE UNIQUE INDEX warnings_open_per_month ON warnings (household_id, period) WHERE outcome IS NULL",
        ]),
        // A household merged into another kept its records and warned facts: the absorbing household's
        // 12-month amounts missed them, and a monitored absorbed household's people were warned again.
        // Records and warned facts now move with the merge (those of earlier merges here, one step);
        // whether a household is monitored is read through the merges (index below).
        Migration(version: 107, name: "history follows merges", statements: [
            "CREATE INDEX registry_households_superseded_by ON registry_households (superseded_by) WHERE superseded_by IS NOT NULL",
            """
            UPDATE department_records r SET household_id = h.superseded_by
            FROM registry_households h WHERE r.household_id = h.household_id AND h.superseded_by IS NOT NULL
            """,
            """
            UPDATE warned_facts w SET household_id = h.superseded_by
            FROM registry_households h WHERE w.household_id = h.household_id AND h.superseded_by IS NOT NULL
            """,
        ]),
    ]

    /// The large-medical-expense rule fires also when the household's costs reach a share of its
    /// reported yearly income (家庭收入核对); the seeded rules' names say "不低于", as they fire at the amount.
    private static let incomeShare = [
        "ALTER TABLE warning_rules ADD COLUMN min_income_share_percent integer CHECK (min_income_share_percent BETWEEN 1 AND 1000)",
        """
        UPDATE warning_rules SET min_income_share_percent = 50, name = '大额医疗支出（近12个月个人自付不低于5万元或家庭年收入的50%）'
        WHERE id = 'large-medical-expense' AND updated_by = 'initial'
        """,
    ]

    private static let imports = [
        """
        CREATE TABLE record_imports (
            id text PRIMARY KEY,
            file_name text NOT NULL,
            format text,
            submitted_by text NOT NULL,
            status text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
            counts jsonb NOT NULL DEFAULT '{}',
            failure text,
            submitted_at timestamptz NOT NULL DEFAULT now(),
            started_at timestamptz,
            finished_at timestamptz
        )
        """,
        """
        CREATE TABLE record_import_problems (
            job_id text NOT NULL REFERENCES record_imports (id),
            line bigint NOT NULL,
            field text NOT NULL,
            message text NOT NULL,
            PRIMARY KEY (job_id, line, field)
        )
        """,
    ]

    private static let registry = [
        """
        ALTER TABLE registry_households ADD COLUMN formerly_poor boolean NOT NULL DEFAULT false,
            ADD COLUMN household_group text, ADD COLUMN superseded_by text
        """,
        "CREATE TABLE monitored_households (household_id text PRIMARY KEY, category text NOT NULL, since date NOT NULL)",
    ]

    private static let records = [
        """
        CREATE TABLE department_records (
            department text NOT NULL,
            record_id text NOT NULL,
            period text NOT NULL,
            id_number text NOT NULL,
            name text NOT NULL,
            kind text NOT NULL,
            fact_date date,
            amount_fen bigint,
            details jsonb NOT NULL DEFAULT '{}',
            source text NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            household_id text,
            status text NOT NULL CHECK (status IN ('rejected', 'unmatched', 'matched', 'warned')),
            reason text,
            warning_id text,
            PRIMARY KEY (department, record_id)
        )
        """,
        "CREATE INDEX department_records_household ON department_records (household_id, kind, fact_date)",
        "CREATE INDEX department_records_warning ON department_records (warning_id)",
        "CREATE INDEX department_records_id_number ON department_records (id_number)",
    ]

    private static let rules = [
        """
        CREATE TABLE warning_rules (
            year integer NOT NULL,
            id text NOT NULL,
            name text NOT NULL,
            kinds text[] NOT NULL,
            min_amount_fen bigint,
            aggregate_months integer,
            detail_key text,
            detail_values text[],
            risks text[] NOT NULL,
            severity text NOT NULL CHECK (severity IN ('high', 'medium', 'low')),
            enabled boolean NOT NULL DEFAULT true,
            updated_by text NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (year, id)
        )
        """,
        // The district's starting rules (docs/department-screening.md); each year is edited over HTTP.
        """
        INSERT INTO warning_rules (year, id, name, kinds, min_amount_fen, aggregate_months, detail_key, detail_values, risks, severity, updated_by)
        SELECT y, r.id, r.name, r.kinds, r.min_amount, r.months, r.detail_key, r.detail_values, r.risks, r.severity, 'initial'
        FROM generate_series(2025, 2026) AS y, (VALUES
            ('new-minimum-living-allowance', '新纳入低保', ARRAY['minimumLivingAllowance'], NULL::bigint, NULL::int, NULL, NULL::text[], ARRAY['other'], 'high'),
            ('extreme-poverty-support', '特困供养', ARRAY['extremePovertySupport'], NULL, NULL, NULL, NULL, ARRAY['other'], 'high'),
            ('temporary-relief', '临时救助', ARRAY['temporaryRelief'], NULL, NULL, NULL, NULL, ARRAY['other'], 'medium'),
            ('dangerous-house', '住危房（C级、D级）', ARRAY['dangerousHouse'], NULL, NULL, 'grade', ARRAY['C', 'D'], ARRAY['housing'], 'high'),
            ('large-medical-expense', '大额医疗支出（近12个月个人自付超过5万元）', ARRAY['medicalExpense'], 5000000, 12, NULL, NULL, ARRAY['illness'], 'high'),
            ('severe-disability', '新认定重度残疾（一级、二级）', ARRAY['disabilityCertified'], NULL, NULL, 'grade', ARRAY['1', '2'], ARRAY['disability'], 'medium'),
            ('water-interruption', '饮水中断', ARRAY['waterInterruption'], NULL, NULL, NULL, NULL, ARRAY['drinkingWater'], 'medium'),
            ('school-aid-or-drop-out', '教育资助或辍学风险', ARRAY['schoolAid', 'dropOutRisk'], NULL, NULL, NULL, NULL, ARRAY['schoolingCosts'], 'medium'),
            ('loss-of-work', '失业登记', ARRAY['unemploymentRegistered'], NULL, NULL, NULL, NULL, ARRAY['lossOfWork'], 'medium')
        ) AS r(id, name, kinds, min_amount, months, detail_key, detail_values, risks, severity)
        """,
        """
        CREATE TABLE comparison_kinds (
            kind text PRIMARY KEY,
            argues_against_monitoring boolean NOT NULL,
            updated_by text NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """,
        """
        INSERT INTO comparison_kinds (kind, argues_against_monitoring, updated_by) VALUES
            ('vehicle', true, 'initial'), ('businessRegistration', true, 'initial'), ('realEstate', true, 'initial'),
            ('publicPayroll', true, 'initial'), ('minimumLivingAllowance', false, 'initial'), ('extremePovertySupport', false, 'initial'),
            ('medicalExpense', false, 'initial'), ('disabilityCertified', false, 'initial')
        """,
    ]

    private static let warnings = [
        "CREATE SEQUENCE warning_number_seq",
        """
        CREATE TABLE warnings (
            id text PRIMARY KEY,
            household_id text NOT NULL,
            village_code text NOT NULL,
            period text NOT NULL,
            rules text[] NOT NULL,
            evidence text[] NOT NULL,
            severity text NOT NULL,
            risks text[] NOT NULL,
            discovered_on date NOT NULL,
            raised_at timestamptz NOT NULL,
            outcome text,
            UNIQUE (household_id, period)
        )
        """,
        "CREATE INDEX warnings_village ON warnings (village_code, raised_at)",
        """
        CREATE TABLE warned_facts (
            fact_key text PRIMARY KEY,
            household_id text NOT NULL,
            rule_id text NOT NULL,
            warning_id text NOT NULL,
            warned_at timestamptz NOT NULL
        )
        """,
        "CREATE INDEX warned_facts_household_rule ON warned_facts (household_id, rule_id, warned_at)",
    ]
}
