//! Tutorial capability of the SQL store.

use async_trait::async_trait;
use sqlx::{Any, Transaction};
use vidreply_core::vocab::UploadStatus;

use super::rows::{insert_upload_row, insert_video_row};
use super::tutorial::{AssetRow, SessionMark, SessionStep, TutorialSessionRow, TutorialStore};
use super::{JobRow, R, SqlStore, UploadRow, VideoRow};

#[async_trait]
impl TutorialStore for SqlStore {
    async fn register_asset(&self, a: &AssetRow) -> R<bool> {
        let mut tx = self.pool.begin().await?;
        let found = sqlx::query("UPDATE videos SET retention_expires_at = NULL WHERE id = $1")
            .bind(&a.id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if !found {
            return Ok(false);
        }
        insert_asset(&mut tx, a).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn insert_uploaded_asset(
        &self,
        u: &UploadRow,
        v: &VideoRow,
        job: &JobRow,
        a: &AssetRow,
    ) -> R<()> {
        let mut tx = self.pool.begin().await?;
        // The upload is complete as it is stored; the asset is kept out of retention.
        let upload = UploadRow {
            status: UploadStatus::Completed,
            ..u.clone()
        };
        insert_upload_row(&mut tx, &upload).await?;
        let video = VideoRow {
            retention_expires_at: None,
            ..v.clone()
        };
        insert_video_row(&mut tx, &video).await?;
        super::sql_jobs::insert_job(&mut tx, job).await?;
        insert_asset(&mut tx, a).await?;
        tx.commit().await
    }

    async fn asset(&self, id: &str) -> R<Option<AssetRow>> {
        sqlx::query_as("SELECT id, title, created_at FROM tutorial_assets WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
    }

    async fn assets(&self, limit: i64) -> R<Vec<AssetRow>> {
        sqlx::query_as(
            "SELECT id, title, created_at FROM tutorial_assets
             ORDER BY created_at DESC, id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }

    async fn upsert_tutorial_session(&self, s: &TutorialSessionRow) -> R<TutorialSessionRow> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO tutorial_sessions (id, conversation_id, asset_id, source_channel,
             created_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6)
             ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at,
             source_channel = excluded.source_channel
             WHERE tutorial_sessions.conversation_id = excluded.conversation_id
             AND tutorial_sessions.asset_id = excluded.asset_id",
        )
        .bind(&s.id)
        .bind(&s.conversation_id)
        .bind(&s.asset_id)
        .bind(&s.source_channel)
        .bind(s.created_at)
        .bind(s.expires_at)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query_as("SELECT * FROM tutorial_sessions WHERE id = $1")
            .bind(&s.id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    async fn tutorial_session(&self, id: &str) -> R<Option<TutorialSessionRow>> {
        sqlx::query_as("SELECT * FROM tutorial_sessions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
    }

    async fn tutorial_opened(&self, id: &str, at_ms: i64, channel_hint: &str) -> R<bool> {
        let r = sqlx::query(
            "UPDATE tutorial_sessions SET opened_at = $1, channel_hint = $2
             WHERE id = $3 AND opened_at IS NULL",
        )
        .bind(at_ms)
        .bind(channel_hint)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }
}

async fn insert_asset(tx: &mut Transaction<'_, Any>, a: &AssetRow) -> R<()> {
    sqlx::query(
        "INSERT INTO tutorial_assets (id, title, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title",
    )
    .bind(&a.id)
    .bind(&a.title)
    .bind(a.created_at)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Record each step the first time it happens, and queue its event only then;
/// part of the telemetry transaction.
pub(super) async fn mark_sessions(tx: &mut Transaction<'_, Any>, marks: &[SessionMark]) -> R<()> {
    for m in marks {
        let column = match m.step {
            SessionStep::Started => "started_at",
            SessionStep::Completed => "completed_at",
        };
        let first = sqlx::query(&format!(
            "UPDATE tutorial_sessions SET {column} = $1 WHERE id = $2 AND {column} IS NULL"
        ))
        .bind(m.at_ms)
        .bind(&m.session_id)
        .execute(&mut **tx)
        .await?
        .rows_affected()
            == 1;
        if first && let Some(e) = &m.event {
            super::sql_outbox::insert_event(tx, e).await?;
        }
    }
    Ok(())
}
