/// Tables every service has: the transactional outbox and the inbox of processed event ids.
public enum SharedMigrations {
    /// Versions 1-99 are reserved for these.
    public static let all: [Migration] = [
        Migration(version: 1, name: "outbox", statements: [
            """
            CREATE TABLE outbox (
                id bigserial PRIMARY KEY,
                event_id text NOT NULL UNIQUE,
                topic text NOT NULL,
                partition_key text,
                headers jsonb NOT NULL,
                payload bytea NOT NULL,
                created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                sent_at timestamptz,
                attempts integer NOT NULL DEFAULT 0,
                last_error text
            )
            """,
            "CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL",
            "CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL",
        ]),
        Migration(version: 2, name: "inbox", statements: [
            """
            CREATE TABLE inbox (
                consumer text NOT NULL,
                event_id text NOT NULL,
                event_type text NOT NULL,
                received_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (consumer, event_id)
            )
            """
        ]),
    ]
}
