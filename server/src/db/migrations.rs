//! Versioned schema migrations, applied in order at start; each runs once.
//!
//! One text serves SQLite and PostgreSQL: integers are `BIGINT` (SQLite stores any
//! integer as 64-bit; PostgreSQL's `INTEGER` would overflow on millisecond times).
//! The one difference, an auto-numbered key, is written `{serial}` and filled in
//! per backend by [`for_backend`].

pub const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        "CREATE TABLE uploads (
        id TEXT PRIMARY KEY,
        video_id TEXT NOT NULL UNIQUE,
        conversation_id TEXT NOT NULL,
        customer_id TEXT,
        mime_type TEXT NOT NULL,
        object_key TEXT NOT NULL,
        storage_upload_id TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
    );
    CREATE TABLE videos (
        id TEXT PRIMARY KEY,
        upload_id TEXT NOT NULL UNIQUE REFERENCES uploads(id),
        conversation_id TEXT NOT NULL,
        customer_id TEXT,
        mime_type TEXT NOT NULL,
        object_key TEXT NOT NULL,
        size BIGINT NOT NULL,
        duration_ms BIGINT,
        created_at BIGINT NOT NULL
    );",
    ),
    (
        2,
        "CREATE TABLE webhook_outbox (
        id TEXT PRIMARY KEY,
        event_type TEXT NOT NULL,
        payload TEXT NOT NULL,
        attempts BIGINT NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        delivered_at BIGINT,
        failed_at BIGINT,
        last_error TEXT,
        created_at BIGINT NOT NULL
    );
    CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at)
        WHERE delivered_at IS NULL AND failed_at IS NULL;",
    ),
    (
        // Several endpoints: an event is delivered once per endpoint. Events queued
        // before this version go to the endpoint named `default` (VIDREPLY_WEBHOOK_URL).
        3,
        "CREATE TABLE webhook_deliveries (
        event_id TEXT NOT NULL REFERENCES webhook_outbox(id),
        endpoint_id TEXT NOT NULL,
        attempts BIGINT NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        delivered_at BIGINT,
        failed_at BIGINT,
        last_error TEXT,
        PRIMARY KEY (event_id, endpoint_id)
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
        WHERE delivered_at IS NULL AND failed_at IS NULL;
    INSERT INTO webhook_deliveries
        (event_id, endpoint_id, attempts, next_attempt_at, delivered_at, failed_at, last_error)
        SELECT id, 'default', attempts, next_attempt_at, delivered_at, failed_at, last_error
        FROM webhook_outbox;
    CREATE TABLE webhook_endpoints (
        id TEXT PRIMARY KEY,
        disabled_at BIGINT,
        disabled_reason TEXT
    );",
    ),
    (
        // Processing, retention and revocation.
        4,
        "ALTER TABLE videos ADD COLUMN status TEXT NOT NULL DEFAULT 'ready';
    ALTER TABLE videos ADD COLUMN failure_code TEXT;
    ALTER TABLE videos ADD COLUMN failure_reason TEXT;
    ALTER TABLE videos ADD COLUMN poster_key TEXT;
    ALTER TABLE videos ADD COLUMN mp4_key TEXT;
    ALTER TABLE videos ADD COLUMN hls_key TEXT;
    ALTER TABLE videos ADD COLUMN retention_expires_at BIGINT;
    CREATE INDEX videos_retention ON videos (retention_expires_at);
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        video_id TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts BIGINT NOT NULL DEFAULT 0,
        run_at BIGINT NOT NULL,
        last_error TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
    );
    CREATE INDEX jobs_due ON jobs (status, run_at);
    CREATE TABLE revoked_tokens (
        jti TEXT PRIMARY KEY,
        revoked_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
    );",
    ),
    (
        // A poster the browser made and sent with the recording.
        5,
        "ALTER TABLE uploads ADD COLUMN poster_key TEXT;",
    ),
    (
        // Watch-page telemetry: events deduped by id, numbered in receive order
        // (`seq`, the export cursor); one row per video and viewer session that
        // started playback, so `video.viewed` goes out once.
        6,
        "CREATE TABLE telemetry_events (
        seq {serial},
        event_id TEXT NOT NULL UNIQUE,
        video_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        timestamp_ms BIGINT NOT NULL,
        duration_watched DOUBLE PRECISION NOT NULL,
        completion_status TEXT NOT NULL,
        quartile BIGINT,
        received_at BIGINT NOT NULL
    );
    CREATE INDEX telemetry_events_video ON telemetry_events (video_id, session_id);
    CREATE INDEX telemetry_events_received ON telemetry_events (received_at);
    CREATE TABLE telemetry_views (
        video_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        viewed_at BIGINT NOT NULL,
        PRIMARY KEY (video_id, session_id)
    );",
    ),
    (
        // Share links can be withdrawn: the video stays, its links answer 410.
        7,
        "ALTER TABLE videos ADD COLUMN revoked_at BIGINT;",
    ),
    (
        // Tutorial delivery: tutorial assets are videos of the usual pipeline, marked
        // here (and kept out of retention); a tutorial session is one offer of an
        // asset to a caller, and records how far it got.
        8,
        "CREATE TABLE tutorial_assets (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        created_at BIGINT NOT NULL
    );
    CREATE INDEX tutorial_assets_created ON tutorial_assets (created_at);
    CREATE TABLE tutorial_sessions (
        id TEXT PRIMARY KEY,
        conversation_id TEXT NOT NULL,
        asset_id TEXT NOT NULL,
        source_channel TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        opened_at BIGINT,
        started_at BIGINT,
        completed_at BIGINT,
        channel_hint TEXT
    );",
    ),
    (
        // Trust boundaries: sends counted for their quotas; the viewer sessions the
        // server really served media to (only their starts are views); telemetry
        // marked verified or not; and an outbox lane per kind of event, so events
        // made by telemetry never wait in front of a conversation's own.
        9,
        "CREATE TABLE video_sends (
        video_id TEXT NOT NULL,
        sender TEXT NOT NULL,
        sent_at BIGINT NOT NULL
    );
    CREATE INDEX video_sends_video ON video_sends (video_id, sent_at);
    CREATE INDEX video_sends_sender ON video_sends (sender, sent_at);
    CREATE TABLE media_sessions (
        video_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        first_served_at BIGINT NOT NULL,
        PRIMARY KEY (video_id, session_id)
    );
    ALTER TABLE telemetry_events ADD COLUMN verified BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE webhook_outbox ADD COLUMN lane BIGINT NOT NULL DEFAULT 0;",
    ),
    (
        // Uploads belong to the capture token that started them (its `jti`), which
        // alone may act on them, and count against its quotas: `declared_bytes` is the
        // `totalBytes` given at create, the most the upload may hold.
        10,
        "ALTER TABLE uploads ADD COLUMN token_id TEXT;
    ALTER TABLE uploads ADD COLUMN declared_bytes BIGINT;
    CREATE INDEX uploads_token ON uploads (token_id, status);",
    ),
    (
        // When processing's checks (codecs, picture, frame rate, duration) passed:
        // only then may the original be served before the MP4 exists.
        11,
        "ALTER TABLE videos ADD COLUMN vetted_at BIGINT;",
    ),
];

/// A migration's text for `backend` (`sqlite` or `postgres`).
pub fn for_backend(sql: &str, backend: &str) -> String {
    let serial = if backend == "postgres" {
        "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
    } else {
        // The rowid alias; AUTOINCREMENT never reuses the number of a deleted row.
        "INTEGER PRIMARY KEY AUTOINCREMENT"
    };
    sql.replace("{serial}", serial)
}
