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
        // CloudEvents identity is `source` + `id`: outside systems writing to one topic may reuse ids.
        // Outbox rows the broker refuses for good are parked; they hold back their own key only.
        Migration(version: 3, name: "inbox by source, parked outbox rows", statements: [
            "ALTER TABLE inbox ADD COLUMN source text NOT NULL DEFAULT ''",
            "ALTER TABLE inbox DROP CONSTRAINT inbox_pkey",
            "ALTER TABLE inbox ADD PRIMARY KEY (consumer, source, event_id)",
            "ALTER TABLE outbox ADD COLUMN parked_at timestamptz",
            "DROP INDEX outbox_unsent",
            "CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL AND parked_at IS NULL",
            "CREATE INDEX outbox_parked ON outbox (partition_key, id) WHERE sent_at IS NULL AND parked_at IS NOT NULL",
        ]),
        // One relay per schema holds a lease it renews; a leader that stops renewing (frozen, cut off)
        // loses it when it expires, unlike a session lock, which a frozen process keeps.
        Migration(version: 4, name: "outbox relay lease", statements: [
            """
            CREATE TABLE outbox_relay_lease (
                id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
                holder text,
                expires_at timestamptz NOT NULL DEFAULT '-infinity'
            )
            """,
            "INSERT INTO outbox_relay_lease (id) VALUES (1)",
        ]),
        // Token buckets every instance of the service shares (SharedRateLimiter), so that N instances
        // behind a balancer do not give a client N times its limit.
        Migration(version: 5, name: "shared rate limits", statements: [
            """
            CREATE TABLE rate_limit_buckets (
                scope text NOT NULL,
                key text NOT NULL,
                tokens double precision NOT NULL,
                updated_at timestamptz NOT NULL,
                PRIMARY KEY (scope, key)
            )
            """,
        ]),
    ]
}
