//! Unit tests of `routes/openapi.rs` (a file of their own to keep that one short).

use super::*;
use crate::error::ApiError;

/// One of every variant; the `match` stops compiling when a variant is added,
/// so its code cannot be forgotten here and in [`ERROR_CODES`].
fn every_error() -> Vec<ApiError> {
    let all = vec![
        ApiError::field("f", "m"),
        ApiError::BadRequest(String::new()),
        ApiError::Unauthenticated(String::new()),
        ApiError::Forbidden(String::new()),
        ApiError::TokenExpired(String::new()),
        ApiError::TokenRevoked(String::new()),
        ApiError::RateLimited {
            retry_after_secs: 1,
        },
        ApiError::QuotaExceeded {
            message: String::new(),
            retry_after_secs: 1,
        },
        ApiError::Timeout(String::new()),
        ApiError::RequestTimeout(String::new()),
        ApiError::NotReady(String::new()),
        ApiError::AgentFrameDisabled(String::new()),
        ApiError::GenesysUnavailable(String::new()),
        ApiError::NotFound(String::new()),
        ApiError::Gone(String::new()),
        ApiError::Conflict(String::new()),
        ApiError::PartMissing {
            message: String::new(),
        },
        ApiError::SizeMismatch(String::new()),
        ApiError::BadDigest(String::new()),
        ApiError::TooLarge(String::new()),
        ApiError::NotAVideo(String::new()),
        ApiError::UnsupportedMediaType(String::new()),
        ApiError::StorageRejected(String::new()),
        ApiError::Storage(String::new()),
        ApiError::Internal(String::new()),
    ];
    for e in &all {
        match e {
            ApiError::InvalidField { .. }
            | ApiError::BadRequest(_)
            | ApiError::Unauthenticated(_)
            | ApiError::Forbidden(_)
            | ApiError::TokenExpired(_)
            | ApiError::TokenRevoked(_)
            | ApiError::RateLimited { .. }
            | ApiError::QuotaExceeded { .. }
            | ApiError::Timeout(_)
            | ApiError::RequestTimeout(_)
            | ApiError::NotReady(_)
            | ApiError::AgentFrameDisabled(_)
            | ApiError::GenesysUnavailable(_)
            | ApiError::NotFound(_)
            | ApiError::Gone(_)
            | ApiError::Conflict(_)
            | ApiError::PartMissing { .. }
            | ApiError::SizeMismatch(_)
            | ApiError::BadDigest(_)
            | ApiError::TooLarge(_)
            | ApiError::NotAVideo(_)
            | ApiError::UnsupportedMediaType(_)
            | ApiError::StorageRejected(_)
            | ApiError::Storage(_)
            | ApiError::Internal(_) => {}
        }
    }
    all
}

#[test]
fn every_error_code_is_documented() {
    for e in every_error() {
        let (code, _) = e.code_and_status();
        assert!(ERROR_CODES.contains(&code), "{code} is not in ERROR_CODES");
    }
}
