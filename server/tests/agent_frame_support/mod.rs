//! The agent-frame tests' plumbing: a server pointed at the Genesys stand-in, the
//! token exchange sent raw (a 502 is an answer there), and a log capture.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Body;
use axum::http::{Method, Request, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::common::genesys::Genesys;
use crate::common::{Resp, Server};

pub const CONV: &str = "3f2c8a9e-6b1d-4c7a-9e2f-0a1b2c3d4e5f";
pub const EXCHANGE: &str = "/api/v1/agent/capture-links";

pub async fn server(g: &Genesys, extra: &[&str]) -> Server {
    let mut args = g.args();
    args.extend(extra.iter().map(|a| a.to_string()));
    Server::start_with(&args.iter().map(String::as_str).collect::<Vec<_>>()).await
}

pub fn body(conversation: &str) -> Value {
    json!({ "conversationId": conversation, "gcTargetEnv": "mypurecloud.de" })
}

/// POST the exchange. Not `Server::send`, which refuses every 5xx: a 502 is an
/// answer here.
pub async fn exchange(s: &Server, token: &str, body: Value) -> Resp {
    let req = Request::builder()
        .method(Method::POST)
        .uri(EXCHANGE)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let res = s.app.clone().oneshot(req).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let body = res.into_body().collect().await.unwrap().to_bytes();
    Resp {
        method: Method::POST,
        uri: EXCHANGE.into(),
        status,
        headers,
        body,
    }
}

/// Everything every test in `agent_frame.rs` logs, at every level (`log` records too).
pub fn captured_log() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buf: Arc<Mutex<Vec<u8>>> = Arc::default();
        let sink = buf.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || Sink(sink.clone()))
            .try_init()
            .expect("the only subscriber in this test binary");
        buf
    })
    .clone()
}

pub struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
