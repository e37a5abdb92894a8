//! The telemetry tests' plumbing: vetted videos, played visits, events as the
//! watch page sends them, and the report and export calls.

use axum::http::StatusCode;
use serde_json::{Value, json};
use vidreply_core::protocol::{StoredTelemetryEvent, TelemetryAccepted};

use crate::common::watch::Visit;
use crate::common::{API_KEY, Server};

/// A completed (not yet processed) video of `conversation`; returns its id.
pub async fn video(s: &Server, conversation: &str) -> String {
    let id = s.completed_video(conversation).await.1;
    crate::common::watch::vetted(s, &id).await;
    id
}

/// A visit of `video`'s share link whose player fetched the media, as a viewer's does.
pub async fn played(s: &Server, video: &str) -> Visit {
    let v = Visit::open(s, video).await;
    v.play(s).await;
    v
}

pub fn event(id: &str, kind: &str, session: &str, video: &str, conv: &str, watched: f64) -> Value {
    let mut e = json!({
        "eventId": id, "timestamp": vidreply_server::clock::unix_now_ms(), "type": kind,
        "sessionId": session, "assetId": video, "conversationId": conv,
        "durationWatched": watched, "completionStatus": "in_progress",
    });
    if kind == "VIDEO_PROGRESS" {
        e["quartile"] = json!(25);
    }
    if kind == "VIDEO_COMPLETION" {
        e["completionStatus"] = json!("completed");
    }
    e
}

pub async fn report(s: &Server, token: &str, events: Vec<Value>) -> TelemetryAccepted {
    let r = s
        .post(
            "/api/v1/telemetry",
            Some(token),
            json!({ "events": events }),
        )
        .await;
    r.expect_status(StatusCode::OK);
    r.json()
}

pub async fn export(s: &Server, query: &str) -> Vec<StoredTelemetryEvent> {
    let r = s
        .get(&format!("/api/v1/telemetry/export?{query}"), Some(API_KEY))
        .await;
    r.expect_status(StatusCode::OK);
    assert_eq!(r.header("content-type"), Some("application/x-ndjson"));
    r.text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}
