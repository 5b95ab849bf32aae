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
