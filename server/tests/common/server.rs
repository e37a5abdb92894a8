//! One server per test on a fresh data folder, and requests sent to it in-process.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use clap::Parser;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tempfile::TempDir;
use tower::ServiceExt;
use vidreply_core::protocol::CaptureLink;
use vidreply_server::{AppState, Settings, app, build_state};

use super::{API_KEY, PART_SIZE, PUBLIC_URL, SECRET};

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
}
