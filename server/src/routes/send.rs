//! An agent sends a recorded answer: validate the channel and address, then queue
//! `agent.video.send` for the Outbound_Video_Notification flow.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use vidreply_core::protocol::{AgentVideoSend, SendVideoRequest};
use vidreply_core::vocab::WebhookEvent;

use super::check_id;
use super::openapi::{
    BadInput, Conflict, Forbidden, NotFound, QuotaExceeded, TooLarge, Unauthenticated,
    UnsupportedMediaType,
};
use crate::db::SendQuota;
use crate::error::ApiError;
use crate::extract::{ApiJson, Bearer};
use crate::state::AppState;
use crate::token::{Claims, Scope};

const CHANNELS: [&str; 4] = ["sms", "email", "whatsapp", "webmessaging"];

/// Check an address against its channel, naming the field when it does not fit.
fn check_address(channel: &str, address: &str) -> Result<(), ApiError> {
    let bad = |why: &str| ApiError::field("targetAddress", format!("targetAddress {why}."));
    match channel {
        "sms" | "whatsapp" => {
            let digits = address.strip_prefix('+').unwrap_or("");
            if !(8..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(
                    "must be a phone number in E.164 form, e.g. +4915112345678",
                ));
            }
        }
        "email" => {
            let ok = address.len() <= 254
                && matches!(address.split_once('@'), Some((u, d)) if !u.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.'))
                && !address.chars().any(|c| c.is_whitespace() || c.is_control());
            if !ok {
                return Err(bad("must be an email address"));
            }
        }
        _ => check_id("targetAddress", address, 256)?,
    }
    Ok(())
}

/// Count a send against the sender's and the video's quota, or refuse it.
async fn spend_send_quota(
    state: &AppState,
    who: Option<&Claims>,
    video_id: &str,
) -> Result<(), ApiError> {
    let s = &state.settings;
    let now = crate::clock::unix_now() as i64;
    let window = s.send_window_seconds as i64;
    // The API key is the operator: only the per-video quota bounds it.
    let (sender, per_sender) = match who {
        Some(c) => (c.sender(), i64::from(s.send_max_per_token)),
        None => ("api-key".to_string(), i64::MAX),
    };
    let verdict = state
        .db
        .record_send(
            video_id,
            &sender,
            now,
            now - window,
            per_sender,
            i64::from(s.send_max_per_video),
        )
        .await?;
    let hours = window as f64 / 3600.0;
    let message = match verdict {
        SendQuota::Granted => return Ok(()),
        SendQuota::SenderSpent => format!(
            "This agent already sent {} videos in {hours} hours (VIDREPLY_SEND_MAX_PER_TOKEN).",
            s.send_max_per_token
        ),
        SendQuota::VideoSpent => format!(
            "This video was already sent {} times in {hours} hours (VIDREPLY_SEND_MAX_PER_VIDEO).",
            s.send_max_per_video
        ),
    };
    tracing::warn!(video_id, ?verdict, "send refused by its quota");
    Err(ApiError::QuotaExceeded {
        message,
        retry_after_secs: s.send_window_seconds,
    })
}

/// Send a video to a customer on a channel (agent mode).
///
/// Needs the API key or an **agent's** capture token (from the agent frame, or a
/// capture link made with `role: "agent"`); a customer's token gets 403. Sends are
/// counted per token (`VIDREPLY_SEND_MAX_PER_TOKEN`) and per video
/// (`VIDREPLY_SEND_MAX_PER_VIDEO`) over `VIDREPLY_SEND_WINDOW_SECONDS`; over either,
/// 429 `quota_exceeded`.
#[utoipa::path(
    post,
    path = "/videos/{id}/send",
    tag = "videos",
    operation_id = "sendVideo",
    security(("apiKey" = []), ("captureToken" = [])),
    params(("id" = String, Path, description = "The `videoId`.")),
    request_body = SendVideoRequest,
    responses(
        (status = 202, description = "`agent.video.send` is queued for the configured webhook endpoints.", body = AgentVideoSend),
        (status = 400, response = BadInput),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = TooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 429, response = QuotaExceeded),
    ),
)]
pub async fn send(
    State(state): State<AppState>,
    Bearer(token): Bearer,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SendVideoRequest>,
) -> Result<(StatusCode, Json<AgentVideoSend>), ApiError> {
    // Credentials first, then the body, then the video: each answer names what is wrong.
    let who = super::uploads::authenticate(&state, &token, Scope::Record).await?;
    if who.as_ref().is_some_and(|c| !c.is_agent()) {
        return Err(ApiError::Forbidden(
            "A customer's capture link cannot send videos to other people: sending on a \
             channel needs an agent's link (the agent frame, or a capture link made with \
             role \"agent\") or the API key."
                .into(),
        ));
    }
    let channel = req.target_channel.trim().to_ascii_lowercase();
    if !CHANNELS.contains(&channel.as_str()) {
        return Err(ApiError::field(
            "targetChannel",
            format!("targetChannel must be one of {}.", CHANNELS.join(", ")),
        ));
    }
    let address = req.target_address.trim();
    check_address(&channel, address)?;
    let subject = req
        .subject
        .unwrap_or_else(|| "A video answer for you".into());
    if subject.chars().count() > 200 || subject.chars().any(char::is_control) {
        return Err(ApiError::field(
            "subject",
            "subject must be one line of at most 200 characters.",
        ));
    }
    let text = req.body.unwrap_or_default();
    if text.chars().count() > 2000 {
        return Err(ApiError::field(
            "body",
            "body must be at most 2000 characters.",
        ));
    }
    let video = super::uploads::video_for(&state, who.as_ref(), &id).await?;
    let share = state.urls().share(&video.id);
    let body = if text.trim().is_empty() {
        share
    } else {
        format!("{}\n{share}", text.trim_end())
    };
    let payload = AgentVideoSend {
        target_channel: channel,
        target_address: address.to_string(),
        media_id: video.id.clone(),
        subject,
        body,
    };
    let outbox = state.outbox.as_ref().ok_or_else(|| {
        ApiError::Conflict("No webhook endpoint is configured to carry the message.".into())
    })?;
    spend_send_quota(&state, who.as_ref(), &video.id).await?;
    outbox.emit(WebhookEvent::AgentVideoSend, &payload).await?;
    tracing::info!(video_id = %video.id, channel = %payload.target_channel, "agent.video.send queued");
    Ok((StatusCode::ACCEPTED, Json(payload)))
}
