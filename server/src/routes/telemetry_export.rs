//! Watch-page telemetry out, for the API key: stored events as JSON Lines, and a
//! per-video engagement summary.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use vidreply_core::protocol::{Engagement, StoredTelemetryEvent, TelemetryEvent};

use super::openapi::{BadInput, NotFound, Unauthenticated};
use crate::db::TelemetryRow;
use crate::error::ApiError;
use crate::extract::{Bearer, query_param};
use crate::state::AppState;

/// Export page size when `limit` is not given, and its largest value.
const EXPORT_LIMIT: i64 = 1_000;
const EXPORT_MAX: i64 = 10_000;

/// A non-negative integer query parameter, naming it when it is not one.
fn int_param(query: Option<&str>, name: &str) -> Result<Option<i64>, ApiError> {
    query_param(query, name)
        .map(|v| {
            v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                ApiError::field(name, format!("{name} must be a non-negative integer."))
            })
        })
        .transpose()
}

/// Export stored events as JSON Lines, in receive order.
///
/// One event per line, each with its `seq` and `receivedAt`. A full page carries
/// `x-next-after`: pass it as `after` for the next page.
#[utoipa::path(
    get,
    path = "/telemetry/export",
    tag = "telemetry",
    operation_id = "exportTelemetry",
    security(("apiKey" = [])),
    params(
        ("since" = u64, Query, description = "Events received at or after this time, unix milliseconds."),
        ("after" = Option<i64>, Query, description = "Continue after this `seq` (the `x-next-after` of the previous page)."),
        ("limit" = Option<u32>, Query, description = "Events per page, 1 to 10000 (default 1000)."),
    ),
    responses(
        (status = 200, description = "The events, one JSON object per line.", body = StoredTelemetryEvent, content_type = "application/x-ndjson"),
        (status = 400, response = BadInput),
        (status = 401, response = Unauthenticated),
    ),
)]
pub async fn export(
    State(state): State<AppState>,
    Bearer(key): Bearer,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    state.check_api_key(&key)?;
    let q = query.as_deref();
    let since = int_param(q, "since")?
        .ok_or_else(|| ApiError::field("since", "since (unix milliseconds) is required."))?;
    let after = int_param(q, "after")?.unwrap_or(0);
    let limit = int_param(q, "limit")?.unwrap_or(EXPORT_LIMIT);
    if !(1..=EXPORT_MAX).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            format!("limit must be between 1 and {EXPORT_MAX}."),
        ));
    }
    let rows = state.db.telemetry_since(since, after, limit).await?;
    let mut body = Vec::new();
    for r in &rows {
        serde_json::to_writer(&mut body, &stored(r))
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        body.push(b'\n');
    }
    let mut res = (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from(body),
    )
        .into_response();
    if rows.len() as i64 == limit
        && let Some(last) = rows.last()
    {
        res.headers_mut()
            .insert("x-next-after", HeaderValue::from(last.seq));
    }
    Ok(res)
}

fn stored(r: &TelemetryRow) -> StoredTelemetryEvent {
    StoredTelemetryEvent {
        seq: r.seq,
        received_at: r.received_at as u64,
        verified: r.verified != 0,
        event: TelemetryEvent {
            event_id: r.event_id.clone(),
            timestamp: r.timestamp_ms as u64,
            event_type: r.event_type.clone(),
            session_id: r.session_id.clone(),
            asset_id: r.video_id.clone(),
            conversation_id: r.conversation_id.clone(),
            duration_watched: r.duration_watched,
            completion_status: r.completion_status.clone(),
            quartile: r.quartile.map(|q| q as u8),
        },
    }
}

/// How a video was watched: sessions, starts, completions, watch time, quartiles.
#[utoipa::path(
    get,
    path = "/videos/{id}/engagement",
    tag = "telemetry",
    operation_id = "videoEngagement",
    security(("apiKey" = [])),
    params(("id" = String, Path, description = "The `videoId`.")),
    responses(
        (status = 200, description = "The summary.", body = Engagement),
        (status = 401, response = Unauthenticated),
        (status = 404, response = NotFound),
    ),
)]
pub async fn engagement(
    State(state): State<AppState>,
    Bearer(key): Bearer,
    Path(id): Path<String>,
) -> Result<Json<Engagement>, ApiError> {
    state.check_api_key(&key)?;
    let video = super::uploads::video_for(&state, None, &id).await?;
    let sessions = state.db.engagement(&video.id).await?;
    let n = sessions.len() as u64;
    let sum = |f: fn(&crate::db::SessionEngagement) -> i64| {
        sessions.iter().map(|s| f(s).max(0) as u64).sum::<u64>()
    };
    let (starts, completions) = (sum(|s| s.started), sum(|s| s.completed));
    let max = sessions.iter().map(|s| s.max_watched).fold(0.0, f64::max);
    let total: f64 = sessions.iter().map(|s| s.max_watched).sum();
    let quartiles = [
        ("25", sum(|s| s.q25)),
        ("50", sum(|s| s.q50)),
        ("75", sum(|s| s.q75)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    Ok(Json(Engagement {
        video_id: video.id,
        sessions: n,
        starts,
        completions,
        completion_rate: if starts == 0 {
            0.0
        } else {
            completions as f64 / starts as f64
        },
        max_duration_watched: max,
        mean_duration_watched: if n == 0 { 0.0 } else { total / n as f64 },
        quartiles,
    }))
}
