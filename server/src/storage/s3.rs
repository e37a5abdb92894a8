//! S3-compatible backend: rusty-s3 signs (SigV4, sans-IO), reqwest sends.

use std::time::Duration;

use rusty_s3::actions::{
    AbortMultipartUpload, CompleteMultipartUpload, CreateMultipartUpload, DeleteObject, GetObject,
    HeadBucket, ListParts, UploadPart,
};
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use url::Url;
use vidreply_core::protocol::{CompletedPart, UploadedPart};

use super::{Backend, MultipartStore, ObjectStore, StorageError, dedupe_parts};

/// Lifetime of the URLs the server signs for its own calls to S3.
pub(super) const SERVER_CALL_TTL: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct S3Config {
    pub endpoint: Url,
    pub region: String,
    pub bucket: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub path_style: bool,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint.as_str())
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("path_style", &self.path_style)
            .finish_non_exhaustive()
    }
}

pub struct S3Store {
    bucket: Bucket,
    creds: Credentials,
    http: reqwest::Client,
    /// Parts per ListParts answer; `None` leaves S3's default (and maximum), 1000.
    list_page: Option<u16>,
}

impl std::fmt::Debug for S3Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Store")
            .field("bucket", &self.bucket.name())
            .finish_non_exhaustive()
    }
}

pub(super) fn unavailable(e: reqwest::Error) -> StorageError {
    // reqwest errors can include the signed URL: keep only the kind.
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else {
        "request"
    };
    StorageError::Unavailable(format!("S3 {kind} error"))
}

/// The `<Code>` of an S3 XML error body, if any.
fn s3_code(body: &str) -> Option<&str> {
    let start = body.find("<Code>")? + 6;
    let end = body[start..].find("</Code>")? + start;
    Some(&body[start..end])
}

impl S3Store {
    pub fn new(cfg: &S3Config) -> Result<Self, String> {
        let style = if cfg.path_style {
            UrlStyle::Path
        } else {
            UrlStyle::VirtualHost
        };
        let bucket = Bucket::new(
            cfg.endpoint.clone(),
            style,
            cfg.bucket.clone(),
            cfg.region.clone(),
        )
        .map_err(|e| format!("invalid S3 settings: {e}"))?;
        let creds = Credentials::new(cfg.access_key_id.clone(), cfg.secret_access_key.clone());
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Self {
            bucket,
            creds,
            http,
            list_page: None,
        })
    }

    /// Ask for at most `parts` parts per ListParts call (tests use small pages
    /// to exercise pagination without uploading 1000 parts).
    pub fn with_list_page_size(mut self, parts: u16) -> Self {
        self.list_page = Some(parts.max(1));
        self
    }

    pub(super) fn bucket(&self) -> &Bucket {
        &self.bucket
    }

    pub(super) fn creds(&self) -> &Credentials {
        &self.creds
    }

    pub(super) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Send a request and return the body of a 2xx answer; S3 error codes are classified.
    pub(super) async fn send(&self, req: reqwest::RequestBuilder) -> Result<String, StorageError> {
        self.send_with_etag(req).await.map(|(_, body)| body)
    }

    /// [`Self::send`], also answering the `ETag` header (UploadPart's result).
    pub(super) async fn send_with_etag(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<(Option<String>, String), StorageError> {
        let res = req.send().await.map_err(unavailable)?;
        let status = res.status();
        let etag = res
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = res.text().await.map_err(unavailable)?;
        if status.is_success() {
            // S3 may answer 200 and still put an error in the body.
            if body.contains("<Error>") {
                return Err(StorageError::Rejected(
                    s3_code(&body).unwrap_or("error").to_string(),
                ));
            }
            return Ok((etag, body));
        }
        match s3_code(&body) {
            Some("NoSuchUpload") => Err(StorageError::NoSuchUpload),
            Some("NoSuchKey") => Err(StorageError::NoSuchObject),
            Some(code) if status.is_client_error() => Err(StorageError::Rejected(code.to_string())),
            code => Err(StorageError::Unavailable(format!(
                "S3 answered {status} {}",
                code.unwrap_or("")
            ))),
        }
    }
}

#[async_trait::async_trait]
impl MultipartStore for S3Store {
    async fn create_multipart(
        &self,
        key: &str,
        content_type: &str,
    ) -> Result<String, StorageError> {
        let mut action = CreateMultipartUpload::new(&self.bucket, Some(&self.creds), key);
        action
            .headers_mut()
            .insert("content-type", content_type.to_string());
        let url = action.sign(SERVER_CALL_TTL);
        let body = self
            .send(self.http.post(url).header("content-type", content_type))
            .await?;
        let parsed = CreateMultipartUpload::parse_response(&body)
            .map_err(|e| StorageError::Unavailable(format!("S3 create answer: {e}")))?;
        Ok(parsed.upload_id().to_string())
    }

    fn sign_part(&self, key: &str, upload_id: &str, part: u32, size: u64, ttl: Duration) -> String {
        let part = u16::try_from(part).expect("part numbers are validated to ≤ 10000");
        let mut action = UploadPart::new(&self.bucket, Some(&self.creds), key, part, upload_id);
        // A signed header: S3 refuses a PUT whose body is not exactly `size` bytes,
        // so a browser cannot store more than the server agreed to.
        action
            .headers_mut()
            .insert("content-length", size.to_string());
        action.sign(ttl).into()
    }

    async fn put_part(
        &self,
        key: &str,
        upload_id: &str,
        part: u32,
        body: bytes::Bytes,
        md5: [u8; 16],
    ) -> Result<String, StorageError> {
        self.upload_part(key, upload_id, part, body, md5).await
    }

    async fn list_parts(
        &self,
        key: &str,
        upload_id: &str,
    ) -> Result<Vec<UploadedPart>, StorageError> {
        // SeaweedFS keeps every upload of a part number as its own entry, lists
        // them in no particular order, and may end a page between two of them.
        // So each page after the first starts again at the previous page's last
        // part number (when that still moves forward), and the newest entry wins.
        let mut out = Vec::new();
        let mut marker: u16 = 0;
        loop {
            let mut action = ListParts::new(&self.bucket, Some(&self.creds), key, upload_id);
            if let Some(n) = self.list_page {
                action.set_max_parts(n);
            }
            if marker > 0 {
                action.set_part_number_marker(marker);
            }
            let body = self
                .send(self.http.get(action.sign(SERVER_CALL_TTL)))
                .await?;
            let page = ListParts::parse_response(&body)
                .map_err(|e| StorageError::Unavailable(format!("S3 list answer: {e}")))?;
            out.extend(page.parts.into_iter().map(|p| {
                let part = UploadedPart {
                    part_number: p.number as u32,
                    etag: p.etag,
                    size: p.size,
                };
                (p.last_modified, part)
            }));
            // rusty-s3 keeps the marker only on truncated pages, and never 0.
            let Some(next) = page.next_part_number_marker else {
                break;
            };
            let from = if next - 1 > marker { next - 1 } else { next };
            if from <= marker {
                break;
            }
            marker = from;
        }
        // Timestamps of one server share a format, so they sort as text; the sort
        // is stable, so equal times keep their listed order.
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(dedupe_parts(out.into_iter().map(|(_, p)| p).collect()))
    }

    async fn complete(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
    ) -> Result<(), StorageError> {
        let etags = parts.iter().map(|p| p.etag.as_str());
        let action =
            CompleteMultipartUpload::new(&self.bucket, Some(&self.creds), key, upload_id, etags);
        let url = action.sign(SERVER_CALL_TTL);
        self.send(self.http.post(url).body(action.body()))
            .await
            .map(|_| ())
    }

    async fn abort(&self, key: &str, upload_id: &str) -> Result<(), StorageError> {
        let url = AbortMultipartUpload::new(&self.bucket, Some(&self.creds), key, upload_id)
            .sign(SERVER_CALL_TTL);
        match self.send(self.http.delete(url)).await {
            Ok(_) | Err(StorageError::NoSuchUpload) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[async_trait::async_trait]
impl ObjectStore for S3Store {
    async fn read_head(&self, key: &str, len: usize) -> Result<Vec<u8>, StorageError> {
        let url = GetObject::new(&self.bucket, Some(&self.creds), key).sign(SERVER_CALL_TTL);
        let range = format!("bytes=0-{}", len.saturating_sub(1));
        let res = self
            .http
            .get(url)
            .header("range", range)
            .send()
            .await
            .map_err(unavailable)?;
        if res.status() == reqwest::StatusCode::NOT_FOUND {
            return Err(StorageError::NoSuchObject);
        }
        if !res.status().is_success() {
            return Err(StorageError::Unavailable(format!(
                "S3 answered {}",
                res.status()
            )));
        }
        let bytes = res.bytes().await.map_err(unavailable)?;
        Ok(bytes[..bytes.len().min(len)].to_vec())
    }

    fn sign_get(&self, key: &str, ttl: Duration) -> String {
        GetObject::new(&self.bucket, Some(&self.creds), key)
            .sign(ttl)
            .into()
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let url = DeleteObject::new(&self.bucket, Some(&self.creds), key).sign(SERVER_CALL_TTL);
        self.send(self.http.delete(url)).await.map(|_| ())
    }

    async fn download(&self, key: &str, dest: &std::path::Path) -> Result<u64, StorageError> {
        self.get_to_file(key, dest).await
    }

    async fn upload_file(
        &self,
        key: &str,
        src: &std::path::Path,
        content_type: &str,
    ) -> Result<(), StorageError> {
        self.put_from_file(key, src, content_type).await
    }

    async fn list_keys(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        self.keys_under(prefix).await
    }
}

#[async_trait::async_trait]
impl Backend for S3Store {
    fn name(&self) -> &'static str {
        "s3"
    }

    async fn ping(&self) -> Result<(), StorageError> {
        let url = HeadBucket::new(&self.bucket, Some(&self.creds)).sign(SERVER_CALL_TTL);
        self.send(self.http.head(url)).await.map(|_| ())
    }
}
