//! The SQL store over sqlx's `Any` driver: SQLite or PostgreSQL, one set of queries.

use async_trait::async_trait;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::sync::Once;
use vidreply_core::vocab::{UploadStatus, VideoStatus};

use super::migrations::{MIGRATIONS, for_backend};
use super::rows::{insert_upload_row, insert_video_row};
use super::{
    NewEvent, Processed, R, Store, TokenStore, UploadRow, UploadStore, VideoRow, VideoStore,
};

#[derive(Clone)]
pub struct SqlStore {
    pub(super) pool: AnyPool,
    backend: &'static str,
}

impl std::fmt::Debug for SqlStore {
    // The URL may hold a password: name the backend only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

static DRIVERS: Once = Once::new();

impl SqlStore {
    pub async fn connect(url: &str) -> R<Self> {
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let (backend, url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            // Create the file on first start unless the URL says otherwise.
            let sep = if rest.contains('?') { '&' } else { '?' };
            let url = if rest.contains("mode=") {
                url.to_string()
            } else {
                format!("{url}{sep}mode=rwc")
            };
            ("sqlite", url)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            ("postgres", url.to_string())
        } else {
            return Err(sqlx::Error::Configuration(
                "VIDREPLY_DATABASE_URL must start with sqlite: or postgres:".into(),
            ));
        };
        let opts = AnyConnectOptions::from_str(&url)?;
        let sqlite = backend == "sqlite";
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 8 } else { 16 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(opts)
            .await?;
        let store = Self { pool, backend };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> R<()> {
        self.pool
            .execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)")
            .await?;
        for (version, sql) in MIGRATIONS {
            let mut tx = self.pool.begin().await?;
            if self.backend == "postgres" {
                // Two servers starting at once must not both migrate.
                tx.execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
                    .await?;
            }
            let done: Option<(i64,)> =
                sqlx::query_as("SELECT version FROM schema_migrations WHERE version = $1")
                    .bind(version)
                    .fetch_optional(&mut *tx)
                    .await?;
            if done.is_none() {
                tx.execute(for_backend(sql, self.backend).as_str()).await?;
                sqlx::query("INSERT INTO schema_migrations (version) VALUES ($1)")
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
        Ok(())
    }

    /// Schema versions applied, ascending.
    pub async fn schema_versions(&self) -> R<Vec<i64>> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT version FROM schema_migrations ORDER BY version")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> &'static str {
        self.backend
    }

    async fn ping(&self) -> R<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }
}

#[async_trait]
impl UploadStore for SqlStore {
    async fn insert_upload(&self, u: &UploadRow) -> R<()> {
        insert_upload_row(&mut *self.pool.acquire().await?, u).await
    }

    async fn upload(&self, id: &str) -> R<Option<UploadRow>> {
        sqlx::query_as("SELECT * FROM uploads WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
    }

    async fn transition(&self, id: &str, from: UploadStatus, to: UploadStatus) -> R<bool> {
        let r = sqlx::query("UPDATE uploads SET status = $1 WHERE id = $2 AND status = $3")
            .bind(to.as_str())
            .bind(id)
            .bind(from.as_str())
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    async fn stale_uploads(&self, before_s: i64, limit: i64) -> R<Vec<UploadRow>> {
        sqlx::query_as(
            "SELECT * FROM uploads WHERE status IN ($1, $2) AND created_at < $3
             ORDER BY created_at LIMIT $4",
        )
        .bind(UploadStatus::Open.as_str())
        .bind(UploadStatus::Completing.as_str())
        .bind(before_s)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }

    async fn set_poster(&self, upload_id: &str, key: &str) -> R<bool> {
        let r = sqlx::query("UPDATE uploads SET poster_key = $1 WHERE id = $2 AND status = $3")
            .bind(key)
            .bind(upload_id)
            .bind(UploadStatus::Open.as_str())
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    async fn insert_upload_within(&self, u: &UploadRow, quota: &super::UploadQuota) -> R<bool> {
        super::sql_quota::insert_upload_within(&self.pool, self.backend, u, quota).await
    }

    async fn token_usage(&self, token_id: &str, undeclared_bytes: i64) -> R<super::TokenUsage> {
        super::sql_quota::token_usage(&self.pool, token_id, undeclared_bytes).await
    }

    async fn delete_aborted_uploads(&self, before_s: i64) -> R<u64> {
        let r = sqlx::query(
            "DELETE FROM uploads WHERE status = $1 AND created_at < $2
             AND id NOT IN (SELECT upload_id FROM videos)",
        )
        .bind(UploadStatus::Aborted.as_str())
        .bind(before_s)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected())
    }
}

#[async_trait]
impl VideoStore for SqlStore {
    async fn insert_video(
        &self,
        v: &VideoRow,
        job: Option<&super::JobRow>,
        event: Option<&NewEvent>,
    ) -> R<()> {
        let mut tx = self.pool.begin().await?;
        insert_video_row(&mut tx, v).await?;
        sqlx::query("UPDATE uploads SET status = $1 WHERE id = $2")
            .bind(UploadStatus::Completed.as_str())
            .bind(&v.upload_id)
            .execute(&mut *tx)
            .await?;
        if let Some(job) = job {
            super::sql_jobs::insert_job(&mut tx, job).await?;
        }
        if let Some(e) = event {
            super::sql_outbox::insert_event(&mut tx, e).await?;
        }
        tx.commit().await
    }

    async fn video(&self, id: &str) -> R<Option<VideoRow>> {
        sqlx::query_as("SELECT * FROM videos WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
    }

    async fn video_for_upload(&self, upload_id: &str) -> R<Option<VideoRow>> {
        sqlx::query_as("SELECT * FROM videos WHERE upload_id = $1")
            .bind(upload_id)
            .fetch_optional(&self.pool)
            .await
    }

    async fn video_ready(&self, id: &str, p: &Processed, event: Option<&NewEvent>) -> R<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE videos SET status = $1, duration_ms = $2, mp4_key = $3, hls_key = $4,
             poster_key = COALESCE($5, poster_key), failure_code = NULL, failure_reason = NULL
             WHERE id = $6",
        )
        .bind(VideoStatus::Ready.as_str())
        .bind(p.duration_ms)
        .bind(&p.mp4_key)
        .bind(&p.hls_key)
        .bind(&p.poster_key)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if let Some(e) = event {
            super::sql_outbox::insert_event(&mut tx, e).await?;
        }
        tx.commit().await
    }

    async fn video_failed(&self, id: &str, code: &str, reason: &str) -> R<()> {
        sqlx::query(
            "UPDATE videos SET status = $1, failure_code = $2, failure_reason = $3 WHERE id = $4",
        )
        .bind(VideoStatus::Failed.as_str())
        .bind(code)
        .bind(reason)
        .bind(id)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    async fn video_vetted(&self, id: &str, now_s: i64) -> R<()> {
        sqlx::query("UPDATE videos SET vetted_at = COALESCE(vetted_at, $1) WHERE id = $2")
            .bind(now_s)
            .bind(id)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    async fn expired_videos(&self, now_s: i64, limit: i64) -> R<Vec<VideoRow>> {
        sqlx::query_as(
            "SELECT * FROM videos WHERE retention_expires_at IS NOT NULL
             AND retention_expires_at <= $1 ORDER BY retention_expires_at LIMIT $2",
        )
        .bind(now_s)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }

    async fn delete_video(&self, id: &str) -> R<()> {
        let mut tx = self.pool.begin().await?;
        let upload: Option<(String,)> =
            sqlx::query_as("SELECT upload_id FROM videos WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        for table in [
            "jobs",
            "telemetry_events",
            "telemetry_views",
            "media_sessions",
            "video_sends",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE video_id = $1"))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM videos WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if let Some((upload_id,)) = upload {
            sqlx::query("DELETE FROM uploads WHERE id = $1")
                .bind(upload_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }

    async fn revoke_video(&self, id: &str, now_s: i64) -> R<bool> {
        let r =
            sqlx::query("UPDATE videos SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
                .bind(now_s)
                .bind(id)
                .execute(&self.pool)
                .await?;
        Ok(r.rows_affected() == 1)
    }
}

#[async_trait]
impl TokenStore for SqlStore {
    async fn revoke_token(&self, jti: &str, now_s: i64, expires_at_s: i64) -> R<()> {
        sqlx::query(
            "INSERT INTO revoked_tokens (jti, revoked_at, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (jti) DO NOTHING",
        )
        .bind(jti)
        .bind(now_s)
        .bind(expires_at_s)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    async fn is_revoked(&self, jti: &str) -> R<bool> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT jti FROM revoked_tokens WHERE jti = $1")
                .bind(jti)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.is_some())
    }
}
