//! The process's Prometheus recorder and the counters code calls at its site (a
//! webhook attempt, a finished job). A leaf: workers count here without knowing HTTP;
//! `routes::metrics` counts requests and serves `GET /metrics` from [`handle`].

use std::sync::OnceLock;

use metrics::{counter, describe_counter, describe_histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::webhook::Outcome;

/// HTTP requests by route template, method and status (`routes::metrics`).
pub const REQUESTS: &str = "http_requests_total";
/// Time to answer an HTTP request, by route (`routes::metrics`).
pub const DURATION: &str = "http_request_duration_seconds";

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
