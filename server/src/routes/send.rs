//! An agent sends a recorded answer: validate the channel and address, then queue
//! `agent.video.send` for the Outbound_Video_Notification flow.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use vidreply_core::protocol::{AgentVideoSend, SendVideoRequest};

use super::check_id;
use super::openapi::{
    BadInput, Conflict, Forbidden, NotFound, TooLarge, Unauthenticated, UnsupportedMediaType,
};
use crate::error::ApiError;
use crate::extract::{ApiJson, Bearer};
use crate::state::AppState;
use crate::token::Scope;

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

/// Send a video to a customer on a channel (agent mode).
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
    let share = super::videos::share_url(&state, &video.id);
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
    outbox.emit("agent.video.send", &payload).await?;
    tracing::info!(video_id = %video.id, channel = %payload.target_channel, "agent.video.send queued");
    Ok((StatusCode::ACCEPTED, Json(payload)))
}
