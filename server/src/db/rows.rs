//! Rows whose columns hold a word of the typed vocabulary, read by hand: a word
//! the code does not know is a decode error (`ColumnDecode`), never a guess.

use std::str::FromStr;

use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};
use vidreply_core::vocab::UnknownValue;

use super::{UploadRow, VideoRow};

/// A vocabulary column, parsed from its string.
fn word<T: FromStr<Err = UnknownValue>>(row: &AnyRow, column: &str) -> sqlx::Result<T> {
    let text: String = row.try_get(column)?;
    text.parse()
        .map_err(|e: UnknownValue| sqlx::Error::ColumnDecode {
            index: column.to_string(),
            source: Box::new(e),
        })
}

impl FromRow<'_, AnyRow> for UploadRow {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            video_id: r.try_get("video_id")?,
            conversation_id: r.try_get("conversation_id")?,
            customer_id: r.try_get("customer_id")?,
            mime_type: r.try_get("mime_type")?,
            object_key: r.try_get("object_key")?,
            storage_upload_id: r.try_get("storage_upload_id")?,
            status: word(r, "status")?,
            created_at: r.try_get("created_at")?,
            expires_at: r.try_get("expires_at")?,
            poster_key: r.try_get("poster_key")?,
            token_id: r.try_get("token_id")?,
            declared_bytes: r.try_get("declared_bytes")?,
        })
    }
}

impl FromRow<'_, AnyRow> for VideoRow {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            upload_id: r.try_get("upload_id")?,
            conversation_id: r.try_get("conversation_id")?,
            customer_id: r.try_get("customer_id")?,
            mime_type: r.try_get("mime_type")?,
            object_key: r.try_get("object_key")?,
            size: r.try_get("size")?,
            duration_ms: r.try_get("duration_ms")?,
            created_at: r.try_get("created_at")?,
            status: word(r, "status")?,
            failure_code: r.try_get("failure_code")?,
            failure_reason: r.try_get("failure_reason")?,
            poster_key: r.try_get("poster_key")?,
            mp4_key: r.try_get("mp4_key")?,
            hls_key: r.try_get("hls_key")?,
            retention_expires_at: r.try_get("retention_expires_at")?,
            revoked_at: r.try_get("revoked_at")?,
            vetted_at: r.try_get("vetted_at")?,
        })
    }
}
