//! `GET /metrics`, and the middleware that counts and times every request.
//!
//! Every request is counted by route template (never the raw path: ids would make
//! one series per upload), method (the seven the app answers, else `other`) and
//! status, and timed: every label takes a bounded set of values. Domain counters that follow
//! from an answer (an upload created, a video completed) are derived here from the
//! route and status, so handlers stay as they are; others are one call at their site
//! (`crate::metrics`).

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics::{counter, histogram};

use crate::error::ApiError;
use crate::extract::Bearer;
use crate::metrics::{DURATION, REQUESTS, handle};
use crate::state::AppState;

/// Label for requests no route matched (the app's static files, unknown paths).
const UNMATCHED: &str = "unmatched";

/// The route template a request matched, carried out on its response.
#[derive(Clone)]
struct Route(String);

/// Route middleware (inner): note the matched route template on the response.
pub async fn tag_route(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut res = next.run(req).await;
    if let Some(r) = route {
        res.extensions_mut().insert(Route(r));
    }
    res
}

/// Outer middleware: count and time every request.
pub async fn track(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let start = Instant::now();
    let res = next.run(req).await;
    let route = res
        .extensions()
        .get::<Route>()
        .map_or(UNMATCHED, |r| r.0.as_str())
        .to_owned();
    let status = res.status();
    let m = method_label(&method);
    counter!(REQUESTS, "method" => m, "route" => route.clone(), "status" => status.as_u16().to_string())
        .increment(1);
    histogram!(DURATION, "method" => m, "route" => route.clone())
        .record(start.elapsed().as_secs_f64());
    domain(&method, &route, status);
    res
}

/// The `method` label: the methods the app answers, and `other` for anything a
/// client invents (each would otherwise be a series of its own).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Domain counters that an answer implies.
fn domain(method: &Method, route: &str, status: StatusCode) {
    if !status.is_success() {
        return;
    }
    let name = match (method.as_str(), route) {
        ("POST", "/api/v1/capture-links") => "vidreply_capture_links_created_total",
        ("POST", "/api/v1/uploads") => "vidreply_uploads_created_total",
        ("DELETE", "/api/v1/uploads/{id}") => "vidreply_uploads_aborted_total",
        ("POST", "/api/v1/uploads/{id}/complete") => "vidreply_videos_completed_total",
        ("PUT", "/storage/parts/{upload}/{part}" | "/api/v1/uploads/{id}/parts/{part}") => {
            "vidreply_parts_received_total"
        }
        _ => return,
    };
    counter!(name).increment(1);
}

/// `GET /metrics`: Prometheus text, for the API key unless `metrics_public`.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "meta",
    operation_id = "metrics",
    security(("apiKey" = []), ()),
    responses(
        (status = 200, description = "Prometheus text exposition.", body = String, content_type = "text/plain"),
        (status = 401, response = crate::routes::openapi::Unauthenticated),
    ),
)]
pub async fn serve(
    State(state): State<AppState>,
    bearer: Result<Bearer, ApiError>,
) -> Result<Response, ApiError> {
    if !state.settings.metrics_public {
        state.check_api_key(&bearer?.0)?;
    }
    let h = handle();
    h.run_upkeep();
    let content_type = "text/plain; version=0.0.4; charset=utf-8";
    Ok(([(header::CONTENT_TYPE, content_type)], h.render()).into_response())
}
