//! The link resolver: share links on our server that never go stale, and media
//! served through freshly signed, short-lived storage URLs.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::openapi::{Conflict, Gone, NotFound, SignedRedirect};
use super::watch::{Unavailable, unavailable_page};
use crate::error::ApiError;
use crate::ratelimit::ClientIp;
use crate::state::AppState;

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
/// goes stale while the video exists: the page fetches the video through links that
/// redirect to freshly signed storage URLs. A missing video gets a friendly 404 page;
/// a withdrawn one (see `revokeShareLink`) or one past its retention, a 410 page. The
/// pages are in the language of `?lang=` or `Accept-Language` (en, es, fr, de, pt), and
/// plain text for a client that accepts text and not HTML.
#[utoipa::path(
    get,
    path = "/v/{id}",
    tag = "videos",
    operation_id = "watchVideo",
    params(
        ("id" = String, Path, description = "The `videoId` (32 hex digits)."),
        ("lang" = Option<String>, Query, description = "Language of the page: en, es, fr, de or pt."),
        ("theme" = Option<String>, Query, description = "`light` or `dark`; the system's by default."),
    ),
    responses(
        (status = 200, description = "The watch page. Its `vidreply-watch` meta tag holds the video's configuration and a watch token for telemetry, naming a viewer session the server chose; past the visit limits (`VIDREPLY_WATCH_VISITS_*`) the page comes without a session, and nothing it reports counts as a view. It is never cached.", body = String, content_type = "text/html"),
        (status = 404, description = "A page saying the video does not exist.", body = String, content_type = "text/html"),
        (status = 410, description = "A page saying the video was withdrawn, has expired, or could not be processed (its original is never served).", body = String, content_type = "text/html"),
    ),
)]
pub async fn watch(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ip: Option<Extension<ClientIp>>,
) -> Result<Response, ApiError> {
    let Some(video) = find(&state, &id).await? else {
        return Ok(unavailable_page(
            StatusCode::NOT_FOUND,
            Unavailable::Missing,
        ));
    };
    if let Some(kind) = super::watch::unavailable(&video, crate::clock::unix_now() as i64) {
        return Ok(unavailable_page(StatusCode::GONE, kind));
    }
    let visit = super::watch::admit_visit(&state, ip.map(|e| e.0), &video.id);
    let conversation = video.conversation_id.clone();
    super::watch::serve_watch_page(&state, &video, &conversation, None, visit).await
}

/// The playable file (the processed MP4 once ready; the original before that, once
/// processing has checked it), through a freshly signed storage URL.
///
/// The watch page asks for it with `?viewer=<its watch token>`: the server then
/// records that it served this viewer session, the evidence a view needs. A video
/// that failed processing or was refused answers 410: its original is never served.
#[utoipa::path(
    get,
    path = "/v/{id}/media",
    tag = "videos",
    operation_id = "videoMedia",
    params(
        ("id" = String, Path, description = "The `videoId` (32 hex digits)."),
        ("viewer" = Option<String>, Query, description = "The watch page's watch token: marks this viewer session as served."),
    ),
    responses(
        (status = 307, response = SignedRedirect),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 410, response = Gone),
    ),
)]
pub async fn media(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let video = found(&state, &id).await?;
    // The original only once processing checked it (codecs, limits); never before.
    let key = match (&video.mp4_key, video.vetted_at) {
        (Some(mp4), _) => mp4.as_str(),
        (None, Some(_)) => video.object_key.as_str(),
        (None, None) => {
            return Err(ApiError::Conflict(
                "This video is still being checked; try again in a moment.".into(),
            ));
        }
    };
    served_to(&state, query.as_deref(), &video.id).await?;
    super::redirect::signed_redirect(&state, &video.id, key).await
}

/// Record that the visit named by `?viewer=` was served this video's media: the
/// evidence that turns its `VIDEO_START` into a view. A session is written once (a
/// read first, so the segments of a playing video do not queue for the writer).
async fn served_to(state: &AppState, query: Option<&str>, video_id: &str) -> Result<(), ApiError> {
    if let Some(session) = super::watch::media_session(state, query, video_id)
        && !state.db.media_session_seen(video_id, &session).await?
    {
        let now = crate::clock::unix_now_ms() as i64;
        state
            .db
            .record_media_session(video_id, &session, now)
            .await?;
    }
    Ok(())
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
        (status = 410, response = Gone),
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
    super::redirect::signed_redirect(&state, &video.id, &key).await
}

/// The HLS master playlist (`master.m3u8`).
///
/// Playlists are served from here, never redirected, so the URIs they name resolve
/// against this server: each rendition playlist and segment comes back to
/// `/v/{id}/hls/…` and gets its own fresh signature.
#[utoipa::path(
    get,
    path = "/v/{id}/hls/{file}",
    tag = "videos",
    operation_id = "videoHls",
    params(
        ("id" = String, Path, description = "The `videoId` (32 hex digits)."),
        ("file" = String, Path, description = "`master.m3u8`."),
        ("viewer" = Option<String>, Query, description = "The watch page's watch token; carried on to every URI of the playlist."),
    ),
    responses(
        (status = 200, description = "The playlist; never cached.", body = String, content_type = "application/vnd.apple.mpegurl"),
        (status = 404, response = NotFound),
        (status = 410, response = Gone),
    ),
)]
pub async fn hls(
    State(state): State<AppState>,
    Path((id, file)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    hls_file(&state, &id, &file, query.as_deref()).await
}

/// A rendition's playlist (`360p/index.m3u8`, served from here) or one of its
/// segments (`360p/seg_000.ts`, a redirect to a freshly signed storage URL).
#[utoipa::path(
    get,
    path = "/v/{id}/hls/{rendition}/{file}",
    tag = "videos",
    operation_id = "videoHlsRendition",
    params(
        ("id" = String, Path, description = "The `videoId` (32 hex digits)."),
        ("rendition" = String, Path, description = "A rendition the master playlist names, e.g. `360p`."),
        ("file" = String, Path, description = "`index.m3u8`, or a segment it names, e.g. `seg_000.ts`."),
        ("viewer" = Option<String>, Query, description = "The watch page's watch token: carried on to the playlist's URIs, and a segment marks this viewer session as served."),
    ),
    responses(
        (status = 200, description = "The rendition's playlist; never cached.", body = String, content_type = "application/vnd.apple.mpegurl"),
        (status = 307, response = SignedRedirect),
        (status = 404, response = NotFound),
        (status = 410, response = Gone),
    ),
)]
pub async fn hls_rendition(
    State(state): State<AppState>,
    Path((id, rendition, file)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    hls_file(
        &state,
        &id,
        &format!("{rendition}/{file}"),
        query.as_deref(),
    )
    .await
}

/// Largest playlist served (a VOD playlist of an hour in 2 s segments is ~60 KiB).
const MAX_PLAYLIST: usize = 1024 * 1024;

async fn hls_file(
    state: &AppState,
    id: &str,
    file: &str,
    query: Option<&str>,
) -> Result<Response, ApiError> {
    let video = found(state, id).await?;
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
    let key = crate::addresses::hls_key(&video.id, file);
    if !file.ends_with(".m3u8") {
        served_to(state, query, &video.id).await?;
        return super::redirect::signed_redirect(state, &video.id, &key).await;
    }
    let bytes = state.store.read_head(&key, MAX_PLAYLIST + 1).await?;
    if bytes.len() > MAX_PLAYLIST {
        return Err(ApiError::Internal(format!("playlist {key} is too large")));
    }
    // The viewer's credential goes on to every URI the playlist names, so its
    // segments come back marked as served to that session.
    // Only a credential that names this video is carried on (never an arbitrary string).
    let viewer = crate::extract::query_param(query, super::watch::SESSION_PARAM)
        .filter(|_| super::watch::media_session(state, query, &video.id).is_some());
    let bytes = match viewer {
        Some(v) => with_viewer(&String::from_utf8_lossy(&bytes), &v).into(),
        None => bytes,
    };
    let mut res = (
        [(header::CONTENT_TYPE, "application/vnd.apple.mpegurl")],
        bytes,
    )
        .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, "no-store".parse().expect("static"));
    Ok(res)
}

/// `playlist` with `?viewer=` (URL-encoded `token`) added to every URI it names: the
/// URI lines and `URI="…"` attributes.
fn with_viewer(playlist: &str, token: &str) -> String {
    let param: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair(super::watch::SESSION_PARAM, token)
        .finish();
    let add = |uri: &str| {
        let sep = if uri.contains('?') { '&' } else { '?' };
        format!("{uri}{sep}{param}")
    };
    let mut out = String::with_capacity(playlist.len() * 2);
    for line in playlist.lines() {
        let t = line.trim();
        if t.is_empty() {
            out.push_str(line);
        } else if !t.starts_with('#') {
            out.push_str(&add(t));
        } else if let Some((head, rest)) = t.split_once("URI=\"")
            && let Some((uri, tail)) = rest.split_once('"')
        {
            out.push_str(&format!("{head}URI=\"{}\"{tail}", add(uri)));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// A video whose files may be served: it exists, is not withdrawn, not expired.
async fn found(state: &AppState, id: &str) -> Result<crate::db::VideoRow, ApiError> {
    let video = find(state, id)
        .await?
        .ok_or_else(|| ApiError::NotFound("This video does not exist.".into()))?;
    super::watch::check_available(&video)?;
    Ok(video)
}
