//! Whole-object transfers and listings for the S3 backend (processing and retention).

use std::path::Path;

use futures_util::StreamExt;
use rusty_s3::S3Action;
use rusty_s3::actions::{GetObject, ListObjectsV2, PutObject, UploadPart};
use tokio::io::AsyncWriteExt;

use super::StorageError;
use super::s3::{S3Store, SERVER_CALL_TTL, unavailable};

fn io(e: std::io::Error) -> StorageError {
    StorageError::Unavailable(format!("local disk: {e}"))
}

impl S3Store {
    pub(super) async fn get_to_file(&self, key: &str, dest: &Path) -> Result<u64, StorageError> {
        let url = GetObject::new(self.bucket(), Some(self.creds()), key).sign(SERVER_CALL_TTL);
        let res = self.http().get(url).send().await.map_err(unavailable)?;
        if res.status() == reqwest::StatusCode::NOT_FOUND {
            return Err(StorageError::NoSuchObject);
        }
        if !res.status().is_success() {
            return Err(StorageError::Unavailable(format!(
                "S3 answered {}",
                res.status()
            )));
        }
        let mut file = tokio::fs::File::create(dest).await.map_err(io)?;
        let mut body = res.bytes_stream();
        let mut n = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(unavailable)?;
            n += chunk.len() as u64;
            file.write_all(&chunk).await.map_err(io)?;
        }
        file.flush().await.map_err(io)?;
        Ok(n)
    }

    /// UploadPart from bytes in memory; S3 checks them against `Content-MD5`.
    pub(super) async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        part: u32,
        body: bytes::Bytes,
        md5: [u8; 16],
    ) -> Result<String, StorageError> {
        use base64::Engine as _;
        let part = u16::try_from(part)
            .map_err(|_| StorageError::Rejected(format!("InvalidArgument: part {part}")))?;
        let action = UploadPart::new(self.bucket(), Some(self.creds()), key, part, upload_id);
        let url = action.sign(SERVER_CALL_TTL);
        let req = self
            .http()
            .put(url)
            .header("content-length", body.len())
            .header(
                "content-md5",
                base64::engine::general_purpose::STANDARD.encode(md5),
            )
            .body(body);
        let (etag, _) = self.send_with_etag(req).await?;
        etag.ok_or_else(|| {
            StorageError::Unavailable("S3 answered UploadPart without an ETag".into())
        })
    }

    pub(super) async fn put_from_file(
        &self,
        key: &str,
        src: &Path,
        content_type: &str,
    ) -> Result<(), StorageError> {
        let url = PutObject::new(self.bucket(), Some(self.creds()), key).sign(SERVER_CALL_TTL);
        let file = tokio::fs::File::open(src).await.map_err(io)?;
        let len = file.metadata().await.map_err(io)?.len();
        let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(file));
        let req = self
            .http()
            .put(url)
            .header("content-type", content_type)
            .header("content-length", len)
            .body(body);
        self.send(req).await.map(|_| ())
    }

    pub(super) async fn keys_under(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut action = ListObjectsV2::new(self.bucket(), Some(self.creds()));
            action.with_prefix(prefix);
            if let Some(t) = &token {
                action.with_continuation_token(t.clone());
            }
            let body = self
                .send(self.http().get(action.sign(SERVER_CALL_TTL)))
                .await?;
            let page = ListObjectsV2::parse_response(&body)
                .map_err(|e| StorageError::Unavailable(format!("S3 list answer: {e}")))?;
            keys.extend(page.contents.into_iter().map(|c| c.key));
            match page.next_continuation_token {
                Some(t) if token.as_deref() != Some(t.as_str()) => token = Some(t),
                _ => break,
            }
        }
        keys.sort();
        Ok(keys)
    }
}
