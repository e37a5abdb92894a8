//! Video storage: small capabilities, each backend a [`Backend`] composed of them,
//! as tusd composes its stores: [`MultipartStore`] (the browser's uploads),
//! [`ObjectStore`] (whole objects, for processing, retention and readers) and,
//! for the local backend only, [`ServesOwnUrls`] (this server answers the URLs it
//! signs). A local-disk and an S3 implementation.
//!
//! The browser never learns which backend it talks to: it always PUTs part bytes
//! to URLs the server signed, and reads back an `ETag`.

pub mod local;
mod own_urls;
mod s3;
mod s3_files;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use vidreply_core::protocol::{CompletedPart, UploadedPart};

pub use local::LocalStore;
pub use own_urls::{PartBody, ServesOwnUrls, UrlRefusal, WritePartError};
pub use s3::{S3Config, S3Store};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("the upload does not exist in storage")]
    NoSuchUpload,
    #[error("the object does not exist in storage")]
    NoSuchObject,
    #[error("storage refused the request: {0}")]
    Rejected(String),
    #[error("storage is unreachable: {0}")]
    Unavailable(String),
}

/// Multipart uploads: the browser PUTs part bytes to URLs signed here.
#[async_trait::async_trait]
pub trait MultipartStore: Send + Sync + std::fmt::Debug {
    /// Start a multipart upload for `key`; returns the backend's upload id.
    async fn create_multipart(&self, key: &str, content_type: &str)
    -> Result<String, StorageError>;
    /// A URL the browser PUTs part bytes to, valid for `ttl`, for a body of `size`
    /// bytes: S3 signs the `Content-Length` (a PUT of any other length is refused);
    /// the local backend signs the size and refuses a longer body.
    fn sign_part(&self, key: &str, upload_id: &str, part: u32, size: u64, ttl: Duration) -> String;
    /// Parts stored so far, one entry per part number (the latest), ascending.
    async fn list_parts(
        &self,
        key: &str,
        upload_id: &str,
    ) -> Result<Vec<UploadedPart>, StorageError>;
    /// Store part `part` from bytes this server holds (a recording's tail, sent
    /// through the API instead of a signed URL); `md5` is its Content-MD5, and a
    /// body that does not match it is refused. Returns the quoted ETag.
    async fn put_part(
        &self,
        key: &str,
        upload_id: &str,
        part: u32,
        body: bytes::Bytes,
        md5: [u8; 16],
    ) -> Result<String, StorageError>;
    /// Assemble the listed parts into the object.
    async fn complete(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
    ) -> Result<(), StorageError>;
    async fn abort(&self, key: &str, upload_id: &str) -> Result<(), StorageError>;
}

/// Whole objects: read, sign, copy in and out, list and delete.
#[async_trait::async_trait]
pub trait ObjectStore: Send + Sync + std::fmt::Debug {
    /// The first `len` bytes of an object (to check magic bytes).
    async fn read_head(&self, key: &str, len: usize) -> Result<Vec<u8>, StorageError>;
    /// A URL to GET the object, valid for `ttl`. Never shown to people.
    fn sign_get(&self, key: &str, ttl: Duration) -> String;
    async fn delete(&self, key: &str) -> Result<(), StorageError>;
    /// Copy an object into a local file (processing reads it there); returns its size.
    async fn download(&self, key: &str, dest: &Path) -> Result<u64, StorageError>;
    /// Store a local file as an object.
    async fn upload_file(
        &self,
        key: &str,
        src: &Path,
        content_type: &str,
    ) -> Result<(), StorageError>;
    /// Every key that starts with `prefix`.
    async fn list_keys(&self, prefix: &str) -> Result<Vec<String>, StorageError>;

    /// Delete every object under `prefix` (a video's original and renditions).
    async fn delete_prefix(&self, prefix: &str) -> Result<usize, StorageError> {
        let keys = self.list_keys(prefix).await?;
        for k in &keys {
            self.delete(k).await?;
        }
        Ok(keys.len())
    }
}

/// A configured backend: both capabilities every backend has, its name, a
/// readiness probe, and the capabilities only some backends have.
#[async_trait::async_trait]
pub trait Backend: MultipartStore + ObjectStore {
    fn name(&self) -> &'static str;
    /// Readiness: the backend answers and can be written to.
    async fn ping(&self) -> Result<(), StorageError>;
    /// The backend's own URL server, when its signed URLs point at this server
    /// (the router then mounts its routes); `None` when another server answers them.
    fn own_urls(self: Arc<Self>) -> Option<Arc<dyn ServesOwnUrls>> {
        None
    }
}

/// Keep one entry per part number: the last one given. SeaweedFS lists every upload
/// of a retried part, so `S3Store` orders its listing oldest first before this.
pub fn dedupe_parts(mut parts: Vec<UploadedPart>) -> Vec<UploadedPart> {
    let mut by_number = std::collections::BTreeMap::new();
    for p in parts.drain(..) {
        by_number.insert(p.part_number, p);
    }
    by_number.into_values().collect()
}

pub use vidreply_core::protocol::etag_eq;

#[cfg(test)]
mod tests {
    use super::*;

    fn p(n: u32, etag: &str) -> UploadedPart {
        UploadedPart {
            part_number: n,
            etag: etag.into(),
            size: 1,
        }
    }

    #[test]
    fn dedupe_keeps_latest_per_number() {
        let got = dedupe_parts(vec![p(2, "a"), p(1, "x"), p(2, "b")]);
        assert_eq!(got, vec![p(1, "x"), p(2, "b")]);
        assert!(etag_eq("\"abc\"", "abc"));
        assert!(!etag_eq("abc", "abd"));
    }
}
