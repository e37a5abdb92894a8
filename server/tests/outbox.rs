//! The durable webhook outbox against a real HTTP receiver on 127.0.0.1.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use tempfile::TempDir;
use url::Url;
use vidreply_server::clock::unix_now_ms;
use vidreply_server::db::{Db, OutboxRow};
use vidreply_server::outbox::{Outbox, event};
use vidreply_server::webhook::WebhookEndpoint;

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(String, String)>>>,
    /// Answers to give, in order; 204 once they run out.
    script: Arc<Mutex<Vec<Response>>>,
}

impl Receiver {
    fn requests(&self) -> Vec<(String, String)> {
        self.got.lock().unwrap().clone()
    }
}

async fn hook(
    axum::extract::State(r): axum::extract::State<Receiver>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let wh = standardwebhooks::Webhook::new(SECRET).unwrap();
    assert!(
        wh.verify(body.as_bytes(), &headers).is_ok(),
        "signature verifies"
    );
    let id = headers["webhook-id"].to_str().unwrap().to_string();
    r.got.lock().unwrap().push((id, body));
    let next = {
        let mut s = r.script.lock().unwrap();
        (!s.is_empty()).then(|| s.remove(0))
    };
    next.unwrap_or_else(|| StatusCode::NO_CONTENT.into_response())
}

/// Start a receiver on `port` (0 for any); returns its URL and handle.
async fn receiver(
    port: u16,
    script: Vec<Response>,
) -> (Url, Receiver, tokio::task::JoinHandle<()>) {
    let r = Receiver {
        script: Arc::new(Mutex::new(script)),
        ..Default::default()
    };
    let app = Router::new()
        .route("/hook", post(hook))
        .route("/moved", post(|| async { StatusCode::NO_CONTENT }))
        .with_state(r.clone());
    let l = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let url = Url::parse(&format!("http://{}/hook", l.local_addr().unwrap())).unwrap();
    let h = tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (url, r, h)
}

async fn db(dir: &TempDir) -> Db {
    Db::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap()
}

fn received(id: &str) -> OutboxRow {
    let mut e = event(
        "video.received",
        &serde_json::json!({"conversationId": id, "duration": 1.5}),
    );
    e.next_attempt_at = unix_now_ms() as i64;
    e
}

/// Attempt what is due until `done` holds, at most `tries` rounds, sleeping in between.
async fn run_until(
    outbox: &Outbox,
    db: &Db,
    id: &str,
    tries: u32,
    done: impl Fn(&vidreply_server::db::OutboxState) -> bool,
) {
    for _ in 0..tries {
        outbox.deliver_due().await.unwrap();
        if done(&db.outbox_event(id).await.unwrap().unwrap()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!(
        "outbox state never matched: {:?}",
        db.outbox_event(id).await.unwrap()
    );
}

#[tokio::test]
async fn receiver_down_then_up_gets_each_event_once_with_a_stable_id() {
    let dir = TempDir::new().unwrap();
    let db = db(&dir).await;
    // Find a free port, then leave it closed: the receiver is down.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = Url::parse(&format!("http://127.0.0.1:{port}/hook")).unwrap();
    let outbox = Outbox::new(
        db.clone(),
        WebhookEndpoint::new(url, SECRET).unwrap(),
        &[0, 1, 1, 1, 1],
    );
    let (a, b) = (received("a"), received("b"));
    db.enqueue(&a).await.unwrap();
    db.enqueue(&b).await.unwrap();
    assert_eq!(outbox.deliver_due().await.unwrap(), 2);
    let st = db.outbox_event(&a.id).await.unwrap().unwrap();
    assert_eq!((st.attempts, st.delivered_at), (1, None));
    assert!(
        st.next_attempt_at > unix_now_ms() as i64 - 100,
        "rescheduled, not dropped"
    );
    assert_eq!(
        outbox.deliver_due().await.unwrap(),
        0,
        "nothing due before the backoff"
    );

    // The receiver comes up; the next due round delivers both, once each.
    let (_, rx, _h) = receiver(port, vec![]).await;
    run_until(&outbox, &db, &b.id, 50, |s| s.delivered_at.is_some()).await;
    run_until(&outbox, &db, &a.id, 50, |s| s.delivered_at.is_some()).await;
    for _ in 0..3 {
        outbox.deliver_due().await.unwrap();
    }
    let mut ids: Vec<String> = rx.requests().into_iter().map(|(id, _)| id).collect();
    ids.sort();
    let mut want = vec![a.id.clone(), b.id.clone()];
    want.sort();
    assert_eq!(ids, want, "each event delivered exactly once");
}

#[tokio::test]
async fn retries_keep_the_webhook_id_and_honour_retry_after() {
    let dir = TempDir::new().unwrap();
    let db = db(&dir).await;
    let slow = (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "3")]).into_response();
    let (url, rx, _h) = receiver(
        0,
        vec![StatusCode::INTERNAL_SERVER_ERROR.into_response(), slow],
    )
    .await;
    let outbox = Outbox::new(
        db.clone(),
        WebhookEndpoint::new(url, SECRET).unwrap(),
        &[0, 1, 1, 1],
    );
    let e = received("c");
    db.enqueue(&e).await.unwrap();
    run_until(&outbox, &db, &e.id, 50, |s| s.attempts == 2).await;
    let st = db.outbox_event(&e.id).await.unwrap().unwrap();
    assert_eq!(st.last_error.as_deref(), Some("HTTP 429"));
    // Retry-After (3 s) wins over the schedule's 1 s.
    assert!(st.next_attempt_at >= unix_now_ms() as i64 + 2_000, "{st:?}");
    run_until(&outbox, &db, &e.id, 100, |s| s.delivered_at.is_some()).await;
    let ids: Vec<String> = rx.requests().into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        ids,
        vec![e.id.clone(); 3],
        "the same webhook-id on every attempt"
    );
}

#[tokio::test]
async fn gone_stops_and_redirects_are_failures() {
    let dir = TempDir::new().unwrap();
    let db = db(&dir).await;
    let moved = (StatusCode::MOVED_PERMANENTLY, [("location", "/moved")]).into_response();
    let (url, rx, _h) = receiver(0, vec![moved, StatusCode::GONE.into_response()]).await;
    let outbox = Outbox::new(
        db.clone(),
        WebhookEndpoint::new(url, SECRET).unwrap(),
        &[0, 1, 1, 1],
    );
    let e = received("d");
    db.enqueue(&e).await.unwrap();
    run_until(&outbox, &db, &e.id, 5, |s| s.attempts == 1).await;
    let st = db.outbox_event(&e.id).await.unwrap().unwrap();
    assert_eq!(
        (st.delivered_at, st.last_error.as_deref()),
        (None, Some("HTTP 301")),
        "a redirect is not delivery"
    );
    run_until(&outbox, &db, &e.id, 50, |s| s.failed_at.is_some()).await;
    assert_eq!(
        db.outbox_event(&e.id)
            .await
            .unwrap()
            .unwrap()
            .last_error
            .as_deref(),
        Some("410 Gone")
    );
    outbox.deliver_due().await.unwrap();
    assert_eq!(
        rx.requests().len(),
        2,
        "nothing after 410, and the redirect was not followed"
    );
}

#[tokio::test]
async fn gives_up_after_the_schedule_with_the_reason() {
    let dir = TempDir::new().unwrap();
    let db = db(&dir).await;
    let fails = (0..5)
        .map(|_| StatusCode::SERVICE_UNAVAILABLE.into_response())
        .collect();
    let (url, rx, _h) = receiver(0, fails).await;
    let outbox = Outbox::new(
        db.clone(),
        WebhookEndpoint::new(url, SECRET).unwrap(),
        &[0, 1],
    );
    let e = received("e");
    db.enqueue(&e).await.unwrap();
    run_until(&outbox, &db, &e.id, 50, |s| s.failed_at.is_some()).await;
    let st = db.outbox_event(&e.id).await.unwrap().unwrap();
    assert_eq!(
        (st.attempts, st.last_error.as_deref()),
        (2, Some("HTTP 503"))
    );
    assert_eq!(rx.requests().len(), 2);
}

#[tokio::test]
async fn nothing_is_lost_across_a_restart() {
    let dir = TempDir::new().unwrap();
    let e = received("f");
    {
        // The process queues an event and dies before delivering it.
        let db = db(&dir).await;
        db.enqueue(&e).await.unwrap();
    }
    let db = db(&dir).await;
    let (url, rx, _h) = receiver(0, vec![]).await;
    let outbox = Outbox::new(
        db.clone(),
        WebhookEndpoint::new(url, SECRET).unwrap(),
        &[0, 1],
    );
    outbox.clone().spawn();
    outbox.notify();
    for _ in 0..100 {
        if !rx.requests().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = rx.requests();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, e.id);
    assert_eq!(
        got[0].1, e.payload,
        "the body is exactly the queued payload"
    );
}
