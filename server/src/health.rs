//! Probes: `/healthz` (the process answers) and `/readyz` (it can do its work).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::state::AppState;

/// How long each dependency may take to answer a readiness check.
const PING_TIMEOUT: Duration = Duration::from_secs(3);

/// Liveness: no dependencies, so a slow database never gets the process restarted.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "meta",
    operation_id = "healthz",
    responses(
        (status = 200, description = "The server is up.", body = String, content_type = "text/plain", example = "ok"),
    ),
)]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database and the video store answer; 503 `not_ready` otherwise
/// (and while shutting down, so a load balancer stops sending new requests).
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "meta",
    operation_id = "readyz",
    responses(
        (status = 200, description = "The database and video storage answer.", body = Object, example = json!({"status": "ready"})),
        (status = 503, response = crate::routes::openapi::NotReady),
    ),
)]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    if state.shutdown.is_cancelled() {
        return Err(ApiError::NotReady("The server is shutting down.".into()));
    }
    let db = tokio::time::timeout(PING_TIMEOUT, state.db.ping());
    let store = tokio::time::timeout(PING_TIMEOUT, state.store.ping());
    let (db, store) = tokio::join!(db, store);
    let mut down = Vec::new();
    match db {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database check failed");
            down.push("the database");
        }
        Err(_) => {
            tracing::warn!("readiness: database check timed out");
            down.push("the database");
        }
    }
    match store {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %e, backend = state.store.name(), "readiness: storage check failed");
            down.push("video storage");
        }
        Err(_) => {
            tracing::warn!(
                backend = state.store.name(),
                "readiness: storage check timed out"
            );
            down.push("video storage");
        }
    }
    if down.is_empty() {
        Ok(Json(json!({ "status": "ready" })))
    } else {
        Err(ApiError::NotReady(format!(
            "Not ready: {} cannot be reached.",
            down.join(" and ")
        )))
    }
}
