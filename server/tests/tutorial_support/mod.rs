//! Helpers of tests/tutorial.rs: a processed tutorial asset, signing, opening
//! links, the watch page's configuration, and a webhook receiver that checks
//! signatures.

#![allow(dead_code)] // Each test crate uses a different subset.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use serde_json::{Value, json};
use vidreply_core::protocol::{SignedVideoUrl, TutorialAsset, TutorialSessionStatus, WatchPage};

use crate::common::{API_KEY, Resp, Server, path_and_query};

pub const HOOK_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
pub const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
pub const DESKTOP: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

/// POST a raw video body to `/api/v1/assets?title=…`.
pub async fn upload_raw(s: &Server, content_type: &str, title: &str, bytes: Vec<u8>) -> Resp {
    let uri = format!(
        "/api/v1/assets?title={}",
        url::form_urlencoded::byte_serialize(title.as_bytes()).collect::<String>()
    );
    let req = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {API_KEY}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(bytes))
        .unwrap();
    s.send(req).await
}

pub async fn asset(s: &Server, id: &str) -> TutorialAsset {
    let r = s.get(&format!("/api/v1/assets/{id}"), Some(API_KEY)).await;
    r.expect_status(StatusCode::OK);
    r.json()
}

/// Run processing jobs until none is due.
pub async fn process_all(s: &Server) {
    while vidreply_server::jobs::run_one(&s.state.jobs).await.unwrap() {}
}

/// Upload a real 2 s recording as a tutorial asset and process it; returns its id.
pub async fn ready_asset(s: &Server, title: &str) -> String {
    let r = upload_raw(s, "video/webm", title, crate::common::video::recording()).await;
    r.expect_status(StatusCode::CREATED);
    let a: TutorialAsset = r.json();
    assert_eq!(a.status, "processing");
    process_all(s).await;
    let a = asset(s, &a.asset_id).await;
    assert_eq!(a.status, "ready", "{a:?}");
    a.asset_id
}

pub fn sign_body(asset: &str, ttl: u64, session: &str, conversation: &str) -> Value {
    json!({
        "asset_id": asset, "expiration_seconds": ttl,
        "session_token": session, "conversation_id": conversation,
    })
}

pub async fn sign(s: &Server, asset: &str, ttl: u64, session: &str, conv: &str) -> SignedVideoUrl {
    let r = s
        .post(
            "/api/v1/media/sign-video-url",
            Some(API_KEY),
            sign_body(asset, ttl, session, conv),
        )
        .await;
    r.expect_status(StatusCode::OK);
    r.json()
}

/// Open a link (path and query of `url`) as a browser with `user_agent`.
pub async fn open(s: &Server, url: &str, user_agent: &str) -> Resp {
    let req = Request::builder()
        .uri(path_and_query(url))
        .header(header::USER_AGENT, user_agent)
        .header(header::ACCEPT, "text/html")
        .body(Body::empty())
        .unwrap();
    s.send(req).await
}

#[allow(unused_imports)]
pub use crate::common::watch::watch_config;

/// A webhook receiver that verifies each delivery's Standard Webhooks signature and
/// keeps (event type, body).
pub async fn signed_receiver() -> (String, Arc<Mutex<Vec<(String, Value)>>>) {
    let got: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let g = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let g = g.clone();
            async move {
                let wh = standardwebhooks::Webhook::new(HOOK_SECRET).unwrap();
                if wh.verify(body.as_bytes(), &headers).is_err() {
                    return StatusCode::UNAUTHORIZED;
                }
                let event = headers["x-vidreply-event"].to_str().unwrap().to_string();
                g.lock()
                    .unwrap()
                    .push((event, serde_json::from_str(&body).unwrap()));
                StatusCode::NO_CONTENT
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (url, got)
}

/// Deliver every due webhook now.
pub async fn deliver(s: &Server) {
    let outbox = s.state.outbox.clone().expect("a webhook is configured");
    while outbox.deliver_due().await.unwrap() > 0 {}
}

/// One watch-page event.
pub fn event(id: &str, kind: &str, w: &WatchPage, watched: f64) -> Value {
    json!({
        "eventId": id, "timestamp": vidreply_server::clock::unix_now_ms(), "type": kind,
        "sessionId": w.session_id.clone().expect("a tutorial page names its session"),
        "assetId": w.video_id, "conversationId": w.conversation_id,
        "durationWatched": watched,
        "completionStatus": if kind == "VIDEO_COMPLETION" { "completed" } else { "in_progress" },
    })
}

/// The IVR's view of a session.
pub async fn status(s: &Server, session: &str) -> TutorialSessionStatus {
    let r = s
        .get(&format!("/api/v1/sessions/{session}/status"), Some(API_KEY))
        .await;
    r.expect_status(StatusCode::OK);
    r.json()
}
