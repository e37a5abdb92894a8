//! Prometheus metrics at `GET /metrics`, and the helpers code calls to count things.
//!
//! Every request is counted by route template (never the raw path: ids would make
//! one series per upload), method (the seven the app answers, else `other`) and
//! status, and timed: every label takes a bounded set of values. Domain counters that follow
//! from an answer (an upload created, a video completed) are derived here from the
//! route and status, so handlers stay as they are; others are one call at their site.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics::{counter, describe_counter, describe_histogram, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::error::ApiError;
use crate::extract::Bearer;
use crate::state::AppState;
use crate::webhook::Outcome;

const REQUESTS: &str = "http_requests_total";
const DURATION: &str = "http_request_duration_seconds";
/// Label for requests no route matched (the app's static files, unknown paths).
const UNMATCHED: &str = "unmatched";

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use.
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(DURATION.into()),
                &[
                    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                ],
            )
            .expect("buckets are not empty");
        // Another recorder may already be installed (an embedding program): then
        // these metrics are only what this handle renders, which is nothing.
        let handle = match builder.install_recorder() {
            Ok(h) => h,
            Err(_) => PrometheusBuilder::new().build_recorder().handle(),
        };
        describe();
        handle
    })
}

fn describe() {
    describe_counter!(
        REQUESTS,
        "HTTP requests by route template, method and status."
    );
    describe_histogram!(
        DURATION,
        "Time to answer an HTTP request (head sent), by route."
    );
    describe_counter!(
        "vidreply_capture_links_created_total",
        "Capture links issued."
    );
    describe_counter!("vidreply_uploads_created_total", "Upload sessions started.");
    describe_counter!("vidreply_uploads_aborted_total", "Upload sessions aborted.");
    describe_counter!(
        "vidreply_parts_received_total",
        "Parts stored by the local backend."
    );
    describe_counter!(
        "vidreply_videos_completed_total",
        "Uploads completed into videos."
    );
    describe_counter!(
        "vidreply_webhook_attempts_total",
        "Webhook delivery attempts by outcome."
    );
    describe_counter!(
        "vidreply_jobs_total",
        "Background jobs finished, by kind and outcome."
    );
}

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
        ("PUT", "/storage/parts/{upload}/{part}") => "vidreply_parts_received_total",
        _ => return,
    };
    counter!(name).increment(1);
}

/// One webhook delivery attempt and how it ended.
pub fn webhook_attempt(outcome: &Outcome) {
    let outcome = match outcome {
        Outcome::Delivered => "delivered",
        Outcome::Gone => "gone",
        Outcome::Retry { .. } => "retry",
    };
    counter!("vidreply_webhook_attempts_total", "outcome" => outcome).increment(1);
}

/// A background job of `kind` (e.g. "transcode", "retention") finished.
pub fn job_finished(kind: &'static str, ok: bool) {
    let outcome = if ok { "ok" } else { "failed" };
    counter!("vidreply_jobs_total", "kind" => kind, "outcome" => outcome).increment(1);
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
