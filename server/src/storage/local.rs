//! Local-disk backend for the embedded default.
//!
//! Layout under `root`: `objects/<key>` for finished videos, and
//! `multipart/<upload id>/<part number>` (+ `.etag`) for parts in progress, with
//! the parts assembled so far beside them (`local_assemble.rs`).
//! Part URLs point back at this server and carry an HMAC signature and expiry, made
//! with a key of their own derived from the signing secret.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use url::Url;
use vidreply_core::protocol::{CompletedPart, UploadedPart};

use super::{
    Backend, MultipartStore, ObjectStore, ServesOwnUrls, StorageError, WritePartError, dedupe_parts,
};

#[path = "local_assemble.rs"]
mod assemble;
#[path = "local_urls.rs"]
mod urls;

pub struct LocalStore {
    root: PathBuf,
    base: Url,
    secret: Vec<u8>,
    /// One lock per upload being assembled: parts append in order, and complete
    /// waits for an append in progress.
    assembling: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Whether `trash/` was emptied once since start (leftovers of a crash).
    swept: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for LocalStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalStore")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
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

/// The parts stored in an upload's folder (blocking: run it off the runtime).
fn list_dir(dir: &Path) -> Result<Vec<UploadedPart>, StorageError> {
    let rd = std::fs::read_dir(dir).map_err(|_| StorageError::NoSuchUpload)?;
    let mut parts = Vec::new();
    for entry in rd {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().to_string();
        let Ok(n) = name.parse::<u32>() else { continue };
        let etag = std::fs::read_to_string(dir.join(format!("{name}.etag"))).map_err(io)?;
        let size = entry.metadata().map_err(io)?.len();
        parts.push(UploadedPart {
            part_number: n,
            etag,
            size,
        });
    }
    Ok(parts)
}

impl LocalStore {
    /// URLs are signed with the signing secret's key for local storage URLs only.
    pub fn new(root: PathBuf, base: Url, signing_secret: &[u8]) -> Self {
        let key = crate::secrets::Purpose::LocalStorageUrls.key(signing_secret);
        let secret = key.to_vec();
        let assembling = Mutex::default();
        Self {
            root,
            base,
            secret,
            assembling,
            swept: Default::default(),
        }
    }

    fn assembly_lock(&self, upload_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.assembling.lock().unwrap_or_else(|e| e.into_inner());
        locks.entry(upload_id.to_string()).or_default().clone()
    }

    fn drop_assembly_lock(&self, upload_id: &str) {
        let mut locks = self.assembling.lock().unwrap_or_else(|e| e.into_inner());
        locks.remove(upload_id);
    }

    /// A part was stored: append it (and any parts after it) to the assembled
    /// prefix, in the background so the part's PUT is answered at once; complete
    /// waits for it (the same lock) and has only the rest to copy. A failure here
    /// costs complete time, never a byte: complete checks and redoes what it needs.
    pub(super) fn assemble_ahead(&self, upload_id: &str, dir: &Path) {
        let lock = self.assembly_lock(upload_id);
        let dir = dir.to_path_buf();
        tokio::spawn(async move {
            let _held = lock.lock().await;
            if let Err(e) = assemble::advance(&dir).await {
                tracing::warn!(error = %e, "assembling ahead failed; complete will copy the parts");
            }
        });
    }

    /// Take an upload's folder out of `multipart/` now (a rename) and delete it in
    /// the background. What a crash leaves in `trash/` goes with the next discard.
    async fn discard(&self, dir: &Path, upload_id: &str) -> Result<(), StorageError> {
        let trash = self.root.join("trash");
        tokio::fs::create_dir_all(&trash).await.map_err(io)?;
        let aside = trash.join(format!("{upload_id}.{}", uuid::Uuid::new_v4()));
        match tokio::fs::rename(dir, &aside).await {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            other => other.map_err(io)?,
        }
        let sweep = !self.swept.swap(true, std::sync::atomic::Ordering::Relaxed);
        tokio::spawn(async move {
            let mut gone = vec![aside];
            if sweep {
                gone = std::fs::read_dir(&trash)
                    .map(|rd| rd.flatten().map(|e| e.path()).collect())
                    .unwrap_or(gone);
            }
            for path in gone {
                match tokio::fs::remove_dir_all(&path).await {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        tracing::warn!(error = %e, "deleting a finished upload's parts failed");
                    }
                    _ => {}
                }
            }
        });
        Ok(())
    }

    fn upload_dir(&self, upload_id: &str) -> Result<PathBuf, StorageError> {
        let rel = safe_rel(upload_id).ok_or(StorageError::NoSuchUpload)?;
        Ok(self.root.join("multipart").join(rel))
    }

    fn object_file(&self, key: &str) -> Result<PathBuf, StorageError> {
        let rel = safe_rel(key).ok_or(StorageError::NoSuchObject)?;
        Ok(self.root.join("objects").join(rel))
    }
}

#[async_trait::async_trait]
impl MultipartStore for LocalStore {
    async fn create_multipart(
        &self,
        key: &str,
        _content_type: &str,
    ) -> Result<String, StorageError> {
        self.object_file(key)?;
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
        // One trip to the blocking pool for the whole folder, not three per part:
        // complete lists every part, and a ten-minute recording has forty.
        let parts = tokio::task::spawn_blocking(move || list_dir(&dir))
            .await
            .map_err(|e| StorageError::Unavailable(format!("local disk: {e}")))??;
        Ok(dedupe_parts(parts))
    }

    async fn put_part(
        &self,
        _key: &str,
        upload_id: &str,
        part: u32,
        body: bytes::Bytes,
        md5: [u8; 16],
    ) -> Result<String, StorageError> {
        let len = body.len() as u64;
        let stream = futures_util::stream::once(async move { Ok(body) });
        match self
            .write_part(upload_id, part, Box::pin(stream), len, Some(md5))
            .await
        {
            Ok(etag) => Ok(etag),
            Err(WritePartError::Storage(e)) => Err(e),
            Err(e) => Err(StorageError::Rejected(e.to_string())),
        }
    }

    async fn complete(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
    ) -> Result<(), StorageError> {
        let dir = self.upload_dir(upload_id)?;
        let dest = self.object_file(key)?;
        if !tokio::fs::try_exists(&dir).await.map_err(io)? {
            return Err(StorageError::NoSuchUpload);
        }
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(io)?;
        }
        let lock = self.assembly_lock(upload_id);
        let held = lock.lock().await;
        let assembled = assemble::finish(&dir, parts).await?;
        tokio::fs::rename(&assembled, &dest).await.map_err(io)?;
        // Deleting the parts takes time that grows with the video (the file system
        // frees every block): move them aside at once, delete them after answering.
        // The lock is held until they are aside, so no append starts in the folder.
        let discarded = self.discard(&dir, upload_id).await;
        drop(held);
        self.drop_assembly_lock(upload_id);
        discarded
    }

    async fn abort(&self, _key: &str, upload_id: &str) -> Result<(), StorageError> {
        let dir = self.upload_dir(upload_id)?;
        // An append in progress finishes first (it writes into the folder; deleting
        // under it failed with "Directory not empty"); one queued after finds no key.
        let lock = self.assembly_lock(upload_id);
        let held = lock.lock().await;
        let discarded = self.discard(&dir, upload_id).await;
        drop(held);
        self.drop_assembly_lock(upload_id);
        discarded
    }
}

#[async_trait::async_trait]
impl ObjectStore for LocalStore {
    async fn read_head(&self, key: &str, len: usize) -> Result<Vec<u8>, StorageError> {
        let path = self.object_file(key)?;
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
        let path = self.object_file(key)?;
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
        match tokio::fs::copy(self.object_file(key)?, dest).await {
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
        let dest = self.object_file(key)?;
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
}

#[async_trait::async_trait]
impl Backend for LocalStore {
    fn name(&self) -> &'static str {
        "local"
    }

    fn own_urls(self: std::sync::Arc<Self>) -> Option<std::sync::Arc<dyn ServesOwnUrls>> {
        Some(self)
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
