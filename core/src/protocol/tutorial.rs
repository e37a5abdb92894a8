//! Tutorial delivery (seed 2): tutorial assets, signed tutorial links for the IVR,
//! and the status an Architect flow reads for its "offered but not viewed" branch.
//!
//! The signing request and answer are snake_case, as the seed gives them; the rest
//! of the API is camelCase.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use super::EXAMPLE_ASSET_ID;

/// Register a video already uploaded (through a capture link) as a tutorial asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "videoId": EXAMPLE_ASSET_ID, "title": "Resetting your router"
}))))]
#[serde(rename_all = "camelCase")]
pub struct RegisterAssetRequest {
    /// The `videoId` of the uploaded video.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub video_id: String,
    /// What the tutorial shows, for people choosing one.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub title: String,
}

/// A tutorial asset: a video of the usual pipeline (MP4, HLS, poster), not bound
/// to a conversation and kept until deleted (customer-video retention does not apply).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TutorialAsset {
    /// The `asset_id` to sign links for (the video's id).
    pub asset_id: String,
    pub title: String,
    /// `processing`, `ready` (links can be signed) or `failed`.
    // The schema stays a string: the values are the doc line above.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: crate::vocab::VideoStatus,
    pub mime_type: String,
    /// Seconds, once processed.
    pub duration: Option<f64>,
    /// Unix seconds.
    pub created_at: u64,
    /// Why processing failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<super::ProcessingFailure>,
}

/// Tutorial assets, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TutorialAssetList {
    pub assets: Vec<TutorialAsset>,
}

/// Sign a tutorial link for a caller in the IVR (a Genesys Data Action).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "asset_id": EXAMPLE_ASSET_ID, "expiration_seconds": 900,
    "session_token": "ivr-7f3a9c", "conversation_id": "conv-123", "source_channel": "ivr"
}))))]
pub struct SignVideoUrlRequest {
    /// The tutorial asset (`GET /api/v1/assets`); it must be `ready`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub asset_id: String,
    /// How long the link works, in seconds. Bounded by `VIDREPLY_TUTORIAL_MIN_TTL_SECONDS`
    /// and `VIDREPLY_TUTORIAL_MAX_TTL_SECONDS` (60 and 3600 by default).
    #[cfg_attr(feature = "openapi", schema(minimum = 60, maximum = 3600))]
    pub expiration_seconds: u64,
    /// The voice session (e.g. the IVR's session or interaction id). It becomes the
    /// web session's id, so the web visit keeps the voice session's context. One
    /// session is one asset in one conversation; signing it again renews the link.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128))]
    pub session_token: String,
    /// The Genesys conversation the caller is in; `context.message` goes to it.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128))]
    pub conversation_id: String,
    /// Where the offer came from, echoed in `context.message` (default `ivr`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 32))]
    pub source_channel: Option<String>,
}

/// A signed tutorial link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedVideoUrl {
    /// The link to send (SMS, email): `{public_url}/t/{asset_id}?conversationId=…&session=…&token=…`.
    /// It works on any device until `expires_at`; it is never a storage URL.
    pub url: String,
    /// RFC 3339 time the link stops working.
    pub expires_at: String,
    /// The session to ask `GET /api/v1/sessions/{session_id}/status` about (the `session_token`).
    pub session_id: String,
}

/// Where a tutorial session stands: the Architect Data Action's output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "sessionId": "ivr-7f3a9c", "conversationId": "conv-123", "assetId": EXAMPLE_ASSET_ID,
    "opened": true, "started": false, "completed": false,
    "openedAt": "2026-01-01T00:00:05.120Z", "startedAt": null, "completedAt": null,
    "channelHint": "sms", "expiresAt": "2026-01-01T00:15:00Z"
}))))]
#[serde(rename_all = "camelCase")]
pub struct TutorialSessionStatus {
    pub session_id: String,
    pub conversation_id: String,
    pub asset_id: String,
    /// The link was opened (with a valid token).
    pub opened: bool,
    /// Playback really started (the watch page's first `VIDEO_START`).
    pub started: bool,
    /// Watched to the end (`VIDEO_COMPLETION`).
    pub completed: bool,
    /// RFC 3339 times, `null` until it happened.
    pub opened_at: Option<String>,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    /// From the device that first opened the link: `sms` (a phone) or `web`; `null` until opened.
    pub channel_hint: Option<String>,
    /// RFC 3339 time the latest link for this session stops working.
    pub expires_at: String,
}

/// The `context.message` webhook payload: sent once per tutorial session, when
/// playback really starts, to the conversation the link was signed for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ContextMessage {
    pub conversation_id: String,
    /// `Video tutorial session initiated for asset ID: <asset>`.
    pub text: String,
    pub context: MessageContext,
}

/// The context of a [`ContextMessage`] (snake_case, as the seed gives it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageContext {
    pub source_channel: String,
    pub session_id: String,
}
