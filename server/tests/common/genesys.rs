//! A stand-in for the three Genesys Cloud Platform API calls the agent frame's token
//! exchange makes (`tokens/me`, `users/me`, `conversations/{id}`), served by axum on
//! 127.0.0.1. These tests have no network, and must never reach Genesys Cloud
//! anyway; the server is pointed here with `--genesys-api-base`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The OAuth client id the server is configured with.
pub const CLIENT_ID: &str = "0c6a1f2e-test-client-7d5b";
/// The one access token the stand-in accepts.
pub const AGENT_TOKEN: &str = "gc-agent-access-token-Qm9vN2x3";
/// The agent's Genesys Cloud user id.
pub const AGENT_USER: &str = "8e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";

/// How the stand-in answers; change it with [`Genesys::set`].
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// The status of `GET /api/v2/conversations/{id}` for the accepted token.
    pub conversation_status: u16,
    /// The OAuth client `tokens/me` says the token was issued to.
    pub issued_to: String,
    /// Answer every call with this status (an outage).
    pub every_call: Option<u16>,
    /// Wait this long before answering.
    pub delay: Duration,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            conversation_status: 200,
            issued_to: CLIENT_ID.into(),
            every_call: None,
            delay: Duration::ZERO,
        }
    }
}

#[derive(Clone, Default)]
struct Shared {
    behaviour: Arc<Mutex<Behaviour>>,
    /// Paths called, in order.
    calls: Arc<Mutex<Vec<String>>>,
}

pub struct Genesys {
    /// The `--genesys-api-base` to give the server.
    pub base: String,
    shared: Shared,
}

impl Genesys {
    pub async fn start() -> Self {
        let shared = Shared::default();
        let app = Router::new().fallback(answer).with_state(shared.clone());
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", l.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
        Self { base, shared }
    }

    /// Server arguments: this client id, and this stand-in as every region's API.
    pub fn args(&self) -> Vec<String> {
        [
            "--genesys-client-id",
            CLIENT_ID,
            "--genesys-api-base",
            &self.base,
        ]
        .map(String::from)
        .to_vec()
    }

    pub fn set(&self, change: impl FnOnce(&mut Behaviour)) {
        change(&mut self.shared.behaviour.lock().unwrap());
    }

    /// Paths called so far.
    pub fn calls(&self) -> Vec<String> {
        self.shared.calls.lock().unwrap().clone()
    }
}

async fn answer(State(shared): State<Shared>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    shared.calls.lock().unwrap().push(path.clone());
    let b = shared.behaviour.lock().unwrap().clone();
    tokio::time::sleep(b.delay).await;
    let status = |s: u16| StatusCode::from_u16(s).unwrap();
    if let Some(s) = b.every_call {
        return (status(s), axum::Json(json!({ "status": s }))).into_response();
    }
    let authorized = req
        .headers()
        .get(header::AUTHORIZATION)
        .is_some_and(|v| v.as_bytes() == format!("Bearer {AGENT_TOKEN}").as_bytes());
    if !authorized {
        let body = json!({ "status": 401, "code": "bad.credentials", "message": "Invalid login credentials." });
        return (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    }
    let body = match path.as_str() {
        "/api/v2/tokens/me" => json!({
            "organization": { "id": "org-1", "name": "Test org" },
            "homeOrganization": { "id": "org-1", "name": "Test org" },
            "authorizedScope": ["conversations:readonly", "users:readonly"],
            "OAuthClient": { "id": b.issued_to, "name": "vidreply agent frame" },
        }),
        "/api/v2/users/me" => json!({ "id": AGENT_USER, "name": "Agent Smith" }),
        p if p.starts_with("/api/v2/conversations/") => {
            if b.conversation_status != 200 {
                let body = json!({ "status": b.conversation_status });
                return (status(b.conversation_status), axum::Json(body)).into_response();
            }
            json!({ "id": &p["/api/v2/conversations/".len()..], "participants": [] })
        }
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    axum::Json(body).into_response()
}
