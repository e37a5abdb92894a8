//! What one capture link may hold: open uploads and bytes (`VIDREPLY_TOKEN_MAX_*`).
//! (What an upload that ends without a video leaves in storage, nothing, is
//! `retention::discard`.)
//!
//! An open upload counts what it may still hold (its `totalBytes`, else the
//! largest upload), because sign refuses parts past that; a completed one counts
//! its real size; a cancelled one nothing. So every check happens when an upload
//! is created: a quota never stops an upload that is already open from finishing.

use crate::db::{TokenUsage, UploadQuota, UploadRow};
use crate::error::ApiError;
use crate::state::AppState;

/// The quota for `state`'s settings.
pub fn of(state: &AppState) -> UploadQuota {
    let s = &state.settings;
    UploadQuota {
        max_open: i64::from(s.quotas.token_max_open_uploads),
        max_bytes: clamp(s.quotas.max_bytes(s.max_upload_bytes)),
        undeclared_bytes: clamp(s.max_upload_bytes),
    }
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Refuse, naming the quota, if an upload that may hold `declared` bytes (or the
/// largest upload) does not fit with what the token `jti` already holds.
pub async fn check(state: &AppState, jti: &str, declared: Option<u64>) -> Result<(), ApiError> {
    let quota = of(state);
    let used = state.db.token_usage(jti, quota.undeclared_bytes).await?;
    match refusal(&quota, used, declared) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Record `row` if its link stays within its quotas (checked in the same step);
/// otherwise undo its storage side and refuse, naming the quota.
pub async fn insert(
    state: &AppState,
    row: &UploadRow,
    declared: Option<u64>,
) -> Result<(), ApiError> {
    if state.db.insert_upload_within(row, &of(state)).await? {
        return Ok(());
    }
    // Another create of this link got the last room first: undo ours.
    if let Err(e) = state
        .store
        .abort(&row.object_key, &row.storage_upload_id)
        .await
    {
        tracing::warn!(error = %e, "could not abort a refused upload's storage; the sweep will");
    }
    let jti = row.token_id.as_deref().unwrap_or_default();
    check(state, jti, declared).await?;
    Err(quota_exceeded(
        "This link's upload quota is used up; finish or cancel an open upload first.".into(),
    ))
}

/// An upload quota's refusal: room comes back when the link finishes or cancels an
/// upload, which the server cannot foresee; a minute is a fair time to look again.
fn quota_exceeded(message: String) -> ApiError {
    ApiError::QuotaExceeded {
        message,
        retry_after_secs: 60,
    }
}

/// Why an upload that may hold `declared` bytes does not fit, if it does not.
pub fn refusal(quota: &UploadQuota, used: TokenUsage, declared: Option<u64>) -> Option<ApiError> {
    if used.open >= quota.max_open {
        return Some(quota_exceeded(format!(
            "This link already has {} uploads in progress, the most one link may have \
             (VIDREPLY_TOKEN_MAX_OPEN_UPLOADS); finish or cancel one first.",
            used.open
        )));
    }
    let need = declared.map_or(quota.undeclared_bytes, clamp);
    if used.bytes.saturating_add(need) > quota.max_bytes {
        let why = if declared.is_some() {
            "its totalBytes"
        } else {
            "the largest upload, VIDREPLY_MAX_UPLOAD_BYTES, as totalBytes was left out"
        };
        return Some(quota_exceeded(format!(
            "This link's uploads already hold or may hold {} of the {} bytes one link may \
             store (VIDREPLY_TOKEN_MAX_BYTES); a new upload needs room for {need} bytes \
             ({why}). Finish or cancel an open upload first.",
            used.bytes, quota.max_bytes
        )));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q: UploadQuota = UploadQuota {
        max_open: 3,
        max_bytes: 1000,
        undeclared_bytes: 400,
    };

    fn used(open: i64, bytes: i64) -> TokenUsage {
        TokenUsage { open, bytes }
    }

    #[test]
    fn refusals_name_the_quota_and_its_setting() {
        assert!(refusal(&Q, used(2, 600), None).is_none());
        assert!(refusal(&Q, used(2, 900), Some(100)).is_none());
        let e = refusal(&Q, used(3, 0), Some(1)).unwrap().to_string();
        assert!(
            e.contains("VIDREPLY_TOKEN_MAX_OPEN_UPLOADS") && e.contains('3'),
            "{e}"
        );
        let e = refusal(&Q, used(1, 601), None).unwrap().to_string();
        assert!(
            e.contains("VIDREPLY_TOKEN_MAX_BYTES") && e.contains("400"),
            "{e}"
        );
        let e = refusal(&Q, used(0, 0), Some(1001)).unwrap().to_string();
        assert!(e.contains("1001 bytes (its totalBytes)"), "{e}");
    }
}
