//! Guard capability of the SQL store: send quotas and the media-served evidence
//! that makes a viewer's start a verified view.

use async_trait::async_trait;

use super::{GuardStore, R, SendQuota, SqlStore, Store};

/// Held by each PostgreSQL send until it commits, so two sends racing for the last
/// unit of a quota cannot both be granted (SQLite has one writer anyway).
const SEND_LOCK: i64 = 0x7669_6473_6e64; // "vidsnd"

const BY_SENDER: &str = "SELECT COUNT(*) FROM video_sends WHERE sender = $1 AND sent_at >= $2";
const BY_VIDEO: &str = "SELECT COUNT(*) FROM video_sends WHERE video_id = $1 AND sent_at >= $2";

#[async_trait]
impl GuardStore for SqlStore {
    async fn record_send(
        &self,
        video_id: &str,
        sender: &str,
        now_s: i64,
        since_s: i64,
        max_per_sender: i64,
        max_per_video: i64,
    ) -> R<SendQuota> {
        // Count and insert in one statement: SQLite never has to upgrade a read
        // transaction to a write (two sends at once would get SQLITE_BUSY).
        let mut tx = self.pool.begin().await?;
        if self.backend() == "postgres" {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(SEND_LOCK)
                .execute(&mut *tx)
                .await?;
        }
        let granted = sqlx::query(
            "INSERT INTO video_sends (video_id, sender, sent_at) SELECT $1, $2, $3
             WHERE (SELECT COUNT(*) FROM video_sends WHERE sender = $2 AND sent_at >= $4) < $5
             AND (SELECT COUNT(*) FROM video_sends WHERE video_id = $1 AND sent_at >= $4) < $6",
        )
        .bind(video_id)
        .bind(sender)
        .bind(now_s)
        .bind(since_s)
        .bind(max_per_sender)
        .bind(max_per_video)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        tx.commit().await?;
        if granted {
            return Ok(SendQuota::Granted);
        }
        // Refused: say which quota (read after the fact; only the message depends on it).
        let (by_sender,): (i64,) = sqlx::query_as(BY_SENDER)
            .bind(sender)
            .bind(since_s)
            .fetch_one(&self.pool)
            .await?;
        Ok(if by_sender >= max_per_sender {
            SendQuota::SenderSpent
        } else {
            let (by_video,): (i64,) = sqlx::query_as(BY_VIDEO)
                .bind(video_id)
                .bind(since_s)
                .fetch_one(&self.pool)
                .await?;
            debug_assert!(by_video >= max_per_video);
            SendQuota::VideoSpent
        })
    }

    async fn record_media_session(&self, video_id: &str, session_id: &str, now_ms: i64) -> R<()> {
        sqlx::query(
            "INSERT INTO media_sessions (video_id, session_id, first_served_at) VALUES ($1, $2, $3)
             ON CONFLICT (video_id, session_id) DO NOTHING",
        )
        .bind(video_id)
        .bind(session_id)
        .bind(now_ms)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    async fn media_session_seen(&self, video_id: &str, session_id: &str) -> R<bool> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT first_served_at FROM media_sessions WHERE video_id = $1 AND session_id = $2",
        )
        .bind(video_id)
        .bind(session_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }
}
