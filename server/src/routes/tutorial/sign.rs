//! The IVR's side: sign a tutorial link for a caller's session (a Genesys Data
//! Action sends it by SMS), then ask how far the session got.

use axum::Json;
use axum::extract::{Path, State};
use vidreply_core::protocol::{SignVideoUrlRequest, SignedVideoUrl, TutorialSessionStatus};
use vidreply_core::vocab::VideoStatus;

use super::super::check_id;
use super::super::openapi::{
    BadInput, Conflict, NotFound, TooLarge, Unauthenticated, UnsupportedMediaType,
};
use super::{LINK_KIND, LinkClaims, rfc3339_ms};
use crate::clock::unix_now;
use crate::db::TutorialSessionRow;
use crate::error::ApiError;
use crate::extract::{ApiJson, Bearer};
use crate::state::AppState;

/// `source_channel` when the request names none.
const DEFAULT_CHANNEL: &str = "ivr";

/// Sign a tutorial link for a caller (Genesys Data Action).
///
/// The link (`url`) opens the tutorial's watch page on any device until
/// `expires_at`: its token is bound to the session, the asset and the conversation,
/// not to an IP address or a browser, so a caller who forwards the SMS to a tablet
/// can watch there. After `expires_at` the link shows a "link expired" page (410).
/// `expiration_seconds` must lie within `VIDREPLY_TUTORIAL_MIN_TTL_SECONDS` and
/// `VIDREPLY_TUTORIAL_MAX_TTL_SECONDS` (60 and 3600 by default).
///
/// The `session_token` becomes the web session's id: the page's telemetry carries
/// it, the first real playback posts `context.message` to `conversation_id`, and
/// `GET /api/v1/sessions/{session_token}/status` tells the flow how far it got.
/// Signing the same session again (same conversation and asset) renews its link.
#[utoipa::path(
    post,
    path = "/media/sign-video-url",
    tag = "tutorials",
    operation_id = "signVideoUrl",
    security(("apiKey" = [])),
    request_body = SignVideoUrlRequest,
    responses(
        (status = 200, description = "The signed link.", body = SignedVideoUrl,
         example = json!({
             "url": "https://video.example.com/t/0123456789abcdef0123456789abcdef?conversationId=conv-123&session=ivr-7f3a9c&token=eyJhbGciOiJIUzI1NiJ9.e30.c2ln",
             "expires_at": "2026-01-01T00:15:00Z",
             "session_id": "ivr-7f3a9c"
         })),
        (status = 400, response = BadInput),
        (status = 401, response = Unauthenticated),
        (status = 409, response = Conflict),
        (status = 413, response = TooLarge),
        (status = 415, response = UnsupportedMediaType),
    ),
)]
pub async fn sign_video_url(
    State(state): State<AppState>,
    Bearer(key): Bearer,
    ApiJson(req): ApiJson<SignVideoUrlRequest>,
) -> Result<Json<SignedVideoUrl>, ApiError> {
    state.check_api_key(&key)?;
    check_id("asset_id", &req.asset_id, 64)?;
    check_id("session_token", &req.session_token, 128)?;
    check_id("conversation_id", &req.conversation_id, 128)?;
    let channel = req.source_channel.as_deref().unwrap_or(DEFAULT_CHANNEL);
    check_id("source_channel", channel, 32)?;
    let s = &state.settings;
    let (min, max) = (s.tutorial_min_ttl_seconds, s.tutorial_max_ttl_seconds);
    if !(min..=max).contains(&req.expiration_seconds) {
        return Err(ApiError::field(
            "expiration_seconds",
            format!("expiration_seconds must be between {min} and {max} seconds."),
        ));
    }
    let no_asset = || ApiError::field("asset_id", "asset_id names no tutorial asset.");
    state.db.asset(&req.asset_id).await?.ok_or_else(no_asset)?;
    let video = state.db.video(&req.asset_id).await?.ok_or_else(no_asset)?;
    if super::super::watch::unavailable(&video, now_s()).is_some() {
        return Err(ApiError::field(
            "asset_id",
            "asset_id names a tutorial asset whose link was withdrawn.",
        ));
    }
    if video.status != VideoStatus::Ready {
        let why = if video.status == VideoStatus::Failed {
            "asset_id names a tutorial asset whose processing failed; upload it again."
        } else {
            "asset_id names a tutorial asset still being processed; sign its link once it is ready."
        };
        return Err(ApiError::field("asset_id", why));
    }
    let now = unix_now();
    let exp = now + req.expiration_seconds;
    let session = state
        .db
        .upsert_tutorial_session(&TutorialSessionRow {
            id: req.session_token.clone(),
            conversation_id: req.conversation_id.clone(),
            asset_id: req.asset_id.clone(),
            source_channel: channel.to_string(),
            created_at: now as i64,
            expires_at: exp as i64,
            opened_at: None,
            started_at: None,
            completed_at: None,
            channel_hint: None,
        })
        .await?;
    if session.conversation_id != req.conversation_id || session.asset_id != req.asset_id {
        return Err(ApiError::Conflict(
            "This session_token was signed for another conversation or asset; use a new session_token."
                .into(),
        ));
    }
    let claims = LinkClaims {
        sub: req.conversation_id.clone(),
        ses: req.session_token.clone(),
        ast: req.asset_id.clone(),
        typ: LINK_KIND.into(),
        iat: now,
        exp,
        jti: uuid::Uuid::new_v4().to_string(),
    };
    let token = state.tokens.issue_other(&claims);
    let mut url = state.urls().tutorial(&req.asset_id);
    url.query_pairs_mut()
        .append_pair("conversationId", &req.conversation_id)
        .append_pair("session", &req.session_token)
        .append_pair("token", &token);
    // The link and its token are credentials: never logged.
    tracing::info!(asset_id = %req.asset_id, ttl_s = req.expiration_seconds, "tutorial link signed");
    Ok(Json(SignedVideoUrl {
        url: url.into(),
        expires_at: rfc3339_ms(exp as i64 * 1000),
        session_id: req.session_token,
    }))
}

fn now_s() -> i64 {
    unix_now() as i64
}

/// Where a tutorial session stands: an Architect Data Action for the IVR.
///
/// **Data Action contract** (Genesys Cloud, Web Services Data Actions integration,
/// credentials: User Defined with header `Authorization: Bearer <API key>`):
///
/// - *Request*: `GET {base}/api/v1/sessions/${input.sessionId}/status`; input
///   contract `{"sessionId": string}` (the `session_token` the flow signed with).
/// - *Response*: the JSON below, flat, so the output contract maps it 1:1:
///   `opened`, `started`, `completed` (booleans), `channelHint` (`web`, `sms`, or
///   null until opened), the RFC 3339 times (`openedAt`, `startedAt`,
///   `completedAt`, null until they happen) and `expiresAt`.
///
/// **The IVR's fallback branch**: after sending the link, the flow waits, then calls
/// this. `opened = false` means *offered but not viewed* (the SMS went unread:
/// offer to read the steps out, or transfer to an agent); `opened = true` and
/// `started = false` means the page was opened but playback never started (the
/// caller may need help playing it); `started` and `completed` mean the tutorial was
/// watched. `channelHint` says which device opened it (`sms`: a phone, `web`: a
/// computer). An unknown session answers 404: treat it as "not viewed".
#[utoipa::path(
    get,
    path = "/sessions/{session}/status",
    tag = "tutorials",
    operation_id = "tutorialSessionStatus",
    security(("apiKey" = [])),
    params(("session" = String, Path, description = "The `session_token` the link was signed for.")),
    responses(
        (status = 200, description = "The session's progress.", body = TutorialSessionStatus),
        (status = 401, response = Unauthenticated),
        (status = 404, response = NotFound),
    ),
)]
pub async fn session_status(
    State(state): State<AppState>,
    Bearer(key): Bearer,
    Path(session): Path<String>,
) -> Result<Json<TutorialSessionStatus>, ApiError> {
    state.check_api_key(&key)?;
    let not_found = || ApiError::NotFound("No tutorial session has that id.".into());
    if session.chars().count() > 128 {
        return Err(not_found());
    }
    let s = state
        .db
        .tutorial_session(&session)
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(TutorialSessionStatus {
        opened: s.opened_at.is_some(),
        started: s.started_at.is_some(),
        completed: s.completed_at.is_some(),
        opened_at: s.opened_at.map(rfc3339_ms),
        started_at: s.started_at.map(rfc3339_ms),
        completed_at: s.completed_at.map(rfc3339_ms),
        channel_hint: s.channel_hint,
        expires_at: rfc3339_ms(s.expires_at * 1000),
        session_id: s.id,
        conversation_id: s.conversation_id,
        asset_id: s.asset_id,
    }))
}
