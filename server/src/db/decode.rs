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

/// `FromRow` for a row type: each plain column read by its name, each
/// vocabulary column parsed with [`word`].
macro_rules! from_row {
    ($row:ident { $($col:ident),+; words: $($w:ident),+ }) => {
        impl FromRow<'_, AnyRow> for $row {
            fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
                Ok(Self {
                    $($col: r.try_get(stringify!($col))?,)+
                    $($w: word(r, stringify!($w))?,)+
                })
            }
        }
    };
}

from_row!(UploadRow {
    id, video_id, conversation_id, customer_id, mime_type, object_key, storage_upload_id,
    created_at, expires_at, poster_key, token_id, declared_bytes;
    words: status
});

from_row!(VideoRow {
    id, upload_id, conversation_id, customer_id, mime_type, object_key, size, duration_ms,
    created_at, failure_code, failure_reason, poster_key, mp4_key, hls_key,
    retention_expires_at, revoked_at, vetted_at;
    words: status
});

#[cfg(test)]
mod tests {
    use super::super::{SqlStore, UploadStore};

    #[tokio::test]
    async fn a_status_the_code_does_not_know_is_a_decode_error() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = SqlStore::connect(&url).await.unwrap();
        sqlx::query(
            "INSERT INTO uploads (id, video_id, conversation_id, mime_type, object_key,
             storage_upload_id, status, created_at, expires_at)
             VALUES ('u1', 'v1', 'c1', 'video/webm', 'k', 's', 'shipped', 0, 0)",
        )
        .execute(&db.pool)
        .await
        .unwrap();
        match db.upload("u1").await {
            Err(sqlx::Error::ColumnDecode { index, source }) => {
                assert_eq!(index, "status");
                assert_eq!(source.to_string(), "unknown upload status: \"shipped\"");
            }
            other => panic!("expected a decode error, got {other:?}"),
        }
    }
}
