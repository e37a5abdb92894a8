//! Probes and metrics: /healthz, /readyz, /metrics.

mod common;

use axum::http::StatusCode;
use clap::Parser;
use common::*;
use serde_json::Value;
use vidreply_server::{Settings, app, build_state};

#[tokio::test]
async fn healthz_and_readyz_answer_when_all_is_well() {
    let s = Server::start().await;
    let r = s.get("/healthz", None).await;
    r.expect_status(StatusCode::OK);
    assert_eq!(r.text(), "ok");
    let r = s.get("/readyz", None).await;
    r.expect_status(StatusCode::OK);
    assert_eq!(r.json::<Value>()["status"], "ready");
}

#[tokio::test]
async fn readyz_is_503_when_storage_cannot_be_written() {
    let s = Server::start().await;
    // The local store's folder is replaced by a file: nothing can be written there.
    let root = s.data().join("storage");
    std::fs::remove_dir_all(&root).ok();
    std::fs::write(&root, b"not a folder").unwrap();
    let (status, body) = raw_get(&s, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "not_ready", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("video storage"), "{message}");
    assert!(!message.contains("database"), "{message}");
    assert!(
        !message.contains(s.data().to_str().unwrap()),
        "no paths to callers"
    );
}

#[tokio::test]
async fn readyz_is_503_while_shutting_down() {
    let s = Server::start().await;
    s.state.shutdown.cancel();
    let r = raw_get(&s, "/readyz").await;
    assert_eq!(r.0, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.1["error"]["code"], "not_ready", "{}", r.1);
    assert!(
        r.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("shutting down")
    );
    // Liveness does not depend on it.
    s.get("/healthz", None).await.expect_status(StatusCode::OK);
}

/// A GET whose 5xx answer is expected (the shared `call` refuses 5xx).
async fn raw_get(s: &Server, uri: &str) -> (StatusCode, Value) {
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let req = axum::http::Request::get(uri).body(Body::empty()).unwrap();
    let res = s.app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn metrics_need_the_api_key_and_count_requests() {
    let s = Server::start().await;
    s.link("conv-metrics").await;
    let r = s.get("/metrics", None).await;
    r.api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let token = s.token("conv-metrics").await;
    let r = s.get("/metrics", Some(&token)).await;
    r.api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let r = s.get("/metrics", Some(API_KEY)).await;
    r.expect_status(StatusCode::OK);
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    let text = r.text();
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("http_requests_total{")
                && l.contains("route=\"/api/v1/capture-links\"")
                && l.contains("method=\"POST\"")
                && l.contains("status=\"201\"")
        })
        .unwrap_or_else(|| panic!("no request counter for capture links:\n{text}"));
    let n: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(n >= 2.0, "{line}");
    assert!(
        text.contains("http_request_duration_seconds_bucket{"),
        "{text}"
    );
    assert!(
        text.contains("vidreply_capture_links_created_total"),
        "{text}"
    );
    // Route templates, never raw paths with ids in them.
    s.get("/api/v1/uploads/some-upload-id/parts", Some(&token))
        .await;
    let text = s.get("/metrics", Some(API_KEY)).await.text();
    assert!(
        text.contains("route=\"/api/v1/uploads/{id}/parts\""),
        "{text}"
    );
    assert!(!text.contains("some-upload-id"), "{text}");
}

#[tokio::test]
async fn metrics_can_be_public() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let settings = Settings::try_parse_from([
        "vidreply-server",
        "--data-dir",
        data,
        "--metrics-public",
        "true",
    ])
    .unwrap();
    let state = build_state(settings).await.unwrap();
    let s = Server {
        app: app(state.clone()),
        state,
        dir,
    };
    s.get("/metrics", None).await.expect_status(StatusCode::OK);
}
