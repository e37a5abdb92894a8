//! Temporary redirects to signed storage URLs, below every route that serves a
//! video's files (`videos` for share links and tutorial links alike). Customer videos
//! get a fresh signature per request and `no-store`; tutorial assets (static, sent to
//! many callers) reuse the bucket's signature and may be cached until the bucket ends.

use std::time::Duration;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::clock::unix_now;
use crate::error::ApiError;
use crate::state::AppState;

/// A redirect to `key` of video `video_id`.
pub async fn signed_redirect(
    state: &AppState,
    video_id: &str,
    key: &str,
) -> Result<Response, ApiError> {
    let ttl = Duration::from_secs(state.settings.presign_ttl_seconds);
    let (url, cache) = if state.db.asset(video_id).await?.is_some() {
        let (url, left) = state
            .sign_cache
            .get(state.store.as_ref(), key, ttl, unix_now());
        (url, format!("private, max-age={left}"))
    } else {
        (state.store.sign_get(key, ttl), "no-store".to_string())
    };
    let mut res = Redirect::temporary(&url).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_str(&cache).expect("ASCII"),
    );
    Ok(res)
}
