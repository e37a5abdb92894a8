//! The local backend's storage routes never reach outside the storage folder, even
//! for a URL whose signature is valid for the hostile key (as if the secret leaked
//! or a key were ever built from input).

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::*;
use http_body_util::BodyExt;
use tower::ServiceExt;

/// The `?expires=…&signature=…` of a signed URL.
fn query(url: &str) -> String {
    url::Url::parse(url).unwrap().query().unwrap().to_string()
}

/// Send a raw request; the answer must be a refusal, not a server error or a file.
async fn refused(s: &Server, method: Method, raw_path: &str, body: Vec<u8>) -> StatusCode {
    let req = Request::builder()
        .method(method)
        .uri(raw_path)
        .body(Body::from(body))
        .unwrap();
    let res = s.app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        matches!(status.as_u16(), 400 | 403 | 404),
        "{raw_path} answered {status}: {text}"
    );
    for secret in [API_KEY, SECRET, "root:"] {
        assert!(!text.contains(secret), "{raw_path} leaked a file: {text}");
    }
    status
}

#[tokio::test]
async fn object_route_rejects_traversal() {
    let s = Server::start().await;
    std::fs::write(s.data().join("api-key"), API_KEY).unwrap();
    let store = s.state.store.clone();
    // (decoded key the route sees, raw path as sent)
    let cases = [
        ("../../api-key", "/storage/objects/../../api-key"),
        ("../../api-key", "/storage/objects/%2e%2e/%2E%2E/api-key"),
        ("../../api-key", "/storage/objects/..%2f..%2fapi-key"),
        (
            "videos/../../../api-key",
            "/storage/objects/videos/../../../api-key",
        ),
        ("/etc/passwd", "/storage/objects//etc/passwd"),
        ("/etc/passwd", "/storage/objects/%2fetc%2fpasswd"),
        ("..\\..\\api-key", "/storage/objects/..%5c..%5capi-key"),
        ("videos\0/x", "/storage/objects/videos%00/x"),
        (
            "C:\\windows\\win.ini",
            "/storage/objects/C:%5cwindows%5cwin.ini",
        ),
    ];
    for (key, path) in cases {
        let signed = store.sign_get(key, Duration::from_secs(60));
        let uri = format!("{path}?{}", query(&signed));
        let status = refused(&s, Method::GET, &uri, vec![]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
    }
    // A key signed for one object does not open another.
    let signed = store.sign_get("videos/a/original.webm", Duration::from_secs(60));
    let uri = format!("/storage/objects/../../api-key?{}", query(&signed));
    assert_eq!(
        refused(&s, Method::GET, &uri, vec![]).await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn part_route_rejects_traversal() {
    let s = Server::start().await;
    let store = s.state.store.clone();
    let outside = s.data().join("escaped");
    let cases = [
        ("..", "/storage/parts/../1"),
        ("../../escaped", "/storage/parts/..%2f..%2fescaped/1"),
        ("/tmp", "/storage/parts/%2ftmp/1"),
        ("..\\escaped", "/storage/parts/..%5cescaped/1"),
        ("a\0b", "/storage/parts/a%00b/1"),
    ];
    for (upload, path) in cases {
        let signed = store.sign_part("k", upload, 1, 5, Duration::from_secs(60));
        let uri = format!("{path}?{}", query(&signed));
        refused(&s, Method::PUT, &uri, b"bytes".to_vec()).await;
    }
    assert!(!outside.exists());
    assert!(!s.data().join("00001").exists());
    // The SPA fallback does not serve files outside the app folder either.
    for path in [
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fapi-key",
    ] {
        refused(&s, Method::GET, path, vec![]).await;
    }
}
