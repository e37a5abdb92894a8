//! Shared harness for the in-process HTTP tests: one server per test, on a fresh
//! data folder, driven through `tower::ServiceExt::oneshot`.
#![allow(dead_code)] // Each test crate uses a different subset.

pub mod genesys;
pub mod video;
pub mod watch;

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use clap::Parser;
use http_body_util::BodyExt;
use md5::{Digest, Md5};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sha2::Sha256;
use tempfile::TempDir;
use tower::ServiceExt;
use vidreply_core::protocol::{
    CaptureLink, ErrorBody, ErrorEnvelope, ListPartsResponse, SignPartsResponse, SignedPart,
    UploadSession, UploadedPart, Video,
};
use vidreply_server::token::{Claims, Scope, TokenKeys};
use vidreply_server::{AppState, Settings, app, build_state};

pub const API_KEY: &str = "test-api-key-5f1c2a9e-0123456789abcdef";
pub const SECRET: &str = "test-signing-secret-0123456789abcdef";
pub const PUBLIC_URL: &str = "http://127.0.0.1:8080/";
pub const PART_SIZE: usize = 1024;
pub const WEBM: &str = "video/webm;codecs=vp9,opus";
pub const WEBM_MAGIC: [u8; 4] = [0x1A, 0x45, 0xDF, 0xA3];

pub struct Server {
    pub dir: TempDir,
    pub app: Router,
    pub state: AppState,
}

/// One answer, body fully read.
#[derive(Debug)]
pub struct Resp {
    pub method: Method,
    pub uri: String,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Send one request to a router (a clone, so calls can run at once), body fully
/// read; no answer in these tests may be a server error.
pub async fn call(app: Router, req: Request<Body>) -> Resp {
    let method = req.method().clone();
    let uri = req.uri().to_string();
    let res = app.oneshot(req).await.expect("infallible");
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.expect("body").to_bytes();
    assert!(
        !status.is_server_error(),
        "{method} {uri} answered {status}: {}",
        String::from_utf8_lossy(&body)
    );
    Resp {
        method,
        uri,
        status,
        headers,
        body,
    }
}

impl Server {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// A server with more settings (later flags win).
    pub async fn start_with(extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().to_str().expect("utf-8 temp path").to_string();
        let dist = dir.path().join("dist").to_str().unwrap().to_string();
        let mut args: Vec<String> = [
            "vidreply-server",
            "--data-dir",
            &data,
            "--dist-dir",
            &dist,
            "--storage",
            "local",
            "--public-url",
            PUBLIC_URL,
            "--part-size",
            &PART_SIZE.to_string(),
            "--api-key",
            API_KEY,
            "--signing-secret",
            SECRET,
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        args.extend(extra.iter().map(|a| a.to_string()));
        let settings = Settings::try_parse_from(args).expect("settings parse");
        let state = build_state(settings).await.expect("state builds");
        Self {
            app: app(state.clone()),
            state,
            dir,
        }
    }

    pub fn data(&self) -> &Path {
        self.dir.path()
    }

    /// The local backend's folder for one storage upload id.
    pub fn multipart_dir(&self, storage_id: &str) -> PathBuf {
        self.data().join("storage/multipart").join(storage_id)
    }

    pub fn object_path(&self, video_id: &str) -> PathBuf {
        self.data()
            .join("storage/objects/videos")
            .join(video_id)
            .join("original.webm")
    }

    /// Send one request; no answer in these tests may be a server error.
    pub async fn send(&self, req: Request<Body>) -> Resp {
        call(self.app.clone(), req).await
    }

    /// A complete that must have succeeded and stored exactly `bytes`; returns the video.
    pub fn expect_video(&self, r: &Resp, bytes: &[u8]) -> Video {
        r.expect_status(StatusCode::OK);
        let video: Video = r.json();
        let stored = std::fs::read(self.object_path(&video.video_id)).expect("stored object");
        assert!(
            stored == bytes,
            "stored {} bytes, sent {}",
            stored.len(),
            bytes.len()
        );
        video
    }

    /// A completed (not yet processed) one-part video of `conversation`; returns
    /// (its capture token, its video id).
    pub async fn completed_video(&self, conversation: &str) -> (String, String) {
        let token = self.token(conversation).await;
        self.completed_video_with(token).await
    }

    /// A completed one-part video recorded with `token`; returns (token, video id).
    pub async fn completed_video_with(&self, token: String) -> (String, String) {
        let up = self.create_upload(&token).await;
        let bytes = recording(PART_SIZE / 2);
        let etag = self
            .upload_part(&token, &up.upload_id, 1, bytes.clone())
            .await;
        let r = self
            .complete(&token, &up.upload_id, &[(1, &etag)], None)
            .await;
        (token, self.expect_video(&r, &bytes).video_id)
    }

    /// A request with an optional bearer and an optional raw JSON body.
    pub async fn raw(&self, method: Method, uri: &str, bearer: Option<&str>, body: &str) -> Resp {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(t) = bearer {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = if body.is_empty() {
            b.body(Body::empty())
        } else {
            b.header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
        };
        self.send(req.expect("request")).await
    }

    pub async fn post(&self, uri: &str, bearer: Option<&str>, body: Value) -> Resp {
        self.raw(Method::POST, uri, bearer, &body.to_string()).await
    }

    pub async fn get(&self, uri: &str, bearer: Option<&str>) -> Resp {
        self.raw(Method::GET, uri, bearer, "").await
    }

    pub async fn delete(&self, uri: &str, bearer: Option<&str>) -> Resp {
        self.raw(Method::DELETE, uri, bearer, "").await
    }

    /// A capture link for `conversation`, made with the API key.
    pub async fn link(&self, conversation: &str) -> CaptureLink {
        let r = self
            .post(
                "/api/v1/capture-links",
                Some(API_KEY),
                json!({ "conversationId": conversation }),
            )
            .await;
        r.expect_status(StatusCode::CREATED);
        r.json()
    }

    /// A capture token for `conversation`.
    pub async fn token(&self, conversation: &str) -> String {
        self.link(conversation).await.token
    }

    pub async fn create_upload(&self, token: &str) -> UploadSession {
        let r = self
            .post("/api/v1/uploads", Some(token), json!({ "mimeType": WEBM }))
            .await;
        r.expect_status(StatusCode::CREATED);
        r.json()
    }

    pub async fn sign(&self, token: &str, upload: &str, parts: &[u32]) -> Vec<SignedPart> {
        let r = self
            .post(
                &format!("/api/v1/uploads/{upload}/sign"),
                Some(token),
                json!({ "partNumbers": parts }),
            )
            .await;
        r.expect_status(StatusCode::OK);
        r.json::<SignPartsResponse>().parts
    }

    /// PUT bytes to a signed part URL: in-process for the local backend, over HTTP
    /// for S3 (the URL then names the S3 server).
    pub async fn put(&self, url: &str, bytes: Vec<u8>) -> Resp {
        if !url.starts_with(PUBLIC_URL) {
            let res = reqwest::Client::new()
                .put(url)
                .body(bytes)
                .send()
                .await
                .expect("S3 answers");
            return Resp {
                method: Method::PUT,
                uri: "<signed S3 URL>".into(),
                status: res.status(),
                headers: res.headers().clone(),
                body: res.bytes().await.expect("body"),
            };
        }
        let req = Request::builder()
            .method(Method::PUT)
            .uri(path_and_query(url))
            .body(Body::from(bytes))
            .expect("request");
        self.send(req).await
    }

    /// PUT a part that must be accepted; returns its ETag.
    pub async fn put_ok(&self, url: &str, bytes: Vec<u8>) -> String {
        let want = md5_etag(&bytes);
        let r = self.put(url, bytes).await;
        r.expect_status(StatusCode::OK);
        let etag = r
            .headers
            .get(header::ETAG)
            .expect("ETag header")
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(etag, want, "ETag is the quoted MD5 of the part");
        etag
    }

    /// Upload `parts` as parts 1, 2, 3… and complete with them.
    pub async fn upload_and_complete(&self, token: &str, upload: &str, parts: &[Vec<u8>]) -> Resp {
        let mut etags = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            etags.push(
                self.upload_part(token, upload, i as u32 + 1, p.clone())
                    .await,
            );
        }
        let refs: Vec<(u32, &str)> = etags
            .iter()
            .enumerate()
            .map(|(i, e)| (i as u32 + 1, e.as_str()))
            .collect();
        self.complete(token, upload, &refs, None).await
    }

    /// Sign part URLs for bodies of the given sizes.
    pub async fn sign_sized(
        &self,
        token: &str,
        upload: &str,
        parts: &[(u32, u64)],
    ) -> Vec<SignedPart> {
        let (numbers, sizes): (Vec<u32>, Vec<u64>) = parts.iter().copied().unzip();
        let r = self
            .post(
                &format!("/api/v1/uploads/{upload}/sign"),
                Some(token),
                json!({ "partNumbers": numbers, "partSizes": sizes }),
            )
            .await;
        r.expect_status(StatusCode::OK);
        r.json::<SignPartsResponse>().parts
    }

    /// Sign and PUT one part (its URL signed for its size, as the browser does);
    /// returns its ETag.
    pub async fn upload_part(&self, token: &str, upload: &str, n: u32, bytes: Vec<u8>) -> String {
        let len = bytes.len() as u64;
        let signed = if (1..=self.state.settings.part_size).contains(&len) {
            self.sign_sized(token, upload, &[(n, len)]).await
        } else {
            self.sign(token, upload, &[n]).await
        };
        self.put_ok(&signed[0].url, bytes).await
    }

    pub async fn list(&self, token: &str, upload: &str) -> Vec<UploadedPart> {
        let r = self
            .get(&format!("/api/v1/uploads/{upload}/parts"), Some(token))
            .await;
        r.expect_status(StatusCode::OK);
        r.json::<ListPartsResponse>().parts
    }

    pub async fn complete(
        &self,
        token: &str,
        upload: &str,
        parts: &[(u32, &str)],
        total_bytes: Option<u64>,
    ) -> Resp {
        let parts: Vec<Value> = parts
            .iter()
            .map(|(n, e)| json!({ "partNumber": n, "etag": e }))
            .collect();
        let mut body = json!({ "parts": parts });
        if let Some(t) = total_bytes {
            body["totalBytes"] = json!(t);
        }
        self.post(
            &format!("/api/v1/uploads/{upload}/complete"),
            Some(token),
            body,
        )
        .await
    }
}

impl Resp {
    pub fn expect_status(&self, status: StatusCode) {
        assert_eq!(
            self.status,
            status,
            "{} {}: {}",
            self.method,
            self.uri,
            String::from_utf8_lossy(&self.body)
        );
    }

    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} {}: body is not the expected JSON ({e}): {}",
                self.method,
                self.uri,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header"))
    }

    /// Assert an API error: status, code, and the `{"error":{code,message,requestId}}`
    /// envelope whose request id matches the `x-request-id` header.
    pub fn api_error(&self, status: StatusCode, code: &str) -> ErrorBody {
        self.expect_status(status);
        assert_eq!(self.header("content-type"), Some("application/json"));
        let raw: Value = self.json();
        let obj = raw["error"].as_object().expect("error object");
        for key in ["code", "message", "requestId"] {
            assert!(obj[key].is_string(), "error.{key} missing: {raw}");
        }
        let body = self.json::<ErrorEnvelope>().error;
        assert_eq!(body.code, code, "{raw}");
        assert!(!body.message.trim().is_empty(), "{raw}");
        assert!(!body.request_id.is_empty(), "{raw}");
        assert_eq!(
            self.header("x-request-id"),
            Some(body.request_id.as_str()),
            "requestId equals the x-request-id header"
        );
        body
    }

    /// Assert a 400 naming `field`.
    pub fn field_error(&self, field: &str) -> ErrorBody {
        let body = self.api_error(StatusCode::BAD_REQUEST, "invalid_field");
        assert_eq!(body.field.as_deref(), Some(field), "{}", self.text());
        let root = field.split(['[', '.']).next().unwrap_or(field);
        assert!(body.message.contains(root), "message names the field");
        body
    }

    /// Assert an S3-shaped refusal from the local storage routes.
    pub fn storage_error(&self, status: StatusCode, code: &str) {
        self.expect_status(status);
        assert_eq!(self.header("content-type"), Some("application/xml"));
        assert!(
            self.text().contains(&format!("<Code>{code}</Code>")),
            "{}",
            self.text()
        );
        assert!(self.header("x-request-id").is_some_and(|v| !v.is_empty()));
    }
}

/// A fake recording: WebM magic bytes, then a deterministic pattern.
pub fn recording(len: usize) -> Vec<u8> {
    let mut v: Vec<u8> = (0..len).map(|i| (i * 31 + 7) as u8).collect();
    v[..4].copy_from_slice(&WEBM_MAGIC);
    v
}

/// Split a recording into parts of `PART_SIZE` (the last may be shorter).
pub fn chunks(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes.chunks(PART_SIZE).map(<[u8]>::to_vec).collect()
}

pub fn path_and_query(url: &str) -> String {
    let u = url::Url::parse(url).expect("absolute URL");
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    }
}

/// The storage upload id inside a signed part URL `/storage/parts/<id>/<n>`.
pub fn storage_id(signed_url: &str) -> String {
    let u = url::Url::parse(signed_url).expect("absolute URL");
    let segs: Vec<&str> = u.path_segments().expect("path").collect();
    assert_eq!(&segs[..2], ["storage", "parts"], "{signed_url}");
    segs[2].to_string()
}

/// Replace one query parameter of a URL's path+query.
pub fn with_query(url: &str, name: &str, value: &str) -> String {
    let mut u = url::Url::parse(url).expect("absolute URL");
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name {
                value.to_string()
            } else {
                v.into()
            };
            (k.into_owned(), v)
        })
        .collect();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    u.into()
}

pub fn query_param(url: &str, name: &str) -> String {
    url::Url::parse(url)
        .expect("absolute URL")
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("{url} has no {name}"))
}

pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn md5_etag(bytes: &[u8]) -> String {
    format!("\"{}\"", hex::encode(Md5::digest(bytes)))
}

pub fn now() -> u64 {
    vidreply_server::clock::unix_now()
}

/// A record-scoped token signed with `secret`, expiring at `exp`.
pub fn forge_token(secret: &str, conversation: &str, exp: u64) -> String {
    TokenKeys::new(secret.as_bytes()).issue(&Claims {
        sub: conversation.into(),
        cus: None,
        scope: Scope::Record,
        iat: exp.saturating_sub(3600),
        exp,
        jti: "forged".into(),
        rol: Default::default(),
        vid: None,
        sid: None,
        agt: None,
    })
}
