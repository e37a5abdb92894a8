//! The watch page: the Leptos app (`dist/index.html`) with the video's
//! configuration in a `vidreply-watch` meta tag, and share-link revocation.
//!
//! The page names only our own relative URLs (`/v/{id}/media`, `/v/{id}/hls/…`,
//! `/v/{id}/poster.jpg`), which redirect to freshly signed storage URLs, so no
//! storage URL ever sits in a page a person keeps open.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use vidreply_core::protocol::{WATCH_META, WatchPage};
use vidreply_core::vocab::VideoStatus;

pub use super::watch_pages::{Unavailable, unavailable_page};

use super::openapi::{NotFound, Unauthenticated};
use crate::addresses;
use crate::clock::unix_now;
use crate::db::VideoRow;
use crate::error::ApiError;
use crate::extract::Bearer;
use crate::state::AppState;
use crate::token::{Claims, Scope};

/// Why `video` cannot be watched at `now_s`, if it cannot.
pub fn unavailable(video: &VideoRow, now_s: i64) -> Option<Unavailable> {
    if video.revoked_at.is_some() {
        Some(Unavailable::Revoked)
    } else if video.retention_expires_at.is_some_and(|t| t <= now_s) {
        Some(Unavailable::Expired)
    } else if video.status == VideoStatus::Failed {
        // Failed or refused (too long, not a browser's codec): its original, which
        // never passed processing, is not served to anyone.
        Some(Unavailable::Unplayable)
    } else {
        None
    }
}

/// The video's media answers 410 once its link is withdrawn, its retention ended,
/// or its processing failed.
pub fn check_available(video: &VideoRow) -> Result<(), ApiError> {
    match unavailable(video, unix_now() as i64) {
        None => Ok(()),
        Some(_) => Err(ApiError::Gone("This video is no longer available.".into())),
    }
}

/// The watch page of `video` for a viewer of `conversation_id`: the app's page with
/// its configuration, including a fresh watch token for this visit.
///
/// The token names the video and a viewer session the server chose (`session_id`,
/// a tutorial's, or a new one), so telemetry can report on nothing else; the media
/// URLs carry it as `?session=`, so the server sees which sessions it really
/// served (a start counts as a view only then).
pub async fn serve_watch_page(
    state: &AppState,
    video: &crate::db::VideoRow,
    conversation_id: &str,
    session_id: Option<&str>,
    visit: Admission,
) -> Result<Response, ApiError> {
    let now = unix_now();
    let session = (visit == Admission::Vouched)
        .then(|| session_id.map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string));
    let claims = Claims {
        sub: conversation_id.to_string(),
        cus: None,
        scope: Scope::Watch,
        iat: now,
        exp: now + state.settings.watch_token_ttl_seconds,
        jti: uuid::Uuid::new_v4().to_string(),
        rol: Default::default(),
        vid: Some(video.id.clone()),
        sid: session.clone(),
        agt: None,
    };
    let token = state.tokens.issue(&claims);
    let cred = format!("{SESSION_PARAM}={token}");
    let config = WatchPage {
        video_id: video.id.clone(),
        conversation_id: conversation_id.to_string(),
        session_id: session,
        token: token.clone(),
        mime_type: if video.mp4_key.is_some() {
            "video/mp4".into()
        } else {
            video.mime_type.clone()
        },
        duration: video.duration_ms.map(|ms| ms as f64 / 1000.0),
        hls: video
            .hls_key
            .as_ref()
            .map(|_| format!("{}?{cred}", addresses::hls_master_path(&video.id))),
        mp4: format!("{}?{cred}", addresses::media_path(&video.id)),
        poster: video
            .poster_key
            .as_ref()
            .map(|_| addresses::poster_path(&video.id)),
        title: None,
    };
    let json = serde_json::to_string(&config).map_err(|e| ApiError::Internal(e.to_string()))?;
    let shell = tokio::fs::read_to_string(state.settings.dist_dir.join("index.html"))
        .await
        .unwrap_or_else(|_| FALLBACK_SHELL.to_string());
    let head = format!(
        "<meta name=\"{WATCH_META}\" content=\"{}\">",
        html_escape(&json)
    );
    // Without the app (scripts off, or it failed to load), the page still offers the file.
    let noscript = format!(
        "<noscript><p>Your browser cannot run the video player. \
         <a href=\"{}\">Open the video</a> instead.</p></noscript>",
        addresses::media_path(&video.id)
    );
    let html = inject(&inject(&shell, "</head>", &head), "</body>", &noscript);
    let mut res = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// The query parameter that carries a visit's watch token on its media URLs.
pub const SESSION_PARAM: &str = "viewer";

/// The viewer session a media request was made for: the `?session=` watch token,
/// when it is valid and names this video.
pub fn media_session(state: &AppState, query: Option<&str>, video_id: &str) -> Option<String> {
    let token = crate::extract::query_param(query, SESSION_PARAM)?;
    let claims = state.tokens.verify(&token, Scope::Watch).ok()?;
    (claims.vid.as_deref() == Some(video_id))
        .then_some(claims.sid)
        .flatten()
}

/// A visit the server vouches for: within the per-IP and per-video visit limits
/// (each such visit mints a viewer session). Over them the page is still served,
/// so nobody can lock viewers out of a video, but with no session: nothing it
/// reports or fetches can become a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Vouched,
    Unvouched,
}

pub fn admit_visit(
    state: &AppState,
    ip: Option<crate::ratelimit::ClientIp>,
    key: &str,
) -> Admission {
    match state.visits.admit(ip.map(|c| c.0), key) {
        Ok(()) => Admission::Vouched,
        Err(_) => {
            tracing::warn!("watch-page visit over its limit: served without a viewer session");
            Admission::Unvouched
        }
    }
}

/// The page served when `dist/` was not built (server-only deployments and tests).
const FALLBACK_SHELL: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>vidreply</title>\
</head><body></body></html>";

/// `snippet` before the first `marker`, or at the end when there is none.
fn inject(html: &str, marker: &str, snippet: &str) -> String {
    match html.find(marker) {
        Some(at) => format!("{}{snippet}{}", &html[..at], &html[at..]),
        None => format!("{html}{snippet}"),
    }
}

pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Withdraw a video's share link.
///
/// From then on the link shows a "withdrawn" page (410), the video's media, poster
/// and HLS files answer 410, and its telemetry is refused. The video itself is kept
/// until its retention ends. Revoking again changes nothing.
#[utoipa::path(
    delete,
    path = "/videos/{id}/share-link",
    tag = "videos",
    operation_id = "revokeShareLink",
    security(("apiKey" = [])),
    params(("id" = String, Path, description = "The `videoId`.")),
    responses(
        (status = 204, description = "Withdrawn (also when it already was)."),
        (status = 401, response = Unauthenticated),
        (status = 404, response = NotFound),
    ),
)]
pub async fn revoke_share_link(
    State(state): State<AppState>,
    Bearer(key): Bearer,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.check_api_key(&key)?;
    let plausible = id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
    if !plausible || !state.db.revoke_video(&id, unix_now() as i64).await? {
        return Err(ApiError::NotFound(format!(
            "Video {} does not exist.",
            id.chars().take(64).collect::<String>()
        )));
    }
    tracing::info!(video_id = %id, "share link revoked");
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_meta_content_cannot_close_its_attribute_or_tag() {
        let s = html_escape(r#"{"title":"</script>\"'&"}"#);
        assert!(!s.contains(['"', '<', '>', '\'']), "{s}");
        assert_eq!(inject("<head></head>", "</head>", "X"), "<head>X</head>");
        assert_eq!(inject("<p>", "</head>", "X"), "<p>X");
    }
}
