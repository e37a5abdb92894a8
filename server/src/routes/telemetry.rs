//! Watch-page telemetry in: batches deduped by event id, `video.viewed` once per
//! video and viewer session. (JSONL out and the engagement summary are
//! `telemetry_export`.)

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, RawQuery, Request, State};
use axum::http::{HeaderMap, header};
use vidreply_core::protocol::{
    MAX_TELEMETRY_BATCH, TelemetryAccepted, TelemetryBatch, TelemetryEvent, VideoViewed,
};
use vidreply_core::vocab::{CompletionStatus, TelemetryType, WebhookEvent};

use super::check_id;
use super::openapi::UnsupportedMediaType;
use super::openapi::{BadInput, Forbidden, Gone, TooLarge, Unauthenticated};
use super::tutorial::marks::TutorialBatch;
use crate::clock::unix_now_ms;
use crate::db::{FirstView, TelemetryRow, VideoRow};
use crate::error::ApiError;
use crate::extract::{bearer_token, parse_json, query_param};
use crate::state::AppState;
use crate::token::{Claims, Scope};

/// Timestamps before 2020 or over a day ahead of the server are not real.
const EARLIEST_MS: u64 = 1_577_836_800_000;
const DAY_MS: u64 = 86_400_000;

/// Report watch-page events (at most 100 per batch).
///
/// Authenticated by the watch link's token, as `Authorization: Bearer <token>` or,
/// for `navigator.sendBeacon` (which cannot set headers), as `?token=<token>`. The
/// body is JSON, sent as `application/json` or as `text/plain` (a beacon's string).
/// An event id seen before is accepted and ignored. A watch token reports on its
/// own video and its own viewer session only (both chosen by the server for the
/// visit; any other `assetId` or `sessionId` is refused with 403). Events are
/// *verified* when the server has served that session the video's media (through
/// the page's `?viewer=` media URLs); unverified events are kept and exported,
/// but never count as views. The first verified `VIDEO_START` of a video and
/// viewer session queues the `video.viewed` webhook, once.
#[utoipa::path(
    post,
    path = "/telemetry",
    tag = "telemetry",
    operation_id = "reportTelemetry",
    security(("watchToken" = []), ("watchTokenQuery" = [])),
    params(("token" = Option<String>, Query, description = "The watch token, when it cannot be sent as a header (`sendBeacon`).")),
    request_body(content(
        (TelemetryBatch = "application/json"),
        (TelemetryBatch = "text/plain"),
    )),
    responses(
        (status = 200, description = "Stored; `stored` counts the events not seen before.", body = TelemetryAccepted),
        (status = 400, response = BadInput),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 410, response = Gone),
        (status = 413, response = TooLarge),
        (status = 415, response = UnsupportedMediaType),
    ),
)]
pub async fn report(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    req: Request,
) -> Result<Json<TelemetryAccepted>, ApiError> {
    // A credential must be there; the body's types are read before it is checked
    // and its values after, as for every JSON endpoint.
    let token = if headers.contains_key(header::AUTHORIZATION) {
        bearer_token(&headers)?
    } else {
        query_param(query.as_deref(), "token").ok_or_else(|| {
            ApiError::Unauthenticated(
                "Send the watch token as Authorization: Bearer <token> or as ?token=.".into(),
            )
        })?
    };
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| ct.split(';').next())
        .map(|ct| ct.trim().to_ascii_lowercase());
    if !matches!(kind.as_deref(), Some("application/json" | "text/plain")) {
        return Err(ApiError::UnsupportedMediaType(
            "Send the body as JSON with Content-Type: application/json (or text/plain from sendBeacon).".into(),
        ));
    }
    let bytes = Bytes::from_request(req, &state)
        .await
        .map_err(|_| ApiError::TooLarge("The request body is too large.".into()))?;
    let batch: TelemetryBatch = parse_json(&bytes)?;
    let claims = state.verify_token(&token, Scope::Watch).await?;
    if batch.events.is_empty() || batch.events.len() > MAX_TELEMETRY_BATCH {
        return Err(ApiError::field(
            "events",
            format!("events must hold 1 to {MAX_TELEMETRY_BATCH} events."),
        ));
    }
    let visit = Visit::of(&claims)?;
    // The evidence: the server served this session the video's media. Without it
    // the events are kept, marked unverified, and count for nothing.
    let verified = state
        .db
        .media_session_seen(&visit.video_id, &visit.session_id)
        .await?;
    let now = unix_now_ms();
    let mut videos: HashMap<String, VideoRow> = HashMap::new();
    let mut rows = Vec::with_capacity(batch.events.len());
    let mut views: Vec<FirstView> = Vec::new();
    let mut tutorial = TutorialBatch::default();
    for (i, e) in batch.events.iter().enumerate() {
        let video = check_event(&state, &claims, &mut videos, &mut tutorial, i, e, now).await?;
        visit.check(i, e)?;
        if verified {
            tutorial.observe(&state, &claims, &video, e).await?;
        }
        // A tutorial asset's start is announced as its session's `context.message`.
        if verified
            && TelemetryType::Start == e.event_type.as_str()
            && !tutorial.is_asset(&state, &video.id).await?
            && !views
                .iter()
                .any(|v| v.video_id == video.id && v.session_id == e.session_id)
        {
            let payload = VideoViewed {
                conversation_id: video.conversation_id.clone(),
                video_id: video.id.clone(),
                status: "viewed".into(),
                view_timestamp: rfc3339_ms(e.timestamp),
                session_id: e.session_id.clone(),
            };
            views.push(FirstView {
                video_id: video.id.clone(),
                session_id: e.session_id.clone(),
                viewed_at_ms: e.timestamp as i64,
                event: state
                    .outbox
                    .as_ref()
                    .map(|o| o.event(WebhookEvent::VideoViewed, &payload)),
            });
        }
        rows.push(TelemetryRow {
            seq: 0,
            event_id: e.event_id.clone(),
            video_id: video.id.clone(),
            session_id: e.session_id.clone(),
            conversation_id: e.conversation_id.clone(),
            event_type: e.event_type.clone(),
            timestamp_ms: e.timestamp as i64,
            duration_watched: e.duration_watched,
            completion_status: e.completion_status.clone(),
            quartile: e.quartile.map(i64::from),
            received_at: now as i64,
            verified: i64::from(verified),
        });
    }
    let stored = state
        .db
        .insert_telemetry(&rows, &views, &tutorial.marks)
        .await?;
    let queued = !views.is_empty() || tutorial.has_events();
    if let Some(o) = state.outbox.as_ref().filter(|_| queued) {
        o.notify();
    }
    tracing::info!(received = rows.len(), stored, verified, "telemetry stored");
    Ok(Json(TelemetryAccepted {
        received: rows.len() as u32,
        stored: stored as u32,
    }))
}

/// The one video and viewer session a watch token reports on: both chosen by the
/// server when it served the page, so a share link's holder cannot make up viewers.
struct Visit {
    video_id: String,
    session_id: String,
}

impl Visit {
    fn of(claims: &Claims) -> Result<Self, ApiError> {
        match (&claims.vid, &claims.sid) {
            (Some(v), Some(s)) => Ok(Self {
                video_id: v.clone(),
                session_id: s.clone(),
            }),
            _ => Err(ApiError::Forbidden(
                "This watch token names no video and viewer session; reload the watch page.".into(),
            )),
        }
    }

    /// An event reports on this visit's video and session, or is refused.
    fn check(&self, i: usize, e: &TelemetryEvent) -> Result<(), ApiError> {
        if e.asset_id != self.video_id {
            return Err(ApiError::Forbidden(format!(
                "events[{i}].assetId: this watch token reports only on video {}.",
                self.video_id
            )));
        }
        if e.session_id != self.session_id {
            return Err(ApiError::Forbidden(format!(
                "events[{i}].sessionId: the viewer session is the server's; use the watch page's sessionId."
            )));
        }
        Ok(())
    }
}

/// Check one event, naming the field at fault; returns its video as the token's
/// holder sees it (a tutorial asset in their conversation).
async fn check_event(
    state: &AppState,
    claims: &Claims,
    videos: &mut HashMap<String, VideoRow>,
    tutorial: &mut TutorialBatch,
    i: usize,
    e: &TelemetryEvent,
    now: u64,
) -> Result<VideoRow, ApiError> {
    let f = |name: &str| format!("events[{i}].{name}");
    check_id(&f("eventId"), &e.event_id, 128)?;
    if e.event_type.parse::<TelemetryType>().is_err() {
        let field = f("type");
        let types: Vec<_> = TelemetryType::ALL.iter().map(|t| t.as_str()).collect();
        let msg = format!("{field} must be one of {}.", types.join(", "));
        return Err(ApiError::field(field, msg));
    }
    if !(EARLIEST_MS..=now + DAY_MS).contains(&e.timestamp) {
        let field = f("timestamp");
        let msg = format!("{field} must be unix milliseconds, not in the future.");
        return Err(ApiError::field(field, msg));
    }
    check_id(&f("sessionId"), &e.session_id, 128)?;
    check_id(&f("conversationId"), &e.conversation_id, 128)?;
    check_id(&f("assetId"), &e.asset_id, 64)?;
    if !videos.contains_key(&e.asset_id) {
        let Some(v) = state.db.video(&e.asset_id).await? else {
            let field = f("assetId");
            let msg = format!("{field} names no video.");
            return Err(ApiError::field(field, msg));
        };
        super::watch::check_available(&v)?;
        let v = tutorial.visible(state, claims, v).await?;
        videos.insert(v.id.clone(), v);
    }
    let video = videos[&e.asset_id].clone();
    if e.conversation_id != video.conversation_id {
        let field = f("conversationId");
        let msg = format!("{field} must be the video's conversation.");
        return Err(ApiError::field(field, msg));
    }
    // A little over the video's length, for players that round up.
    let longest = video
        .duration_ms
        .map_or(86_400.0, |ms| ms as f64 / 1000.0 + 1.0);
    if !(0.0..=longest).contains(&e.duration_watched) {
        let field = f("durationWatched");
        let msg = format!("{field} must be between 0 and the video's length in seconds.");
        return Err(ApiError::field(field, msg));
    }
    if e.completion_status.parse::<CompletionStatus>().is_err() {
        let field = f("completionStatus");
        let msg = format!("{field} must be in_progress or completed.");
        return Err(ApiError::field(field, msg));
    }
    let progress = TelemetryType::Progress == e.event_type.as_str();
    match e.quartile {
        Some(25 | 50 | 75) if progress => {}
        None if !progress => {}
        _ => {
            let field = f("quartile");
            let msg = if progress {
                format!("{field} must be 25, 50 or 75 for VIDEO_PROGRESS.")
            } else {
                format!("{field} is only for VIDEO_PROGRESS.")
            };
            return Err(ApiError::field(field, msg));
        }
    }
    Ok(video)
}

fn rfc3339_ms(ms: u64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}
