//! The capability of a backend whose signed URLs point back at this server (the
//! local disk): check a URL's signature, take part bytes, name an object's file.

use std::path::PathBuf;

use futures_util::stream::BoxStream;

use super::StorageError;

/// Part bytes as they arrive; an error ends the upload (its text is kept).
pub type PartBody<'a> = BoxStream<'a, Result<bytes::Bytes, String>>;

/// Why a signed URL was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum UrlRefusal {
    /// Worded as S3 words it, so the uploader re-signs.
    Expired,
    BadSignature,
}

#[derive(Debug, thiserror::Error)]
pub enum WritePartError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("the part is larger than the part size")]
    TooLarge,
    #[error("the upload was interrupted: {0}")]
    Body(String),
    #[error("the part's bytes do not match its Content-MD5")]
    BadDigest,
}

/// A backend that answers the URLs it signs (`/storage/parts/…`, `/storage/objects/…`).
#[async_trait::async_trait]
pub trait ServesOwnUrls: Send + Sync + std::fmt::Debug {
    /// Check a part URL; `size` is the most bytes it was signed for.
    fn verify_part_url(
        &self,
        upload: &str,
        part: u32,
        size: u64,
        expires: u64,
        sig: &str,
        now_ms: u64,
    ) -> Result<(), UrlRefusal>;
    fn verify_get_url(
        &self,
        key: &str,
        expires: u64,
        sig: &str,
        now_ms: u64,
    ) -> Result<(), UrlRefusal>;
    /// Store one part from a byte stream; a retried part replaces the earlier one.
    /// Returns the quoted ETag (MD5, as S3 computes it for parts).
    async fn write_part(
        &self,
        upload_id: &str,
        part: u32,
        body: PartBody<'_>,
        max_len: u64,
        content_md5: Option<[u8; 16]>,
    ) -> Result<String, WritePartError>;
    /// The file that holds the object `key`.
    fn object_path(&self, key: &str) -> Result<PathBuf, StorageError>;
}
