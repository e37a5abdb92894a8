//! Liveness for load balancers and orchestrators.

/// Answers `ok` while the server takes requests.
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
