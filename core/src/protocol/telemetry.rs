//! Telemetry from the watch page: what was really watched, in batches.

use serde::{Deserialize, Serialize};

/// Events accepted in one `POST /api/v1/telemetry` batch.
pub const MAX_TELEMETRY_BATCH: usize = 100;

/// The `assetId` of the documented examples.
pub const EXAMPLE_ASSET_ID: &str = "0123456789abcdef0123456789abcdef";

/// One watch-page event. `durationWatched` is the union of the media intervals
/// actually played, so seeking ahead or replaying never inflates it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "eventId": "6b0f3c1e-8d2a-4f5b-9c7e-1a2b3c4d5e6f", "timestamp": 1767225600000u64,
    "type": "VIDEO_PROGRESS", "sessionId": "s-42", "assetId": "0123456789abcdef0123456789abcdef",
    "conversationId": "conv-123", "durationWatched": 12.5,
    "completionStatus": "in_progress", "quartile": 50
}))))]
#[serde(rename_all = "camelCase")]
pub struct TelemetryEvent {
    /// Unique per event; a repeated id is accepted and ignored.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128))]
    pub event_id: String,
    /// When the event happened, unix milliseconds (the viewer's clock).
    pub timestamp: u64,
    /// `VIDEO_START`, `VIDEO_PAUSE`, `VIDEO_PROGRESS` or `VIDEO_COMPLETION`.
    // A string, not `vocab::TelemetryType`: the server checks it and names the field.
    #[serde(rename = "type")]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^VIDEO_(START|PAUSE|PROGRESS|COMPLETION)$")
    )]
    pub event_type: String,
    /// One viewing of the watch page.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128))]
    pub session_id: String,
    /// The `videoId` watched.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub asset_id: String,
    /// The video's conversation.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128))]
    pub conversation_id: String,
    /// Seconds of the video actually played (the union of the intervals).
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub duration_watched: f64,
    /// `in_progress` or `completed`.
    // Checked by the server as a `vocab::CompletionStatus`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^(in_progress|completed)$"))]
    pub completion_status: String,
    /// For `VIDEO_PROGRESS`: the quartile reached, 25, 50 or 75.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 255))]
    pub quartile: Option<u8>,
}

/// A batch of events, at most 100.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({ "events": [{
    "eventId": "6b0f3c1e-8d2a-4f5b-9c7e-1a2b3c4d5e6f", "timestamp": 1767225600000u64,
    "type": "VIDEO_PROGRESS", "sessionId": "s-42", "assetId": EXAMPLE_ASSET_ID,
    "conversationId": "conv-123", "durationWatched": 12.5,
    "completionStatus": "in_progress", "quartile": 50
}]}))))]
#[serde(rename_all = "camelCase")]
pub struct TelemetryBatch {
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 100))]
    pub events: Vec<TelemetryEvent>,
}

/// What a batch did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TelemetryAccepted {
    /// Events in the batch.
    pub received: u32,
    /// Events not seen before and now stored; the rest were duplicates.
    pub stored: u32,
}

/// A stored event as exported: the event and when the server received it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StoredTelemetryEvent {
    /// Receive order: pass the last one as `after` to continue an export.
    pub seq: i64,
    /// When the server stored it, unix milliseconds.
    pub received_at: u64,
    /// Whether the server had served this viewer session the video's media when
    /// the event came. Only verified events count as views and in engagement.
    #[serde(default)]
    pub verified: bool,
    #[serde(flatten)]
    pub event: TelemetryEvent,
}

/// How one video was watched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Engagement {
    pub video_id: String,
    /// Verified viewing sessions (the server served them the video's media) that
    /// reported anything; events without that evidence are kept but not counted.
    pub sessions: u64,
    /// Sessions that started playback (`VIDEO_START`).
    pub starts: u64,
    /// Sessions that reached completion (`VIDEO_COMPLETION`).
    pub completions: u64,
    /// `completions / starts`, 0 when nothing started.
    pub completion_rate: f64,
    /// Seconds: the largest `durationWatched` of any session.
    pub max_duration_watched: f64,
    /// Seconds: the mean over sessions of each session's largest `durationWatched`.
    pub mean_duration_watched: f64,
    /// Sessions that reached each quartile: keys `25`, `50`, `75`.
    pub quartiles: std::collections::BTreeMap<String, u64>,
}

/// The `video.viewed` webhook payload: sent once per video and viewer session,
/// on the session's first `VIDEO_START`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct VideoViewed {
    pub conversation_id: String,
    pub video_id: String,
    /// Always `viewed`.
    pub status: String,
    /// RFC 3339 time playback started (the `VIDEO_START` event's `timestamp`).
    pub view_timestamp: String,
    /// The viewer session.
    pub session_id: String,
}
