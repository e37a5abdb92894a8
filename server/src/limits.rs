//! Request time and size limits that answer through [`ApiError`], never with an empty body.

use std::time::Duration;

use axum::extract::{Request, State};
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
