//! A webhook receiver on 127.0.0.1 that checks signatures and answers from a
//! script, and the outbox/database plumbing the outbox tests share.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use tempfile::TempDir;
use url::Url;
use vidreply_core::vocab::WebhookEvent;
use vidreply_server::db::{Db, NewEvent, OutboxState};
use vidreply_server::outbox::Outbox;
use vidreply_server::webhook::WebhookEndpoint;

pub const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/// A second endpoint's secret, and the one it rotates to.
pub const SECRET_OLD: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const SECRET_NEW: &str = "whsec_8ytIBz3sYyDGVrZTSSQ2Xvo95+BGaKJG";

#[derive(Clone)]
pub struct Receiver {
    secret: &'static str,
    got: Arc<Mutex<Vec<(String, String)>>>,
    /// Answers to give, in order; 204 once they run out.
    script: Arc<Mutex<Vec<Response>>>,
}

impl Receiver {
    pub fn requests(&self) -> Vec<(String, String)> {
        self.got.lock().unwrap().clone()
    }
}

async fn hook(
    axum::extract::State(r): axum::extract::State<Receiver>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let wh = standardwebhooks::Webhook::new(r.secret).unwrap();
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
pub async fn receiver(
    port: u16,
    script: Vec<Response>,
) -> (Url, Receiver, tokio::task::JoinHandle<()>) {
    receiver_with(port, SECRET, script).await
}

/// A receiver that verifies with `secret`.
pub async fn receiver_with(
    port: u16,
    secret: &'static str,
    script: Vec<Response>,
) -> (Url, Receiver, tokio::task::JoinHandle<()>) {
    let r = Receiver {
        secret,
        got: Arc::default(),
        script: Arc::new(Mutex::new(script)),
    };
    let app = Router::new()
        .route("/hook", post(hook))
        .route("/moved", post(|| async { StatusCode::NO_CONTENT }))
        .route(
            "/slow",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                StatusCode::NO_CONTENT
            }),
        )
        .with_state(r.clone());
    let l = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let url = Url::parse(&format!("http://{}/hook", l.local_addr().unwrap())).unwrap();
    let h = tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (url, r, h)
}

pub async fn db(dir: &TempDir) -> Db {
    vidreply_server::db::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap()
}

pub fn endpoint(url: Url) -> Vec<WebhookEndpoint> {
    vec![WebhookEndpoint::new("default", url, &[SECRET]).unwrap()]
}

pub fn received(outbox: &Outbox, id: &str) -> NewEvent {
    outbox.event(
        WebhookEvent::VideoReceived,
        &serde_json::json!({"conversationId": id, "duration": 1.5}),
    )
}

pub async fn state(db: &Db, e: &NewEvent) -> OutboxState {
    db.outbox_event(&e.row.id, "default")
        .await
        .unwrap()
        .unwrap()
}

/// Attempt what is due until `done` holds, at most `tries` rounds, sleeping in between.
pub async fn run_until(
    outbox: &Outbox,
    db: &Db,
    e: &NewEvent,
    tries: u32,
    done: impl Fn(&OutboxState) -> bool,
) {
    for _ in 0..tries {
        outbox.deliver_due().await.unwrap();
        if done(&state(db, e).await) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("outbox state never matched: {:?}", state(db, e).await);
}

/// Wait until the receiver has `n` requests (or give up after 10 s).
pub async fn wait_requests(rx: &Receiver, n: usize) -> Vec<(String, String)> {
    for _ in 0..100 {
        if rx.requests().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    rx.requests()
}
