//! State store (SQLite for the embedded default) with versioned migrations.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{FromRow, SqlitePool};
use std::str::FromStr;

/// Versioned migrations, applied in order at start; each runs once.
const MIGRATIONS: &[(i64, &str)] = &[
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
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE TABLE videos (
        id TEXT PRIMARY KEY,
        upload_id TEXT NOT NULL UNIQUE REFERENCES uploads(id),
        conversation_id TEXT NOT NULL,
        customer_id TEXT,
        mime_type TEXT NOT NULL,
        object_key TEXT NOT NULL,
        size INTEGER NOT NULL,
        duration_ms INTEGER,
        created_at INTEGER NOT NULL
    );",
    ),
    (
        2,
        "CREATE TABLE webhook_outbox (
        id TEXT PRIMARY KEY,
        event_type TEXT NOT NULL,
        payload TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        delivered_at INTEGER,
        failed_at INTEGER,
        last_error TEXT,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at)
        WHERE delivered_at IS NULL AND failed_at IS NULL;",
    ),
];

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct UploadRow {
    pub id: String,
    pub video_id: String,
    pub conversation_id: String,
    pub customer_id: Option<String>,
    pub mime_type: String,
    pub object_key: String,
    pub storage_upload_id: String,
    pub status: String,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct VideoRow {
    pub id: String,
    pub upload_id: String,
    pub conversation_id: String,
    pub customer_id: Option<String>,
    pub mime_type: String,
    pub object_key: String,
    pub size: i64,
    pub duration_ms: Option<i64>,
    pub created_at: i64,
}

/// A webhook event waiting in the outbox.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct OutboxRow {
    /// The `webhook-id`, stable across attempts.
    pub id: String,
    pub event_type: String,
    pub payload: String,
    pub attempts: i64,
    /// Unix milliseconds.
    pub next_attempt_at: i64,
}

/// How an outbox delivery attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventFate<'a> {
    Delivered,
    Retry { next_ms: i64, error: &'a str },
    Failed { error: &'a str },
}

/// Where an outbox event stands.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct OutboxState {
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub delivered_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub last_error: Option<String>,
}

async fn insert_event(tx: &mut sqlx::SqliteConnection, e: &OutboxRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webhook_outbox (id, event_type, payload, attempts, next_attempt_at, created_at)
         VALUES (?,?,?,?,?,?)",
    )
    .bind(&e.id)
    .bind(&e.event_type)
    .bind(&e.payload)
    .bind(e.attempts)
    .bind(e.next_attempt_at)
    .bind(e.next_attempt_at)
    .execute(tx)
    .await
    .map(|_| ())
}

/// Upload states: `open` → `completing` → `completed`, or `aborted`.
pub mod status {
    pub const OPEN: &str = "open";
    pub const COMPLETING: &str = "completing";
    pub const COMPLETED: &str = "completed";
    pub const ABORTED: &str = "aborted";
}

#[derive(Debug, Clone)]
pub struct Db {
    pool: SqlitePool,
}

impl Db {
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await?;
        let db = Self { pool };
        db.migrate().await?;
        Ok(db)
    }

    async fn migrate(&self) -> Result<(), sqlx::Error> {
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)")
            .execute(&self.pool)
            .await?;
        for (version, sql) in MIGRATIONS {
            let mut tx = self.pool.begin().await?;
            let done: Option<(i64,)> =
                sqlx::query_as("SELECT version FROM schema_migrations WHERE version = ?")
                    .bind(version)
                    .fetch_optional(&mut *tx)
                    .await?;
            if done.is_none() {
                sqlx::raw_sql(sql).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO schema_migrations (version) VALUES (?)")
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
        Ok(())
    }

    pub async fn insert_upload(&self, u: &UploadRow) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO uploads (id, video_id, conversation_id, customer_id, mime_type, object_key,
             storage_upload_id, status, created_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        )
        .bind(&u.id)
        .bind(&u.video_id)
        .bind(&u.conversation_id)
        .bind(&u.customer_id)
        .bind(&u.mime_type)
        .bind(&u.object_key)
        .bind(&u.storage_upload_id)
        .bind(&u.status)
        .bind(u.created_at)
        .bind(u.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn upload(&self, id: &str) -> Result<Option<UploadRow>, sqlx::Error> {
        sqlx::query_as("SELECT * FROM uploads WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
    }

    /// Move an upload from one state to another; false if it was not in `from`.
    pub async fn transition(&self, id: &str, from: &str, to: &str) -> Result<bool, sqlx::Error> {
        let r = sqlx::query("UPDATE uploads SET status = ? WHERE id = ? AND status = ?")
            .bind(to)
            .bind(id)
            .bind(from)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Record the finished video, close the upload and queue its event, in one transaction.
    pub async fn insert_video(
        &self,
        v: &VideoRow,
        event: Option<&OutboxRow>,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        if let Some(e) = event {
            insert_event(&mut tx, e).await?;
        }
        sqlx::query(
            "INSERT INTO videos (id, upload_id, conversation_id, customer_id, mime_type, object_key,
             size, duration_ms, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
        )
        .bind(&v.id)
        .bind(&v.upload_id)
        .bind(&v.conversation_id)
        .bind(&v.customer_id)
        .bind(&v.mime_type)
        .bind(&v.object_key)
        .bind(v.size)
        .bind(v.duration_ms)
        .bind(v.created_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE uploads SET status = ? WHERE id = ?")
            .bind(status::COMPLETED)
            .bind(&v.upload_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    pub async fn video(&self, id: &str) -> Result<Option<VideoRow>, sqlx::Error> {
        sqlx::query_as("SELECT * FROM videos WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
    }

    pub async fn video_for_upload(&self, upload_id: &str) -> Result<Option<VideoRow>, sqlx::Error> {
        sqlx::query_as("SELECT * FROM videos WHERE upload_id = ?")
            .bind(upload_id)
            .fetch_optional(&self.pool)
            .await
    }

    /// Queue an event on its own (events that go with a state change use that change's transaction).
    pub async fn enqueue(&self, e: &OutboxRow) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        insert_event(&mut tx, e).await?;
        tx.commit().await
    }

    /// One event's delivery state, for operators and tests.
    pub async fn outbox_event(&self, id: &str) -> Result<Option<OutboxState>, sqlx::Error> {
        sqlx::query_as(
            "SELECT attempts, next_attempt_at, delivered_at, failed_at, last_error FROM webhook_outbox WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
    }

    /// Events due for an attempt at `now_ms`, oldest first.
    pub async fn due_events(&self, now_ms: i64, limit: i64) -> Result<Vec<OutboxRow>, sqlx::Error> {
        sqlx::query_as(
            "SELECT id, event_type, payload, attempts, next_attempt_at FROM webhook_outbox
             WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?
             ORDER BY next_attempt_at, created_at LIMIT ?",
        )
        .bind(now_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }

    /// Record the outcome of an attempt, in one statement.
    pub async fn settle_event(
        &self,
        id: &str,
        attempts: i64,
        now_ms: i64,
        fate: EventFate<'_>,
    ) -> Result<(), sqlx::Error> {
        let (next, delivered, failed, err) = match fate {
            EventFate::Delivered => (None, Some(now_ms), None, None),
            EventFate::Retry { next_ms, error } => (Some(next_ms), None, None, Some(error)),
            EventFate::Failed { error } => (None, None, Some(now_ms), Some(error)),
        };
        sqlx::query(
            "UPDATE webhook_outbox SET attempts = ?, next_attempt_at = COALESCE(?, next_attempt_at),
             delivered_at = ?, failed_at = ?, last_error = ? WHERE id = ?",
        )
        .bind(attempts)
        .bind(next)
        .bind(delivered)
        .bind(failed)
        .bind(err)
        .bind(id)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    /// Readiness: the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }
}
