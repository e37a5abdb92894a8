//! Thin HTTP shell: the server's JSON API and part PUTs, over `fetch`.
//!
//! Every failure comes back as a [`Failure`] for core's one classifier.

use js_sys::Promise;
use serde::Serialize;
use serde::de::DeserializeOwned;
use vidreply_core::Failure;
use vidreply_core::protocol::{
    AgentVideoSend, CompleteUploadRequest, CreateUploadRequest, ListPartsResponse,
    SendVideoRequest, SignPartsRequest, SignPartsResponse, SignedPart, UploadSession, UploadedPart,
    Video,
};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, Headers, ProgressEvent, RequestInit, Response, XmlHttpRequest};

use crate::browser::window;

/// The server's API, authorised by a capture token.
#[derive(Clone)]
pub struct Api {
    base: String,
    token: String,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

fn is_offline() -> bool {
    !window().navigator().on_line()
}

/// Run a fetch and turn every outcome that is not 2xx into a [`Failure`].
async fn send(url: &str, init: &RequestInit) -> Result<Response, Failure> {
    let res = JsFuture::from(window().fetch_with_str_and_init(url, init))
        .await
        .map_err(|_| {
            if is_offline() {
                Failure::Offline
            } else {
                Failure::Network
            }
        })?;
    let res: Response = res.unchecked_into();
    if res.ok() {
        return Ok(res);
    }
    let retry_after_ms = retry_after_ms(res.headers().get("retry-after").ok().flatten());
    let body = text(&res).await.unwrap_or_default();
    Err(Failure::Status {
        status: res.status(),
        body: body.chars().take(2048).collect(),
        retry_after_ms,
    })
}

/// `Retry-After` in seconds, as milliseconds.
fn retry_after_ms(header: Option<String>) -> Option<u64> {
    header?.trim().parse::<u64>().ok().map(|s| s * 1000)
}

async fn text(res: &Response) -> Result<String, Failure> {
    let p: Promise = res.text().map_err(|_| Failure::Network)?;
    let v = JsFuture::from(p).await.map_err(|_| Failure::Network)?;
    Ok(v.as_string().unwrap_or_default())
}

impl Api {
    pub fn new(base: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            base: base.into().trim_end_matches('/').to_string(),
            token: token.into(),
        }
    }

    async fn json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, Failure> {
        let headers = Headers::new().expect("Headers");
        let damaged = || Failure::Status {
            status: 400,
            body: r#"{"error":{"message":"This link is damaged. Ask for a new link."}}"#.into(),
            retry_after_ms: None,
        };
        headers
            .set("authorization", &format!("Bearer {}", self.token))
            .map_err(|_| damaged())?;
        let init = RequestInit::new();
        init.set_method(method);
        if let Some(b) = body {
            headers
                .set("content-type", "application/json")
                .map_err(|_| damaged())?;
            let s = serde_json::to_string(b).expect("request serialises");
            init.set_body(&JsValue::from_str(&s));
        }
        init.set_headers(&headers);
        let res = send(&format!("{}/api/v1{path}", self.base), &init).await?;
        let t = text(&res).await?;
        if t.is_empty() {
            return serde_json::from_str("null").map_err(|_| Failure::Network);
        }
        serde_json::from_str(&t).map_err(|e| Failure::Status {
            status: 502,
            body: format!("unexpected answer from server: {e}"),
            retry_after_ms: None,
        })
    }

    pub async fn create_upload(&self, mime_type: &str) -> Result<UploadSession, Failure> {
        let req = CreateUploadRequest {
            total_bytes: None,
            mime_type: mime_type.into(),
        };
        self.json("POST", "/uploads", Some(&req)).await
    }

    /// Sign part URLs, each for a body of exactly the size at its place in `sizes`.
    pub async fn sign(
        &self,
        upload_id: &str,
        parts: Vec<u32>,
        sizes: Vec<u64>,
    ) -> Result<SignPartsResponse, Failure> {
        let req = SignPartsRequest {
            part_numbers: parts,
            part_sizes: sizes,
        };
        self.json("POST", &format!("/uploads/{upload_id}/sign"), Some(&req))
            .await
    }

    pub async fn complete(
        &self,
        upload_id: &str,
        req: &CompleteUploadRequest,
    ) -> Result<Video, Failure> {
        self.json("POST", &format!("/uploads/{upload_id}/complete"), Some(req))
            .await
    }

    pub async fn list_parts(&self, upload_id: &str) -> Result<ListPartsResponse, Failure> {
        self.json::<(), _>("GET", &format!("/uploads/{upload_id}/parts"), None)
            .await
    }

    /// Send the poster JPEG taken in the browser.
    pub async fn put_poster(&self, upload_id: &str, jpeg: &Blob) -> Result<(), Failure> {
        let headers = Headers::new().map_err(|_| Failure::Network)?;
        let _ = headers.set("authorization", &format!("Bearer {}", self.token));
        let _ = headers.set("content-type", "image/jpeg");
        let init = RequestInit::new();
        init.set_method("PUT");
        init.set_headers(&headers);
        init.set_body(jpeg);
        let url = format!("{}/api/v1/uploads/{upload_id}/poster", self.base);
        send(&url, &init).await.map(|_| ())
    }

    /// Agent mode: send the share link to the customer on a channel.
    pub async fn send_video(
        &self,
        video_id: &str,
        req: &SendVideoRequest,
    ) -> Result<AgentVideoSend, Failure> {
        self.json("POST", &format!("/videos/{video_id}/send"), Some(req))
            .await
    }

    pub async fn abort(&self, upload_id: &str) -> Result<(), Failure> {
        self.json::<(), Option<()>>("DELETE", &format!("/uploads/{upload_id}"), None)
            .await
            .map(|_| ())
    }
}

/// Longest a part PUT may take (5 MiB at 150 kB/s, a weak 4G uplink).
const PUT_TIMEOUT_MS: u32 = 300_000;

/// PUT one part's bytes to a signed URL with XHR (fetch cannot report upload
/// progress). `Content-MD5` lets storage refuse a part corrupted on the way.
/// Returns the ETag storage answered with.
/// PUT a part's bytes with their Content-MD5 to `url` (a signed URL, or the
/// API's tail route with the capture token as `authorization`); answers the ETag.
pub async fn put_part(
    part: u32,
    url: &str,
    authorization: Option<&str>,
    bytes: &Blob,
    on_progress: impl Fn(f64) + 'static,
) -> Result<String, Failure> {
    use base64::Engine;
    use md5::Digest;
    let buf = JsFuture::from(bytes.array_buffer())
        .await
        .map_err(|_| Failure::Network)?;
    let digest = md5::Md5::digest(js_sys::Uint8Array::new(&buf).to_vec());
    let content_md5 = base64::engine::general_purpose::STANDARD.encode(digest);
    crate::browser::mark(&format!("vr:md5-done#{part}"));

    let xhr = XmlHttpRequest::new().map_err(|_| Failure::Network)?;
    xhr.open_with_async("PUT", url, true)
        .map_err(|_| Failure::Network)?;
    // A stalled PUT must not hold a parallelism slot forever.
    xhr.set_timeout(PUT_TIMEOUT_MS);
    xhr.set_request_header("Content-MD5", &content_md5)
        .map_err(|_| Failure::Network)?;
    if let Some(auth) = authorization {
        xhr.set_request_header("Authorization", auth)
            .map_err(|_| Failure::Network)?;
    }
    let progress =
        Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| on_progress(e.loaded()));
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    let done = Promise::new(&mut |resolve, _| xhr.set_onloadend(Some(&resolve)));
    xhr.send_with_opt_blob(Some(bytes))
        .map_err(|_| Failure::Network)?;
    let _ = JsFuture::from(done).await;
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(None);
    }
    drop(progress);
    let status = xhr.status().unwrap_or(0);
    if status == 0 {
        return Err(if is_offline() {
            Failure::Offline
        } else {
            Failure::Network
        });
    }
    if !(200..300).contains(&status) {
        let retry_after_ms = retry_after_ms(xhr.get_response_header("retry-after").ok().flatten());
        let body = xhr.response_text().ok().flatten().unwrap_or_default();
        return Err(Failure::Status {
            status,
            body: body.chars().take(2048).collect(),
            retry_after_ms,
        });
    }
    xhr.get_response_header("etag")
        .ok()
        .flatten()
        .filter(|e| !e.is_empty())
        .ok_or(Failure::Status {
            status: 502,
            body: "Storage did not expose the ETag header (check the bucket's CORS ExposeHeaders)."
                .into(),
            retry_after_ms: None,
        })
}

/// The upload loop's view of the server and storage.
impl vidreply_core::upload_drive::UploadApi for Api {
    type Bytes = Blob;

    async fn create_upload(&self, mime_type: &str) -> Result<UploadSession, Failure> {
        Api::create_upload(self, mime_type).await
    }
    async fn list_parts(&self, upload_id: &str) -> Result<Vec<UploadedPart>, Failure> {
        Api::list_parts(self, upload_id).await.map(|r| r.parts)
    }
    async fn sign_parts(
        &self,
        upload_id: &str,
        parts: Vec<u32>,
        sizes: Vec<u64>,
    ) -> Result<Vec<SignedPart>, Failure> {
        self.sign(upload_id, parts, sizes).await.map(|r| r.parts)
    }
    async fn put_part(
        &self,
        part: u32,
        url: &str,
        bytes: &Blob,
        on_progress: Box<dyn Fn(f64)>,
    ) -> Result<String, Failure> {
        put_part(part, url, None, bytes, on_progress).await
    }
    async fn put_tail(
        &self,
        upload_id: &str,
        part: u32,
        bytes: &Blob,
        on_progress: Box<dyn Fn(f64)>,
    ) -> Result<String, Failure> {
        let url = format!("{}/api/v1/uploads/{upload_id}/parts/{part}", self.base);
        let auth = format!("Bearer {}", self.token);
        put_part(part, &url, Some(&auth), bytes, on_progress).await
    }
    async fn complete_upload(
        &self,
        upload_id: &str,
        req: &CompleteUploadRequest,
    ) -> Result<Video, Failure> {
        self.complete(upload_id, req).await
    }
    async fn abort_upload(&self, upload_id: &str) -> Result<(), Failure> {
        self.abort(upload_id).await
    }
}
