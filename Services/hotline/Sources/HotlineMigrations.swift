import LifelinePersistence

/// Hotline's schema: work orders (100), and their reading (101): the rules and cues as data, and
/// each order's category, risks, matched phrases, third-party mark and confidence.
enum HotlineMigrations {
    static let all: [Migration] = [
        Migration(version: 100, name: "work orders", statements: [
            """
            CREATE TABLE work_orders (
                order_number text PRIMARY KEY,
                channel text NOT NULL,
                village_code text NOT NULL,
                household_id text,
                summary text NOT NULL,
                received_at timestamptz NOT NULL,
                lead_id text NOT NULL UNIQUE,
                recorded_at timestamptz NOT NULL DEFAULT now()
            )
            """
        ]),
        Migration(version: 101, name: "work order reading", statements: reading),
        Migration(version: 102, name: "finding the household", statements: resolution),
        // The final answer given to the source once review settled the order's lead.
        Migration(version: 103, name: "answers", statements: [
            "ALTER TABLE work_orders ADD COLUMN final_outcome text, ADD COLUMN answered_at timestamptz",
            // Repeats of an order share its lead (合并办理).
            "ALTER TABLE work_orders DROP CONSTRAINT work_orders_lead_id_key",
            "CREATE INDEX work_orders_lead ON work_orders (lead_id) WHERE lead_id IS NOT NULL",
        ]),
        Migration(version: 104, name: "deadlines and follow-ups", statements: deadlines),
        // Merging a repeat looks for the household's open lead (WorkOrderIntake.openLead): without this
        // index every risk order scanned every order before it (make bench: ~100 orders/s at 20,000).
        Migration(version: 105, name: "open leads by household", statements: [
            "CREATE INDEX work_orders_household_lead ON work_orders (household_id, received_at) WHERE lead_id IS NOT NULL"
        ]),
        // A repeat about a household also joins the open lead of a household merged into it: the look-up
        // goes from the absorbing household to the absorbed ones.
        Migration(version: 106, name: "merged households by successor", statements: [
            "CREATE INDEX registry_households_superseded_by ON registry_households (superseded_by) WHERE superseded_by IS NOT NULL"
        ]),
    ]

    /// Each order's due time (the source's, or the channel's default), flags for due soon and overdue,
    /// and the source's follow-ups (督办, 回访, 重新办理).
    private static let deadlines: [String] = [
        """
        ALTER TABLE work_orders ADD COLUMN due_soon_flagged_at timestamptz, ADD COLUMN overdue_flagged_at timestamptz,
            ADD COLUMN urged_count integer NOT NULL DEFAULT 0, ADD COLUMN reopened_count integer NOT NULL DEFAULT 0, ADD COLUMN satisfied boolean
        """,
        "UPDATE work_orders SET due_at = received_at + interval '5 days' WHERE due_at IS NULL",
        "ALTER TABLE work_orders ALTER COLUMN due_at SET NOT NULL",
        "UPDATE work_orders SET final_outcome = 'notInScope', answered_at = recorded_at WHERE category = 'irrelevant' AND final_outcome IS NULL",
        "CREATE INDEX work_orders_open_due ON work_orders (due_at) WHERE final_outcome IS NULL",
        """
        CREATE TABLE work_order_follow_ups (
            channel text NOT NULL,
            order_number text NOT NULL,
            kind text NOT NULL,
            note text,
            satisfied boolean,
            due_at timestamptz,
            at timestamptz NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (channel, order_number, kind, at),
            FOREIGN KEY (channel, order_number) REFERENCES work_orders (channel, order_number)
        )
        """,
    ]

    /// Order numbers are unique per channel; the caller, the spoken address, the source's category and
    /// due time are kept; the registry and grid copies let hotline find the household.
    private static let resolution: [String] = [
        "ALTER TABLE work_orders DROP CONSTRAINT work_orders_pkey, ADD PRIMARY KEY (channel, order_number)",
        """
        ALTER TABLE work_orders ALTER COLUMN village_code DROP NOT NULL,
            ADD COLUMN caller_name text, ADD COLUMN caller_phone text, ADD COLUMN caller_id_number text, ADD COLUMN address text,
            ADD COLUMN source_category text, ADD COLUMN due_at timestamptz,
            ADD COLUMN resolved_by text NOT NULL DEFAULT 'source' CHECK (resolved_by IN ('source', 'idNumber', 'phone', 'name', 'none')),
            ADD COLUMN village_by text
        """,
        "CREATE INDEX work_orders_village ON work_orders (village_code, received_at)",
        """
        CREATE TABLE registry_households (
            household_id text PRIMARY KEY,
            village_code text NOT NULL,
            superseded_by text,
            updated_at timestamptz NOT NULL
        )
        """,
        """
        CREATE TABLE registry_members (
            id_number text PRIMARY KEY,
            household_id text NOT NULL,
            name text NOT NULL,
            phone text
        )
        """,
        "CREATE INDEX registry_members_household ON registry_members (household_id)",
        "CREATE INDEX registry_members_phone ON registry_members (phone) WHERE phone IS NOT NULL",
        "CREATE INDEX registry_members_name ON registry_members (name)",
        """
        CREATE TABLE grid_units (
            code text PRIMARY KEY,
            level text NOT NULL,
            name text NOT NULL,
            parent_code text,
            updated_at timestamptz NOT NULL
        )
        """,
    ]

    private static let reading: [String] = [
        """
        CREATE TABLE text_rules (
            id text PRIMARY KEY,
            name text NOT NULL,
            category text NOT NULL CHECK (category IN ('risk', 'complaint', 'dispute')),
            risk text,
            phrases text[] NOT NULL,
            unless_phrases text[] NOT NULL DEFAULT '{}',
            weight double precision NOT NULL CHECK (weight > 0 AND weight <= 1),
            enabled boolean NOT NULL DEFAULT true,
            updated_by text NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            CHECK ((category = 'risk') = (risk IS NOT NULL))
        )
        """,
        """
        CREATE TABLE text_cues (
            kind text NOT NULL CHECK (kind IN ('negation', 'thirdParty')),
            phrase text NOT NULL,
            max_gap integer NOT NULL DEFAULT 0 CHECK (max_gap BETWEEN 0 AND 10),
            PRIMARY KEY (kind, phrase)
        )
        """,
        "INSERT INTO text_rules (id, name, category, risk, phrases, unless_phrases, weight, updated_by) VALUES "
            + InitialTextRules.rules.map { rule in
                "(\(literal(rule.id)), \(literal(rule.name)), \(literal(rule.category.rawValue)), \(rule.risk.map(literal) ?? "NULL"), "
                    + "\(array(rule.phrases)), \(array(rule.unless)), \(rule.weight), 'initial')"
            }.joined(separator: ", "),
        "INSERT INTO text_cues (kind, phrase, max_gap) VALUES "
            + InitialTextRules.cues.map { "(\(literal($0.kind.rawValue)), \(literal($0.phrase)), \($0.maxGap))" }.joined(separator: ", "),
        """
        ALTER TABLE work_orders ALTER COLUMN lead_id DROP NOT NULL,
            ADD COLUMN category text NOT NULL DEFAULT 'risk' CHECK (category IN ('risk', 'complaint', 'dispute', 'irrelevant')),
            ADD COLUMN risks text[] NOT NULL DEFAULT '{}',
            ADD COLUMN matches jsonb NOT NULL DEFAULT '[]',
            ADD COLUMN third_party boolean NOT NULL DEFAULT false,
            ADD COLUMN confidence double precision NOT NULL DEFAULT 1
        """,
    ]

    private static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
    private static func array(_ items: [String]) -> String { "ARRAY[" + items.map(literal).joined(separator: ", ") + "]::text[]" }
}
