import LifelinePersistence

/// Accounts' schema: the officials' accounts (password hashes only), their sign-in sessions (hashes of
/// the session tokens only), an append-only audit log, and a copy of intake's grid for bulk creation.
enum AccountsMigrations {
    static let all: [Migration] = [
        Migration(version: 100, name: "accounts, sessions, audit and grid", statements: [
            "CREATE SEQUENCE account_numbers",
            """
            CREATE TABLE accounts (
                id text PRIMARY KEY,
                name text NOT NULL,
                mobile text NOT NULL UNIQUE,
                role text NOT NULL,
                region text NOT NULL,
                grid_member_id text UNIQUE,
                department text,
                administrator boolean NOT NULL DEFAULT false,
                password_hash text NOT NULL,
                must_change_password boolean NOT NULL DEFAULT true,
                failed_attempts int NOT NULL DEFAULT 0,
                locked_until timestamptz,
                disabled_at timestamptz,
                last_sign_in_at timestamptz,
                created_by text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX accounts_by_region ON accounts (region text_pattern_ops)",
            """
            CREATE TABLE sessions (
                token_hash text PRIMARY KEY,
                account_id text NOT NULL REFERENCES accounts (id),
                password_change_only boolean NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                expires_at timestamptz NOT NULL,
                revoked_at timestamptz
            )
            """,
            "CREATE INDEX sessions_live_by_account ON sessions (account_id) WHERE revoked_at IS NULL",
            """
            CREATE TABLE audit_log (
                id bigserial PRIMARY KEY,
                at timestamptz NOT NULL DEFAULT now(),
                actor text NOT NULL,
                action text NOT NULL,
                account_id text,
                outcome text NOT NULL,
                detail jsonb NOT NULL DEFAULT '{}',
                client text
            )
            """,
            "CREATE INDEX audit_by_account ON audit_log (account_id, at)",
            """
            CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$
            """,
            """
            CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only()
            """,
            """
            CREATE TABLE grid_units (
                code text PRIMARY KEY,
                level text NOT NULL,
                name text NOT NULL,
                updated_at timestamptz NOT NULL
            )
            """,
            """
            CREATE TABLE grid_members (
                member_id text PRIMARY KEY,
                unit_code text NOT NULL REFERENCES grid_units (code),
                name text NOT NULL,
                duty text NOT NULL,
                phone text NOT NULL
            )
            """,
            "CREATE INDEX grid_members_by_unit ON grid_members (unit_code text_pattern_ops)",
        ]),
        // Ended sessions are swept (SessionSweeper); this finds them without reading every row.
        Migration(version: 101, name: "sessions by end", statements: [
            "CREATE INDEX sessions_by_end ON sessions (least(expires_at, coalesce(revoked_at, expires_at)))",
        ]),
    ]
}
