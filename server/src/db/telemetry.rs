//! Watch-page telemetry's part of the store: events, first views, engagement.

use async_trait::async_trait;
use sqlx::FromRow;

use super::{NewEvent, R, SessionMark};

/// One stored watch-page event.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct TelemetryRow {
    /// Receive order, numbered by the database (ignored on insert).
    pub seq: i64,
    pub event_id: String,
    pub video_id: String,
    pub session_id: String,
    pub conversation_id: String,
    pub event_type: String,
    /// Unix milliseconds, the viewer's clock.
    pub timestamp_ms: i64,
    pub duration_watched: f64,
    pub completion_status: String,
    pub quartile: Option<i64>,
    /// Unix milliseconds, the server's clock.
    pub received_at: i64,
    /// 1 when the server had served this session the video's media when the event
    /// came (the evidence that makes a start a view), else 0.
    pub verified: i64,
}

/// A viewer session that started playback of a video; its event (`video.viewed`)
/// is queued only the first time the pair is recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstView {
    pub video_id: String,
    pub session_id: String,
    pub viewed_at_ms: i64,
    pub event: Option<NewEvent>,
}

/// How one viewer session of a video went.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct SessionEngagement {
    pub session_id: String,
    pub started: i64,
    pub completed: i64,
    pub max_watched: f64,
    pub q25: i64,
    pub q50: i64,
    pub q75: i64,
}

#[async_trait]
pub trait TelemetryStore {
    /// Store the events not seen before (by `event_id`), record the first views and
    /// the tutorial sessions' steps, queueing each view's or step's event only when
    /// it is new, in one transaction. Returns how many events were new.
    async fn insert_telemetry(
        &self,
        rows: &[TelemetryRow],
        views: &[FirstView],
        marks: &[SessionMark],
    ) -> R<u64>;
    /// Events received at or after `since_ms` with `seq` above `after`, in receive order.
    async fn telemetry_since(&self, since_ms: i64, after: i64, limit: i64) -> R<Vec<TelemetryRow>>;
    /// Per-session engagement of one video.
    async fn engagement(&self, video_id: &str) -> R<Vec<SessionEngagement>>;
}
