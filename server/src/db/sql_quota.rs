//! Per-capture-token quotas: what a token's uploads hold, and an insert that
//! checks the quotas in the same step, so two creates at once cannot both pass.

use sqlx::{AnyPool, Executor};
use vidreply_core::vocab::UploadStatus;

use super::rows::{UPLOAD_COLUMNS, bind_upload, insert_upload_row};
use super::{R, TokenUsage, UploadQuota, UploadRow};

/// Open uploads (`$1`: the token) and their bytes (`$2`: what an open upload
/// without `declared_bytes` counts): completed uploads count their video's size,
/// cancelled ones nothing. SUM is cast because PostgreSQL sums BIGINT as NUMERIC.
fn usage_sql(token: &str, undeclared: &str) -> String {
    let (open, completing, completed) = (
        UploadStatus::Open,
        UploadStatus::Completing,
        UploadStatus::Completed,
    );
    format!(
        "SELECT
           CAST(COALESCE(SUM(CASE WHEN u.status IN ('{open}', '{completing}') THEN 1 ELSE 0 END), 0)
             AS BIGINT) AS n_open,
           CAST(COALESCE(SUM(CASE
             WHEN u.status IN ('{open}', '{completing}') THEN COALESCE(u.declared_bytes, {undeclared})
             WHEN u.status = '{completed}' THEN COALESCE(v.size, 0)
             ELSE 0 END), 0) AS BIGINT) AS n_bytes
         FROM uploads u LEFT JOIN videos v ON v.upload_id = u.id
         WHERE u.token_id = {token}"
    )
}

pub(super) async fn token_usage(
    pool: &AnyPool,
    token_id: &str,
    undeclared_bytes: i64,
) -> R<TokenUsage> {
    let (open, bytes): (i64, i64) = sqlx::query_as(&usage_sql("$1", "$2"))
        .bind(token_id)
        .bind(undeclared_bytes)
        .fetch_one(pool)
        .await?;
    Ok(TokenUsage { open, bytes })
}

/// `backend` is the pool's (`sqlite` or `postgres`).
pub(super) async fn insert_upload_within(
    pool: &AnyPool,
    backend: &str,
    u: &UploadRow,
    quota: &UploadQuota,
) -> R<bool> {
    let Some(token) = &u.token_id else {
        // Nothing to count against: insert as it is.
        insert_upload_row(&mut *pool.acquire().await?, u).await?;
        return Ok(true);
    };
    let charge = u.declared_bytes.unwrap_or(quota.undeclared_bytes);
    let usage = usage_sql("$12", "$15");
    // One statement: SQLite runs it under its write lock, so the check and the
    // insert cannot interleave with another create.
    let sql = format!(
        "INSERT INTO uploads ({}) SELECT $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13
         FROM ({usage}) AS used
         WHERE used.n_open < $14 AND used.n_bytes + $16 <= $17",
        UPLOAD_COLUMNS
    );
    let mut tx = pool.begin().await?;
    if backend == "postgres" {
        // PostgreSQL checks each statement against its own snapshot: creates of one
        // token take turns on a lock held until commit.
        (&mut *tx)
            .execute(
            sqlx::query(
                "SELECT CAST(1 AS BIGINT) FROM (SELECT pg_advisory_xact_lock(hashtext($1))) AS l",
            )
            .bind(token),
        )
        .await?;
    }
    // $12, the token id, is `token` (the row's own `token_id`, checked above).
    let r = bind_upload(sqlx::query(&sql), u)
        .bind(quota.max_open)
        .bind(quota.undeclared_bytes)
        .bind(charge)
        .bind(quota.max_bytes)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(r.rows_affected() == 1)
}
