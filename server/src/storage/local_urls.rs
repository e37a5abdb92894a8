//! The local backend's URLs: HMAC-signed with an expiry, answered by this server.

use std::path::PathBuf;
use std::time::Duration;

use futures_util::StreamExt;
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha2::Sha256;
use tokio::io::AsyncWriteExt;

use super::{LocalStore, io};
use crate::storage::{PartBody, ServesOwnUrls, StorageError, UrlRefusal, WritePartError};

impl LocalStore {
    fn mac(&self, msg: &str) -> String {
        let mut m = Hmac::<Sha256>::new_from_slice(&self.secret).expect("any key length");
        m.update(msg.as_bytes());
        hex::encode(m.finalize().into_bytes())
    }

    pub(super) fn signed(&self, path: &str, msg: &str, ttl: Duration) -> String {
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
}

#[async_trait::async_trait]
impl ServesOwnUrls for LocalStore {
    fn verify_part_url(
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

    fn verify_get_url(
        &self,
        key: &str,
        expires: u64,
        sig: &str,
        now_ms: u64,
    ) -> Result<(), UrlRefusal> {
        self.check(&format!("GET\n{key}"), expires, sig, now_ms)
    }

    async fn write_part(
        &self,
        upload_id: &str,
        part: u32,
        mut body: PartBody<'_>,
        max_len: u64,
        content_md5: Option<[u8; 16]>,
    ) -> Result<String, WritePartError> {
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
                let chunk = chunk.map_err(WritePartError::Body)?;
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
        self.assemble_ahead(upload_id, &dir);
        Ok(etag)
    }

    fn object_path(&self, key: &str) -> Result<PathBuf, StorageError> {
        self.object_file(key)
    }
}
