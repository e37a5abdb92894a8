//! The link resolver: share links on our server that never go stale, and media
//! served through freshly signed, short-lived storage URLs.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::openapi::{NotFound, SignedRedirect};
use crate::error::ApiError;
use crate::state::AppState;

/// The link people receive for a video. Never a storage URL.
pub fn share_url(state: &AppState, video_id: &str) -> String {
    state
        .settings
        .public_url()
        .join(&format!("v/{video_id}"))
        .expect("id is URL-safe")
        .into()
}

/// The video behind a share-link id; ids that could not be ours are not looked up.
async fn find(state: &AppState, id: &str) -> Result<Option<crate::db::VideoRow>, ApiError> {
    let plausible = id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
    Ok(if plausible {
        state.db.video(id).await?
    } else {
        None
    })
}

/// The share link: the watch page of a video.
///
/// This is the `mediaUrl` of a video and of the `video.received` webhook. It never
/// goes stale while the video exists.
#[utoipa::path(
    get,
    path = "/v/{id}",
    tag = "videos",
    operation_id = "watchVideo",
    params(("id" = String, Path, description = "The `videoId` (32 hex digits).")),
    responses(
        (status = 200, description = "The watch page.", body = String, content_type = "text/html"),
        (status = 404, description = "A page saying the video does not exist or is no longer available.", body = String, content_type = "text/html"),
    ),
)]
pub async fn watch(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let Some(video) = find(&state, &id).await? else {
        let page = page(
            "Video not found",
            "<p>This video does not exist or is no longer available.</p>",
        );
        return Ok((StatusCode::NOT_FOUND, Html(page)).into_response());
    };
    let body = format!(
        "<video controls playsinline preload=\"metadata\" src=\"/v/{id}/media\" type=\"{mime}\">\
         <p>Your browser cannot play this video. <a href=\"/v/{id}/media\">Download it</a> instead.</p></video>",
        id = video.id,
        mime = html_escape(&video.mime_type),
    );
    Ok(Html(page("Video message", &body)).into_response())
}

/// The playable file (the processed MP4 once ready, the original until then),
/// through a freshly signed storage URL.
#[utoipa::path(
    get,
    path = "/v/{id}/media",
    tag = "videos",
    operation_id = "videoMedia",
    params(("id" = String, Path, description = "The `videoId` (32 hex digits).")),
    responses(
        (status = 307, response = SignedRedirect),
        (status = 404, response = NotFound),
    ),
)]
pub async fn media(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let video = found(&state, &id).await?;
    let key = video.mp4_key.as_deref().unwrap_or(&video.object_key);
    Ok(redirect_to(&state, key))
}

/// The poster image, made by the browser or by processing.
#[utoipa::path(
    get,
    path = "/v/{id}/poster.jpg",
    tag = "videos",
    operation_id = "videoPoster",
    params(("id" = String, Path, description = "The `videoId` (32 hex digits).")),
    responses(
        (status = 307, response = SignedRedirect),
        (status = 404, response = NotFound),
    ),
)]
pub async fn poster(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let video = found(&state, &id).await?;
    let key = video
        .poster_key
        .ok_or_else(|| ApiError::NotFound("This video has no poster yet.".into()))?;
    Ok(redirect_to(&state, &key))
}

/// A file of the HLS ladder (`master.m3u8`, then each rendition's playlist and
/// segments). Playlists name their segments relative to themselves, so each one
/// comes back here and gets its own fresh signature.
#[utoipa::path(
    get,
    path = "/v/{id}/hls/{file}",
    tag = "videos",
    operation_id = "videoHls",
    params(
        ("id" = String, Path, description = "The `videoId` (32 hex digits)."),
        ("file" = String, Path, description = "`master.m3u8`, or a path the playlists name, e.g. `360p/seg_000.ts`."),
    ),
    responses(
        (status = 307, response = SignedRedirect),
        (status = 404, response = NotFound),
    ),
)]
pub async fn hls(
    State(state): State<AppState>,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let video = found(&state, &id).await?;
    // Server-made names only: `360p/seg_000.ts`; no `..`, no hidden or empty parts.
    let safe = file.len() <= 128
        && file.split('/').all(|part| {
            !part.is_empty()
                && !part.starts_with('.')
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        });
    if !safe || video.hls_key.is_none() {
        return Err(ApiError::NotFound("No such rendition file.".into()));
    }
    let key = format!("{}hls/{file}", crate::processing::video_prefix(&video.id));
    Ok(redirect_to(&state, &key))
}

async fn found(state: &AppState, id: &str) -> Result<crate::db::VideoRow, ApiError> {
    find(state, id)
        .await?
        .ok_or_else(|| ApiError::NotFound("This video does not exist.".into()))
}

/// A temporary redirect to a freshly signed storage URL that is never cached.
fn redirect_to(state: &AppState, key: &str) -> Response {
    let ttl = Duration::from_secs(state.settings.presign_ttl_seconds);
    let url = state.store.sign_get(key, ttl);
    let mut res = Redirect::temporary(&url).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, "no-store".parse().expect("static"));
    res
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}}video{{width:100%}}</style>\
         </head><body><h1>{title}</h1>{body}</body></html>"
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
