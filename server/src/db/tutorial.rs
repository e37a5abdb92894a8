//! Tutorial delivery's part of the store: tutorial assets and tutorial sessions.

use async_trait::async_trait;
use sqlx::FromRow;

use super::{JobRow, NewEvent, R, UploadRow, VideoRow};

/// A video registered as a tutorial asset.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct AssetRow {
    /// The video's id.
    pub id: String,
    pub title: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// One offer of a tutorial to a caller: the voice session's token, bound to one
/// conversation and one asset.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct TutorialSessionRow {
    pub id: String,
    pub conversation_id: String,
    pub asset_id: String,
    pub source_channel: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds: the latest signed link's expiry.
    pub expires_at: i64,
    /// Unix milliseconds, once it happened.
    pub opened_at: Option<i64>,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
    /// `sms` or `web`, from the device that first opened the link.
    pub channel_hint: Option<String>,
}

/// A step of a tutorial session seen in telemetry, recorded with the events; the
/// event (`context.message`) is queued only when the step is recorded the first time.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionMark {
    pub session_id: String,
    pub step: SessionStep,
    /// Unix milliseconds.
    pub at_ms: i64,
    pub event: Option<NewEvent>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStep {
    Started,
    Completed,
}

#[async_trait]
pub trait TutorialStore {
    /// Mark an existing video as a tutorial asset and exempt it from retention;
    /// false (and nothing changed) if there is no such video. Registering again
    /// updates the title.
    async fn register_asset(&self, a: &AssetRow) -> R<bool>;
    /// Record an uploaded tutorial: its upload, its video, its processing job and
    /// its asset row, in one transaction.
    async fn insert_uploaded_asset(
        &self,
        u: &UploadRow,
        v: &VideoRow,
        job: &JobRow,
        a: &AssetRow,
    ) -> R<()>;
    async fn asset(&self, id: &str) -> R<Option<AssetRow>>;
    /// Assets, newest first.
    async fn assets(&self, limit: i64) -> R<Vec<AssetRow>>;
    /// Create a session, or renew its expiry (and source channel) when the same
    /// session is signed again for the same conversation and asset. Returns the
    /// stored row: a session of another conversation or asset is left as it was.
    async fn upsert_tutorial_session(&self, s: &TutorialSessionRow) -> R<TutorialSessionRow>;
    async fn tutorial_session(&self, id: &str) -> R<Option<TutorialSessionRow>>;
    /// Record the first opening and its channel hint; false if it was opened before.
    async fn tutorial_opened(&self, id: &str, at_ms: i64, channel_hint: &str) -> R<bool>;
}
