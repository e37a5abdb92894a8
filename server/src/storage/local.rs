//! Local-disk backend for the embedded default.
//!
//! Layout under `root`: `objects/<key>` for finished videos, and
//! `multipart/<upload id>/<part number>` (+ `.etag`) for parts in progress.
//! Part URLs point back at this server and carry an HMAC signature and expiry, made
//! with a key of their own derived from the signing secret.

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use url::Url;
use vidreply_core::protocol::{CompletedPart, UploadedPart};

use super::{ObjectStore, StorageError, dedupe_parts, etag_eq};

pub struct LocalStore {
    root: PathBuf,
    base: Url,
    secret: Vec<u8>,
}

impl std::fmt::Debug for LocalStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalStore")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

/// Why a local signed URL was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum UrlRefusal {
    /// Worded as S3 words it, so the uploader re-signs.
    Expired,
    BadSignature,
}

fn io(e: std::io::Error) -> StorageError {
    StorageError::Unavailable(format!("local disk: {e}"))
}

/// Upload ids and keys come from the server, but never trust a path anyway: only
/// plain relative components, and no NUL (the OS refuses it: a 5xx, not a 404) or
/// backslash (a separator elsewhere).
fn safe_rel(rel: &str) -> Option<PathBuf> {
    let p = Path::new(rel);
    let ok = !rel.is_empty()
        && !rel.contains(['\0', '\\'])
        && p.components().all(|c| matches!(c, Component::Normal(_)));
    ok.then(|| p.to_path_buf())
}

impl LocalStore {
    /// URLs are signed with the signing secret's key for local storage URLs only.
    pub fn new(root: PathBuf, base: Url, signing_secret: &[u8]) -> Self {
        let key = crate::secrets::Purpose::LocalStorageUrls.key(signing_secret);
        let secret = key.to_vec();
        Self { root, base, secret }
    }

    fn mac(&self, msg: &str) -> String {
        let mut m = Hmac::<Sha256>::new_from_slice(&self.secret).expect("any key length");
        m.update(msg.as_bytes());
        hex::encode(m.finalize().into_bytes())
    }

    fn signed(&self, path: &str, msg: &str, ttl: Duration) -> String {
        let expires = crate::clock::unix_now_ms() + ttl.as_millis() as u64;
        let sig = self.mac(&format!("{msg}\n{expires}"));
        let mut url = self.base.join(path).expect("relative path joins");
        url.query_pairs_mut()
            .append_pair("expires", &expires.to_string())
            .append_pair("signature", &sig);
        url.into()
    }

    fn check(&self, msg: &str, expires: u64, sig: &str, now_ms: u64) -> Result<(), UrlRefusal> {
        let want = self.mac(&format!("{msg}\n{expires}"));
        if !crate::secrets::ct_eq(want.as_bytes(), sig.as_bytes()) {
            return Err(UrlRefusal::BadSignature);
        }
        if expires < now_ms {
            return Err(UrlRefusal::Expired);
        }
        Ok(())
    }

    /// Check a part URL; `size` is the most bytes it was signed for.
    pub fn verify_part_url(
        &self,
        upload: &str,
        part: u32,
        size: u64,
        expires: u64,
        sig: &str,
        now_ms: u64,
    ) -> Result<(), UrlRefusal> {
        self.check(
            &format!("PUT\n{upload}\n{part}\n{size}"),
            expires,
            sig,
            now_ms,
        )
    }

    pub fn verify_get_url(
        &self,
        key: &str,
        expires: u64,
        sig: &str,
        now_ms: u64,
    ) -> Result<(), UrlRefusal> {
        self.check(&format!("GET\n{key}"), expires, sig, now_ms)
    }

    fn upload_dir(&self, upload_id: &str) -> Result<PathBuf, StorageError> {
        let rel = safe_rel(upload_id).ok_or(StorageError::NoSuchUpload)?;
        Ok(self.root.join("multipart").join(rel))
    }

    pub fn object_path(&self, key: &str) -> Result<PathBuf, StorageError> {
        let rel = safe_rel(key).ok_or(StorageError::NoSuchObject)?;
        Ok(self.root.join("objects").join(rel))
    }

    /// Store one part from a byte stream; a retried part replaces the earlier one.
    /// Returns the quoted ETag (MD5, as S3 computes it for parts).
    pub async fn write_part<S, E>(
        &self,
        upload_id: &str,
        part: u32,
        mut body: S,
        max_len: u64,
        content_md5: Option<[u8; 16]>,
    ) -> Result<String, WritePartError>
    where
        S: Stream<Item = Result<bytes::Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let dir = self.upload_dir(upload_id)?;
        if !tokio::fs::try_exists(&dir).await.map_err(io)? {
            return Err(StorageError::NoSuchUpload.into());
        }
        let tmp = dir.join(format!("{part:05}.{}.tmp", uuid::Uuid::new_v4()));
        let mut file = tokio::fs::File::create(&tmp).await.map_err(io)?;
        let mut md5 = Md5::new();
        let mut len = 0u64;
        let result: Result<(), WritePartError> = async {
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| WritePartError::Body(e.to_string()))?;
                len += chunk.len() as u64;
                if len > max_len {
                    return Err(WritePartError::TooLarge);
                }
                md5.update(&chunk);
                file.write_all(&chunk).await.map_err(io)?;
            }
            file.sync_all().await.map_err(io)?;
            Ok(())
        }
        .await;
        if let Err(e) = result {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e);
        }
        let digest: [u8; 16] = md5.finalize().into();
        // Like S3: a part whose bytes do not match its Content-MD5 is refused, not stored.
        if content_md5.is_some_and(|want| want != digest) {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(WritePartError::BadDigest);
        }
        let etag = format!("\"{}\"", hex::encode(digest));
        // Bytes first, then their ETag: a complete racing a retried part can then
        // only see new bytes with the old ETag (a retryable mismatch), never the
        // old bytes passing as the new ones.
        let etag_tmp = tmp.with_extension("etag-tmp");
        tokio::fs::write(&etag_tmp, &etag).await.map_err(io)?;
        tokio::fs::rename(&tmp, dir.join(format!("{part:05}")))
            .await
            .map_err(io)?;
        tokio::fs::rename(&etag_tmp, dir.join(format!("{part:05}.etag")))
            .await
            .map_err(io)?;
        Ok(etag)
    }
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

/// Concatenate the parts into `out`. Like S3, each part must hold the bytes its
/// ETag names: the MD5 is taken of the bytes copied, so a part replaced by a
/// retry while this runs is refused (`InvalidPart`), never silently mixed in.
async fn assemble(dir: &Path, out: &Path, parts: &[CompletedPart]) -> Result<(), StorageError> {
    let mut out = tokio::fs::File::create(out).await.map_err(io)?;
    let mut buf = vec![0u8; 256 * 1024];
    for p in parts {
        let n = p.part_number;
        let mut f = tokio::fs::File::open(dir.join(format!("{n:05}")))
            .await
            .map_err(|_| StorageError::Rejected(format!("InvalidPart: part {n} is missing")))?;
        let mut md5 = Md5::new();
        loop {
            let read = f.read(&mut buf).await.map_err(io)?;
            if read == 0 {
                break;
            }
            md5.update(&buf[..read]);
            out.write_all(&buf[..read]).await.map_err(io)?;
        }
        if !etag_eq(&hex::encode(md5.finalize()), &p.etag) {
            return Err(StorageError::Rejected(format!(
                "InvalidPart: part {n} does not match its ETag"
            )));
        }
    }
    out.sync_all().await.map_err(io)
}

#[async_trait::async_trait]
impl ObjectStore for LocalStore {
    fn name(&self) -> &'static str {
        "local"
    }

    async fn create_multipart(
        &self,
        key: &str,
        _content_type: &str,
    ) -> Result<String, StorageError> {
        self.object_path(key)?;
        let id = uuid::Uuid::new_v4().to_string();
        let dir = self.upload_dir(&id)?;
        tokio::fs::create_dir_all(&dir).await.map_err(io)?;
        tokio::fs::write(dir.join("key"), key).await.map_err(io)?;
        Ok(id)
    }

    fn sign_part(
        &self,
        _key: &str,
        upload_id: &str,
        part: u32,
        size: u64,
        ttl: Duration,
    ) -> String {
        let path = format!("storage/parts/{upload_id}/{part}?size={size}");
        self.signed(&path, &format!("PUT\n{upload_id}\n{part}\n{size}"), ttl)
    }

    async fn list_parts(
        &self,
        _key: &str,
        upload_id: &str,
    ) -> Result<Vec<UploadedPart>, StorageError> {
        let dir = self.upload_dir(upload_id)?;
        let mut rd = tokio::fs::read_dir(&dir)
            .await
            .map_err(|_| StorageError::NoSuchUpload)?;
        let mut parts = Vec::new();
        while let Some(entry) = rd.next_entry().await.map_err(io)? {
            let name = entry.file_name().to_string_lossy().to_string();
            let Ok(n) = name.parse::<u32>() else { continue };
            let etag = tokio::fs::read_to_string(dir.join(format!("{name}.etag")))
                .await
                .map_err(io)?;
            let size = entry.metadata().await.map_err(io)?.len();
            parts.push(UploadedPart {
                part_number: n,
                etag,
                size,
            });
        }
        Ok(dedupe_parts(parts))
    }

    async fn complete(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
    ) -> Result<(), StorageError> {
        let dir = self.upload_dir(upload_id)?;
        let dest = self.object_path(key)?;
        if !tokio::fs::try_exists(&dir).await.map_err(io)? {
            return Err(StorageError::NoSuchUpload);
        }
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(io)?;
        }
        let tmp = dest.with_extension("assembling");
        let assembled = assemble(&dir, &tmp, parts).await;
        if let Err(e) = assembled {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e);
        }
        tokio::fs::rename(&tmp, &dest).await.map_err(io)?;
        tokio::fs::remove_dir_all(&dir).await.map_err(io)?;
        Ok(())
    }

    async fn abort(&self, _key: &str, upload_id: &str) -> Result<(), StorageError> {
        let dir = self.upload_dir(upload_id)?;
        match tokio::fs::remove_dir_all(&dir).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
            _ => Ok(()),
        }
    }

    async fn read_head(&self, key: &str, len: usize) -> Result<Vec<u8>, StorageError> {
        let path = self.object_path(key)?;
        let f = tokio::fs::File::open(&path)
            .await
            .map_err(|_| StorageError::NoSuchObject)?;
        let mut buf = Vec::with_capacity(len);
        f.take(len as u64).read_to_end(&mut buf).await.map_err(io)?;
        Ok(buf)
    }

    fn sign_get(&self, key: &str, ttl: Duration) -> String {
        self.signed(
            &format!("storage/objects/{key}"),
            &format!("GET\n{key}"),
            ttl,
        )
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let path = self.object_path(key)?;
        match tokio::fs::remove_file(&path).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
            _ => {}
        }
        // Leave no empty folders behind: remove parents until one still holds something.
        let objects = self.root.join("objects");
        let mut dir = path.parent();
        while let Some(d) = dir.filter(|d| d.starts_with(&objects) && *d != objects) {
            if tokio::fs::remove_dir(d).await.is_err() {
                break;
            }
            dir = d.parent();
        }
        Ok(())
    }

    async fn download(&self, key: &str, dest: &Path) -> Result<u64, StorageError> {
        match tokio::fs::copy(self.object_path(key)?, dest).await {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StorageError::NoSuchObject),
            r => r.map_err(io),
        }
    }

    async fn upload_file(
        &self,
        key: &str,
        src: &Path,
        _content_type: &str,
    ) -> Result<(), StorageError> {
        let dest = self.object_path(key)?;
        if let Some(dir) = dest.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(io)?;
        }
        // Copy beside, then rename: readers never see half a file.
        let tmp = dest.with_extension("partial");
        tokio::fs::copy(src, &tmp).await.map_err(io)?;
        tokio::fs::rename(&tmp, &dest).await.map_err(io)
    }

    async fn list_keys(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let objects = self.root.join("objects");
        // Walk from the deepest folder the prefix names fully.
        let dir_part = prefix.rsplit_once('/').map_or("", |(d, _)| d);
        let start = if dir_part.is_empty() {
            objects.clone()
        } else {
            objects.join(safe_rel(dir_part).ok_or(StorageError::NoSuchObject)?)
        };
        let mut keys = Vec::new();
        let mut stack = vec![start];
        while let Some(dir) = stack.pop() {
            let mut rd = match tokio::fs::read_dir(&dir).await {
                Ok(rd) => rd,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io(e)),
            };
            while let Some(entry) = rd.next_entry().await.map_err(io)? {
                let path = entry.path();
                if entry.file_type().await.map_err(io)?.is_dir() {
                    stack.push(path);
                } else if let Ok(rel) = path.strip_prefix(&objects) {
                    let key = rel.to_string_lossy().replace('\\', "/");
                    if key.starts_with(prefix) {
                        keys.push(key);
                    }
                }
            }
        }
        keys.sort();
        Ok(keys)
    }

    async fn ping(&self) -> Result<(), StorageError> {
        let probe = self.root.join(format!(".ready-{}", uuid::Uuid::new_v4()));
        tokio::fs::create_dir_all(&self.root).await.map_err(io)?;
        tokio::fs::write(&probe, b"ok").await.map_err(io)?;
        tokio::fs::remove_file(&probe).await.map_err(io)
    }
}

#[cfg(test)]
#[path = "local_tests.rs"]
mod tests;
