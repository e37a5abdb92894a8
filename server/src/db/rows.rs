//! How a row is written, shared by the SQL store's capabilities (uploads, quotas,
//! tutorials): the one place that lists an upload's and a video's columns.

use super::{R, UploadRow, VideoRow};

/// The columns of an upload row, in the order [`bind_upload`] binds them ($1–$13).
pub(super) const UPLOAD_COLUMNS: &str = "id, video_id, conversation_id, customer_id, mime_type, \
     object_key, storage_upload_id, status, created_at, expires_at, poster_key, token_id, \
     declared_bytes";

/// Bind an upload row's [`UPLOAD_COLUMNS`] as $1–$13 of `q`.
pub(super) fn bind_upload<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    u: &'q UploadRow,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q.bind(&u.id)
        .bind(&u.video_id)
        .bind(&u.conversation_id)
        .bind(&u.customer_id)
        .bind(&u.mime_type)
        .bind(&u.object_key)
        .bind(&u.storage_upload_id)
        .bind(u.status.as_str())
        .bind(u.created_at)
        .bind(u.expires_at)
        .bind(&u.poster_key)
        .bind(&u.token_id)
        .bind(u.declared_bytes)
}

/// One upload row, on a pooled connection or inside a transaction.
pub(super) async fn insert_upload_row(conn: &mut sqlx::AnyConnection, u: &UploadRow) -> R<()> {
    let sql = format!(
        "INSERT INTO uploads ({UPLOAD_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)"
    );
    bind_upload(sqlx::query(&sql), u)
        .execute(conn)
        .await
        .map(|_| ())
}

/// One video row, on a pooled connection or inside a transaction.
pub(super) async fn insert_video_row(conn: &mut sqlx::AnyConnection, v: &VideoRow) -> R<()> {
    sqlx::query(
        "INSERT INTO videos (id, upload_id, conversation_id, customer_id, mime_type, object_key,
         size, duration_ms, created_at, status, failure_code, failure_reason, poster_key,
         mp4_key, hls_key, retention_expires_at, revoked_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)",
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
    .bind(v.status.as_str())
    .bind(&v.failure_code)
    .bind(&v.failure_reason)
    .bind(&v.poster_key)
    .bind(&v.mp4_key)
    .bind(&v.hls_key)
    .bind(v.retention_expires_at)
    .bind(v.revoked_at)
    .execute(conn)
    .await
    .map(|_| ())
}
