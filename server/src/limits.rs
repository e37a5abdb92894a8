//! Request time and size limits that answer through [`ApiError`], never with an empty body.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Middleware for API routes: a handler slower than the limit answers 504 `timeout`.
pub async fn api_timeout(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => ApiError::Timeout(format!(
            "The server did not answer within {} s (VIDREPLY_REQUEST_TIMEOUT_SECONDS); try again.",
            limit.as_secs()
        ))
        .into_response(),
    }
}

/// Middleware for part uploads: a body slower than the limit answers 408 `timeout`.
pub async fn part_timeout(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => ApiError::RequestTimeout(format!(
            "The part did not arrive within {} s (VIDREPLY_PART_TIMEOUT_SECONDS); send it again.",
            limit.as_secs()
        ))
        .into_response(),
    }
}

/// Middleware for part uploads: a declared length over the part size is refused
/// before any byte is read (413 `too_large`, naming the limit). A body without a
/// declared length is cut off at the part size by the storage route itself.
pub async fn part_body_limit(State(limit): State<u64>, req: Request, next: Next) -> Response {
    let header = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // The body knows its length too (hyper takes it from Content-Length).
    let known = Some(axum::body::HttpBody::size_hint(req.body()).lower()).filter(|n| *n > 0);
    match header.max(known) {
        Some(len) if len > limit => ApiError::TooLarge(format!(
            "The part is {len} bytes; parts may be at most {limit} bytes (VIDREPLY_PART_SIZE)."
        ))
        .into_response(),
        _ => next.run(req).await,
    }
}
