//! The HTTP surface: `fn app(state) -> Router`.

mod links;
mod local_storage;
mod uploads;
pub(crate) mod videos;

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::routing::{get, post, put};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use links::issue_capture_link;

use crate::error::{REQUEST_ID, envelope};
use crate::state::AppState;

/// JSON bodies are small; part bytes go through their own route without this cap.
const JSON_BODY_LIMIT: usize = 64 * 1024;

pub fn app(state: AppState) -> Router {
    let dist = state.settings.dist_dir.clone();
    let api = Router::new()
        .route("/capture-links", post(links::create))
        .route("/capture-links/{id}", axum::routing::delete(links::revoke))
        .route("/videos/{id}", get(uploads::video_status))
        .route("/uploads", post(uploads::create))
        .route("/uploads/{id}", axum::routing::delete(uploads::abort))
        .route("/uploads/{id}/sign", post(uploads::sign))
        .route("/uploads/{id}/parts", get(uploads::list_parts))
        .route("/uploads/{id}/complete", post(uploads::complete))
        .fallback(|| async { crate::error::ApiError::NotFound("No such endpoint.".into()) })
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::GATEWAY_TIMEOUT,
            Duration::from_secs(60),
        ));
    let spa = ServeDir::new(&dist).fallback(ServeFile::new(dist.join("index.html")));
    Router::new()
        .nest("/api/v1", api)
        .route(
            "/storage/parts/{upload}/{part}",
            put(local_storage::put_part).layer(DefaultBodyLimit::disable()),
        )
        .route("/storage/objects/{*key}", get(local_storage::get_object))
        .route("/v/{id}", get(videos::watch))
        .route("/v/{id}/media", get(videos::media))
        .route("/v/{id}/poster.jpg", get(videos::poster))
        .route("/v/{id}/hls/{*file}", get(videos::hls))
        .route("/healthz", get(|| async { "ok" }))
        .fallback_service(spa)
        .with_state(state)
        .layer(axum::middleware::from_fn(envelope))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                // Path only: queries carry tokens and signatures and are never logged.
                let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
                tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Validate an identifier we store and echo back: printable, bounded.
pub(crate) fn check_id(field: &str, value: &str, max: usize) -> Result<(), crate::error::ApiError> {
    use crate::error::ApiError;
    if value.trim().is_empty() {
        return Err(ApiError::field(
            field,
            format!("{field} must not be empty."),
        ));
    }
    if value.chars().count() > max {
        return Err(ApiError::field(
            field,
            format!("{field} must be at most {max} characters."),
        ));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(ApiError::field(
            field,
            format!("{field} must not contain control characters."),
        ));
    }
    Ok(())
}
