//! Telemetry capability of the SQL store: deduped events and first views.

use async_trait::async_trait;
use vidreply_core::vocab::TelemetryType;

use super::{FirstView, R, SessionEngagement, SqlStore, Store, TelemetryRow, TelemetryStore};

/// Held by each PostgreSQL insert until it commits, so `seq` is committed in
/// order: an export that has read `seq` n never later finds a smaller one. (SQLite
/// has one writer at a time anyway.)
const INSERT_LOCK: i64 = 0x7669_6474_656c; // "vidtel"

#[async_trait]
impl TelemetryStore for SqlStore {
    async fn insert_telemetry(
        &self,
        rows: &[TelemetryRow],
        views: &[FirstView],
        marks: &[super::SessionMark],
    ) -> R<u64> {
        let mut tx = self.pool.begin().await?;
        if self.backend() == "postgres" {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(INSERT_LOCK)
                .execute(&mut *tx)
                .await?;
        }
        let mut new = 0;
        for r in rows {
            let done = sqlx::query(
                "INSERT INTO telemetry_events (event_id, video_id, session_id, conversation_id,
                 event_type, timestamp_ms, duration_watched, completion_status, quartile, received_at,
                 verified)
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
                 ON CONFLICT (event_id) DO NOTHING",
            )
            .bind(&r.event_id)
            .bind(&r.video_id)
            .bind(&r.session_id)
            .bind(&r.conversation_id)
            .bind(&r.event_type)
            .bind(r.timestamp_ms)
            .bind(r.duration_watched)
            .bind(&r.completion_status)
            .bind(r.quartile)
            .bind(r.received_at)
            .bind(r.verified)
            .execute(&mut *tx)
            .await?;
            new += done.rows_affected();
        }
        for v in views {
            let first = sqlx::query(
                "INSERT INTO telemetry_views (video_id, session_id, viewed_at) VALUES ($1, $2, $3)
                 ON CONFLICT (video_id, session_id) DO NOTHING",
            )
            .bind(&v.video_id)
            .bind(&v.session_id)
            .bind(v.viewed_at_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if first && let Some(e) = &v.event {
                super::sql_outbox::insert_event(&mut tx, e).await?;
            }
        }
        super::sql_tutorial::mark_sessions(&mut tx, marks).await?;
        tx.commit().await?;
        Ok(new)
    }

    async fn telemetry_since(&self, since_ms: i64, after: i64, limit: i64) -> R<Vec<TelemetryRow>> {
        sqlx::query_as(
            "SELECT seq, event_id, video_id, session_id, conversation_id, event_type, timestamp_ms,
             duration_watched, completion_status, quartile, received_at, verified
             FROM telemetry_events WHERE received_at >= $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(since_ms)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }

    /// Only verified sessions count: those the server served the video's media to.
    async fn engagement(&self, video_id: &str) -> R<Vec<SessionEngagement>> {
        let flag = |cond: &str| format!("CAST(MAX(CASE WHEN {cond} THEN 1 ELSE 0 END) AS BIGINT)");
        let done = format!("event_type = '{}'", TelemetryType::Completion);
        let q = |n: u8| {
            flag(&format!(
                "(quartile IS NOT NULL AND quartile >= {n}) OR {done}"
            ))
        };
        let sql = format!(
            "SELECT session_id, {} AS started, {} AS completed,
             CAST(MAX(duration_watched) AS DOUBLE PRECISION) AS max_watched,
             {} AS q25, {} AS q50, {} AS q75
             FROM telemetry_events WHERE video_id = $1 AND verified = 1
             GROUP BY session_id ORDER BY session_id",
            flag(&format!("event_type = '{}'", TelemetryType::Start)),
            flag(&done),
            q(25),
            q(50),
            q(75),
        );
        sqlx::query_as(&sql)
            .bind(video_id)
            .fetch_all(&self.pool)
            .await
    }
}
