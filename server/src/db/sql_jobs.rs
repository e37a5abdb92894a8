//! Job-queue capability of the SQL store: leased jobs that survive restarts.

use async_trait::async_trait;
use sqlx::Any;

use super::{JobRow, JobStore, R, SqlStore, job_status};

pub(super) async fn insert_job(tx: &mut sqlx::Transaction<'_, Any>, j: &JobRow) -> R<()> {
    sqlx::query(
        "INSERT INTO jobs (id, kind, video_id, status, attempts, run_at, last_error, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(&j.id)
    .bind(&j.kind)
    .bind(&j.video_id)
    .bind(&j.status)
    .bind(j.attempts)
    .bind(j.run_at)
    .bind(&j.last_error)
    .bind(j.run_at)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

const COLUMNS: &str = "id, kind, video_id, status, attempts, run_at, last_error";

#[async_trait]
impl JobStore for SqlStore {
    async fn enqueue_job(&self, job: &JobRow) -> R<()> {
        let mut tx = self.pool.begin().await?;
        insert_job(&mut tx, job).await?;
        tx.commit().await
    }

    async fn claim_job(&self, now_ms: i64, lease_until_ms: i64) -> R<Option<JobRow>> {
        // A running job whose lease ran out belongs to a worker that died: take it over.
        let due = "status IN ($3, $4) AND run_at <= $2";
        let sql = format!(
            "UPDATE jobs SET status = $4, attempts = attempts + 1, run_at = $1, updated_at = $2
             WHERE id = (SELECT id FROM jobs WHERE {due} ORDER BY run_at LIMIT 1) AND {due}
             RETURNING {COLUMNS}"
        );
        sqlx::query_as(&sql)
            .bind(lease_until_ms)
            .bind(now_ms)
            .bind(job_status::QUEUED)
            .bind(job_status::RUNNING)
            .fetch_optional(&self.pool)
            .await
    }

    async fn renew_job(&self, id: &str, attempts: i64, lease_until_ms: i64) -> R<bool> {
        let r = sqlx::query(
            "UPDATE jobs SET run_at = $1 WHERE id = $2 AND status = $3 AND attempts = $4",
        )
        .bind(lease_until_ms)
        .bind(id)
        .bind(job_status::RUNNING)
        .bind(attempts)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    async fn finish_job(&self, id: &str, now_ms: i64) -> R<()> {
        self.set(id, job_status::DONE, now_ms, None, now_ms).await
    }

    async fn retry_job(&self, id: &str, run_at_ms: i64, error: &str, now_ms: i64) -> R<()> {
        self.set(id, job_status::QUEUED, run_at_ms, Some(error), now_ms)
            .await
    }

    async fn fail_job(&self, id: &str, error: &str, now_ms: i64) -> R<()> {
        self.set(id, job_status::FAILED, now_ms, Some(error), now_ms)
            .await
    }

    async fn job(&self, id: &str) -> R<Option<JobRow>> {
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
    }

    async fn jobs_for_video(&self, video_id: &str) -> R<Vec<JobRow>> {
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE video_id = $1 ORDER BY created_at"
        ))
        .bind(video_id)
        .fetch_all(&self.pool)
        .await
    }
}

impl SqlStore {
    async fn set(
        &self,
        id: &str,
        status: &str,
        run_at: i64,
        error: Option<&str>,
        now_ms: i64,
    ) -> R<()> {
        sqlx::query(
            "UPDATE jobs SET status = $1, run_at = $2, last_error = COALESCE($3, last_error),
             updated_at = $4 WHERE id = $5",
        )
        .bind(status)
        .bind(run_at)
        .bind(error)
        .bind(now_ms)
        .bind(id)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }
}
