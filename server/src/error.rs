//! One place that maps errors to stable codes and HTTP statuses.
//!
//! Handlers return [`ApiError`]. Its response carries the code and message as an
//! extension; the [`envelope`] middleware turns that into the JSON body, adding the
//! request id that every response and log line carries.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use vidreply_core::protocol::{ErrorBody, ErrorEnvelope};

pub const REQUEST_ID: &str = "x-request-id";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    InvalidField { field: String, message: String },
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    TokenExpired(String),
    #[error("{0}")]
    TokenRevoked(String),
    #[error("{0}")]
    NotFound(String),
    /// The video was there, but its link was withdrawn or its retention ended.
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{message}")]
    PartMissing { message: String },
    #[error("{0}")]
    SizeMismatch(String),
    /// Part bytes that do not match their Content-MD5: changed on the way, send again.
    #[error("{0}")]
    BadDigest(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    NotAVideo(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("Too many requests; retry in {retry_after_secs} s.")]
    RateLimited { retry_after_secs: u64 },
    /// A quota (sends, uploads, bytes) of a token or a video is spent; the message
    /// names the quota and its setting.
    #[error("{message}")]
    QuotaExceeded {
        message: String,
        retry_after_secs: u64,
    },
    /// The server took too long to answer (a slow database or store).
    #[error("{0}")]
    Timeout(String),
    /// The client took too long to send its request (a slow part upload).
    #[error("{0}")]
    RequestTimeout(String),
    #[error("{0}")]
    NotReady(String),
    /// The agent frame is not configured (no Genesys Cloud OAuth client id).
    #[error("{0}")]
    AgentFrameDisabled(String),
    /// Genesys Cloud did not answer, or not usefully; retryable.
    #[error("{0}")]
    GenesysUnavailable(String),
    #[error("Storage refused the upload ({0}).")]
    StorageRejected(String),
    #[error("storage is unavailable: {0}")]
    Storage(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::InvalidField {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Stable machine-readable code and HTTP status.
    pub fn code_and_status(&self) -> (&'static str, StatusCode) {
        use ApiError::*;
        match self {
            InvalidField { .. } => ("invalid_field", StatusCode::BAD_REQUEST),
            BadRequest(_) => ("bad_request", StatusCode::BAD_REQUEST),
            Unauthenticated(_) => ("unauthenticated", StatusCode::UNAUTHORIZED),
            TokenExpired(_) => ("token_expired", StatusCode::UNAUTHORIZED),
            TokenRevoked(_) => ("token_revoked", StatusCode::UNAUTHORIZED),
            Forbidden(_) => ("forbidden", StatusCode::FORBIDDEN),
            NotFound(_) => ("not_found", StatusCode::NOT_FOUND),
            Gone(_) => ("gone", StatusCode::GONE),
            Conflict(_) => ("conflict", StatusCode::CONFLICT),
            PartMissing { .. } => ("part_missing", StatusCode::CONFLICT),
            SizeMismatch(_) => ("size_mismatch", StatusCode::CONFLICT),
            BadDigest(_) => ("bad_digest", StatusCode::BAD_REQUEST),
            TooLarge(_) => ("too_large", StatusCode::PAYLOAD_TOO_LARGE),
            NotAVideo(_) => ("not_a_video", StatusCode::UNPROCESSABLE_ENTITY),
            UnsupportedMediaType(_) => {
                ("unsupported_media_type", StatusCode::UNSUPPORTED_MEDIA_TYPE)
            }
            RateLimited { .. } => ("rate_limited", StatusCode::TOO_MANY_REQUESTS),
            QuotaExceeded { .. } => ("quota_exceeded", StatusCode::TOO_MANY_REQUESTS),
            Timeout(_) => ("timeout", StatusCode::GATEWAY_TIMEOUT),
            RequestTimeout(_) => ("timeout", StatusCode::REQUEST_TIMEOUT),
            NotReady(_) => ("not_ready", StatusCode::SERVICE_UNAVAILABLE),
            AgentFrameDisabled(_) => ("agent_frame_disabled", StatusCode::CONFLICT),
            GenesysUnavailable(_) => ("genesys_unavailable", StatusCode::BAD_GATEWAY),
            StorageRejected(_) => ("storage_rejected", StatusCode::UNPROCESSABLE_ENTITY),
            Storage(_) => ("storage_unavailable", StatusCode::SERVICE_UNAVAILABLE),
            Internal(_) => ("internal", StatusCode::INTERNAL_SERVER_ERROR),
        }
    }
}

/// What [`envelope`] needs to render the body.
#[derive(Debug, Clone)]
struct PendingError {
    code: &'static str,
    message: String,
    field: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (code, status) = self.code_and_status();
        let field = match &self {
            ApiError::InvalidField { field, .. } => Some(field.clone()),
            _ => None,
        };
        // Internal details go to the log, not to the caller.
        let message = match &self {
            ApiError::Internal(detail) | ApiError::Storage(detail) => {
                tracing::error!(code, %detail, "request failed");
                match self {
                    ApiError::Storage(_) => {
                        "Video storage is unavailable; try again shortly.".into()
                    }
                    _ => "Something went wrong on our side; try again.".into(),
                }
            }
            other => other.to_string(),
        };
        let mut res = status.into_response();
        if let ApiError::RateLimited { retry_after_secs }
        | ApiError::QuotaExceeded {
            retry_after_secs, ..
        } = &self
        {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
        }
        res.extensions_mut().insert(PendingError {
            code,
            message,
            field,
        });
        res
    }
}

impl From<crate::storage::StorageError> for ApiError {
    fn from(e: crate::storage::StorageError) -> Self {
        use crate::storage::StorageError;
        match e {
            StorageError::NoSuchUpload => {
                ApiError::NotFound("The upload no longer exists in storage.".into())
            }
            StorageError::NoSuchObject => ApiError::NotFound("The video no longer exists.".into()),
            StorageError::Rejected(m) => ApiError::StorageRejected(m),
            StorageError::Unavailable(m) => ApiError::Storage(m),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::Internal(format!("database: {e}"))
    }
}

/// Renders [`ApiError`]s as `{"error": {code, message, field, requestId}}` and
/// gives bare 404/405/413 answers from the framework the same shape.
pub async fn envelope(req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut res = next.run(req).await;
    let pending = res.extensions_mut().remove::<PendingError>().or_else(|| {
        let is_empty_error =
            res.status().is_client_error() && res.headers().get(header::CONTENT_TYPE).is_none();
        is_empty_error.then(|| framework_error(res.status()))
    });
    let Some(p) = pending else { return res };
    let body = ErrorEnvelope {
        error: ErrorBody {
            code: p.code.to_string(),
            message: p.message,
            field: p.field,
            request_id,
        },
    };
    let json = serde_json::to_vec(&body).unwrap_or_default();
    let (mut parts, _) = res.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(json))
}

fn framework_error(status: StatusCode) -> PendingError {
    let (code, message) = match status {
        StatusCode::NOT_FOUND => ("not_found", "No such endpoint."),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "This endpoint does not accept that method.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "The request body is too large."),
        _ => ("bad_request", "The request was not understood."),
    };
    PendingError {
        code,
        message: message.into(),
        field: None,
    }
}
