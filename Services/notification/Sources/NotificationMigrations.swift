import LifelinePersistence

/// Notification's schema.
enum NotificationMigrations {
    static let all: [Migration] = [
        Migration(version: 100, name: "messages", statements: [
            """
            CREATE TABLE messages (
                id text PRIMARY KEY,
                case_id text NOT NULL,
                household_id text,
                village_code text NOT NULL,
                recipient_kind text NOT NULL,
                recipient_address text NOT NULL,
                channel text NOT NULL,
                body text NOT NULL,
                status text NOT NULL DEFAULT 'recorded',
                created_at timestamptz NOT NULL DEFAULT now(),
                UNIQUE (case_id, recipient_kind)
            )
            """,
            "CREATE INDEX messages_village ON messages (village_code, created_at)",
        ]),
        // Issue 13: one message per source event, recipient and channel; delivery with retries; the
        // recipients' directory; templates as data; per-reader read marks.
        Migration(version: 101, name: "delivery, templates, directory, inbox", statements: [
            "ALTER TABLE messages DROP CONSTRAINT messages_case_id_recipient_kind_key",
            "ALTER TABLE messages ALTER COLUMN case_id DROP NOT NULL",
            "ALTER TABLE messages ALTER COLUMN village_code DROP NOT NULL",
            """
            ALTER TABLE messages
                ADD COLUMN event_id text, ADD COLUMN event_type text, ADD COLUMN recipient text, ADD COLUMN title text,
                ADD COLUMN template_key text, ADD COLUMN template_version int,
                ADD COLUMN attempts int NOT NULL DEFAULT 0, ADD COLUMN next_attempt_at timestamptz, ADD COLUMN lease_until timestamptz,
                ADD COLUMN last_error_code text, ADD COLUMN last_error text, ADD COLUMN gateway_reference text,
                ADD COLUMN sent_at timestamptz, ADD COLUMN delivered_at timestamptz, ADD COLUMN failed_at timestamptz
            """,
            // Messages of the first version were recorded and never sent: inbox rows count as delivered,
            // SMS rows as failed (sending them now would tell households of old steps).
            """
            UPDATE messages SET event_id = 'v1:' || id, event_type = 'lifeline.review.CaseOpened.v1',
                recipient = CASE WHEN channel = 'inbox' THEN 'office:' || village_code ELSE 'household:' || coalesce(household_id, case_id) END,
                recipient_address = CASE WHEN channel = 'inbox' THEN 'office:' || village_code ELSE recipient_address END,
                recipient_kind = CASE recipient_kind WHEN 'applicant' THEN 'household' ELSE recipient_kind END,
                status = CASE WHEN channel = 'inbox' THEN 'delivered' ELSE 'failed' END,
                delivered_at = CASE WHEN channel = 'inbox' THEN created_at END,
                failed_at = CASE WHEN channel = 'inbox' THEN NULL ELSE created_at END,
                last_error_code = CASE WHEN channel = 'inbox' THEN NULL ELSE 'not_sent_before_upgrade' END,
                template_key = 'CaseOpened.' || CASE recipient_kind WHEN 'applicant' THEN 'household' ELSE recipient_kind END, template_version = 1
            """,
            "ALTER TABLE messages ALTER COLUMN event_id SET NOT NULL, ALTER COLUMN event_type SET NOT NULL, ALTER COLUMN recipient SET NOT NULL",
            "ALTER TABLE messages ALTER COLUMN status SET DEFAULT 'queued'",
            "ALTER TABLE messages ADD CONSTRAINT messages_status CHECK (status IN ('queued', 'sent', 'delivered', 'failed'))",
            "ALTER TABLE messages ADD CONSTRAINT messages_once UNIQUE (event_id, recipient, channel)",
            "CREATE INDEX messages_due ON messages (next_attempt_at) WHERE status = 'queued'",
            "CREATE INDEX messages_inbox ON messages (recipient_address, created_at DESC) WHERE channel = 'inbox'",
            "CREATE INDEX messages_case ON messages (case_id) WHERE case_id IS NOT NULL",
            "CREATE INDEX messages_household ON messages (household_id, created_at) WHERE household_id IS NOT NULL",
            """
            CREATE TABLE templates (
                key text NOT NULL,
                version int NOT NULL,
                title text NOT NULL,
                body text NOT NULL,
                created_by text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (key, version)
            )
            """,
            """
            CREATE TABLE household_contacts (
                household_id text PRIMARY KEY,
                village_code text,
                household_group_id text,
                applicant_phone text,
                register_phone text,
                wechat_openid text,
                superseded_by text,
                updated_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            """
            CREATE TABLE grid_units (
                code text PRIMARY KEY,
                level text NOT NULL,
                name text NOT NULL,
                parent_code text,
                members jsonb NOT NULL DEFAULT '[]',
                updated_at timestamptz NOT NULL
            )
            """,
            """
            CREATE TABLE office_emails (
                office_code text PRIMARY KEY,
                email text NOT NULL,
                updated_by text NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            """
            CREATE TABLE inbox_reads (
                message_id text NOT NULL REFERENCES messages (id),
                reader text NOT NULL,
                read_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (message_id, reader)
            )
            """,
        ]),
    ]
}
