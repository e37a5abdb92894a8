//! The state store: one small trait, composed of capabilities, with SQLite (the
//! embedded default) and PostgreSQL behind it, chosen by the database URL.
//!
//! Both backends run the same SQL through sqlx's `Any` driver (numbered `$1`
//! parameters work in both), and both pass the shared suite in `tests/store_suite.rs`.

mod decode;
mod migrations;
mod rows;
mod sql;
mod sql_guard;
mod sql_jobs;
mod sql_outbox;
mod sql_quota;
mod sql_telemetry;
mod sql_tutorial;
mod telemetry;
mod tutorial;

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::FromRow;
use vidreply_core::vocab::{UploadStatus, VideoStatus, WebhookEvent};

pub use sql::SqlStore;
pub use telemetry::{FirstView, SessionEngagement, TelemetryRow, TelemetryStore};
pub use tutorial::{AssetRow, SessionMark, SessionStep, TutorialSessionRow, TutorialStore};

pub type DbError = sqlx::Error;
type R<T> = Result<T, DbError>;

/// The store every part of the server shares.
pub type Db = Arc<dyn Store>;

/// Open the store named by `url` (`sqlite://…` or `postgres://…`) and migrate it.
pub async fn connect(url: &str) -> R<Db> {
    Ok(Arc::new(SqlStore::connect(url).await?))
}

/// Read by `db/rows.rs`: a status it does not know is a decode error.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadRow {
    pub id: String,
    pub video_id: String,
    pub conversation_id: String,
    pub customer_id: Option<String>,
    pub mime_type: String,
    pub object_key: String,
    pub storage_upload_id: String,
    pub status: UploadStatus,
    /// Unix seconds.
    pub created_at: i64,
    pub expires_at: i64,
    /// The poster the browser sent, if any.
    pub poster_key: Option<String>,
    /// The capture token (`jti`) that started the upload; only it may act on it.
    /// `None` for uploads made otherwise (tutorial assets) or before tokens were kept.
    pub token_id: Option<String>,
    /// The `totalBytes` given at create: the most this upload may hold.
    pub declared_bytes: Option<i64>,
}

/// What one capture token holds, for its quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TokenUsage {
    /// Uploads `open` or `completing`.
    pub open: i64,
    /// Bytes: completed uploads by their size, open ones by what they may hold.
    pub bytes: i64,
}

/// A capture token's quotas, checked with the insert of its next upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadQuota {
    pub max_open: i64,
    pub max_bytes: i64,
    /// What an open upload without `declared_bytes` may hold (the largest upload).
    pub undeclared_bytes: i64,
}

/// Read by `db/rows.rs`: a status it does not know is a decode error.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoRow {
    pub id: String,
    pub upload_id: String,
    pub conversation_id: String,
    pub customer_id: Option<String>,
    pub mime_type: String,
    /// The uploaded original.
    pub object_key: String,
    pub size: i64,
    pub duration_ms: Option<i64>,
    /// Unix seconds.
    pub created_at: i64,
    pub status: VideoStatus,
    pub failure_code: Option<String>,
    pub failure_reason: Option<String>,
    pub poster_key: Option<String>,
    /// The processed MP4 (H.264/AAC, faststart).
    pub mp4_key: Option<String>,
    /// The HLS master playlist; its renditions sit beside it.
    pub hls_key: Option<String>,
    /// Unix seconds after which retention deletes the video.
    pub retention_expires_at: Option<i64>,
    /// Unix seconds when its share link was withdrawn; its links then answer 410.
    pub revoked_at: Option<i64>,
    /// Unix seconds when processing's checks of the original passed (codecs,
    /// picture, frame rate, duration): before that, the original is never served.
    pub vetted_at: Option<i64>,
}

/// What processing produced, recorded with the state change to `ready`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Processed {
    pub duration_ms: i64,
    pub mp4_key: String,
    pub hls_key: String,
    pub poster_key: Option<String>,
}

/// A webhook event waiting in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    /// The `webhook-id`, stable across attempts and endpoints.
    pub id: String,
    pub event_type: WebhookEvent,
    pub payload: String,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// Outbox lanes: each has its own delivery worker, so events of one lane never
/// wait behind the other's (a flood of viewers' events cannot delay a reply's).
pub mod lane {
    /// Events of a conversation's own state: `video.received`, `agent.video.send`, …
    pub const CONVERSATION: i64 = 0;
    /// Events made by viewers' telemetry: `video.viewed`, `context.message`.
    pub const TELEMETRY: i64 = 1;
    /// Both, in the order their workers start.
    pub const ALL: [i64; 2] = [CONVERSATION, TELEMETRY];

    /// The lane of an event.
    pub fn of(event: super::WebhookEvent) -> i64 {
        use super::WebhookEvent::*;
        match event {
            VideoViewed | ContextMessage => TELEMETRY,
            VideoReceived | AgentVideoSend => CONVERSATION,
        }
    }
}

/// An event and the endpoints it goes to, written with the state change that causes it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub row: OutboxRow,
    pub endpoints: Vec<String>,
}

/// One event's delivery to one endpoint, due for an attempt.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct DueDelivery {
    pub id: String,
    pub endpoint_id: String,
    pub event_type: String,
    pub payload: String,
    pub attempts: i64,
    /// Unix milliseconds.
    pub next_attempt_at: i64,
}

/// How a delivery attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventFate<'a> {
    Delivered,
    Retry { next_ms: i64, error: &'a str },
    Failed { error: &'a str },
}

/// Where one delivery stands.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct OutboxState {
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub delivered_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub last_error: Option<String>,
}

/// Job states: `queued` → `running` (leased until `run_at`) → `done`, or `failed`.
pub mod job_status {
    pub const QUEUED: &str = "queued";
    pub const RUNNING: &str = "running";
    pub const DONE: &str = "done";
    pub const FAILED: &str = "failed";
}

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct JobRow {
    pub id: String,
    pub kind: String,
    pub video_id: String,
    pub status: String,
    pub attempts: i64,
    /// Unix milliseconds: when a queued job may run, or when a running job's lease ends.
    pub run_at: i64,
    pub last_error: Option<String>,
}

impl JobRow {
    pub fn new(kind: &str, video_id: &str, now_ms: i64) -> Self {
        Self {
            id: uuid::Uuid::new_v4().to_string(),
            kind: kind.into(),
            video_id: video_id.into(),
            status: job_status::QUEUED.into(),
            attempts: 0,
            run_at: now_ms,
            last_error: None,
        }
    }
}

#[async_trait]
pub trait UploadStore {
    async fn insert_upload(&self, u: &UploadRow) -> R<()>;
    async fn upload(&self, id: &str) -> R<Option<UploadRow>>;
    /// Move an upload from one state to another; false if it was not in `from`.
    async fn transition(&self, id: &str, from: UploadStatus, to: UploadStatus) -> R<bool>;
    /// Uploads still `open` or `completing` that were created before `before_s`.
    async fn stale_uploads(&self, before_s: i64, limit: i64) -> R<Vec<UploadRow>>;
    /// Drop rows of aborted uploads created before `before_s`; returns how many.
    async fn delete_aborted_uploads(&self, before_s: i64) -> R<u64>;
    /// Record the browser's poster on an upload that is still `open`; false if it
    /// is not (completed, cancelled, or gone).
    async fn set_poster(&self, upload_id: &str, key: &str) -> R<bool>;
    /// Insert `u` only if its token stays within `quota` with it (checked and
    /// inserted atomically); false, and nothing inserted, otherwise.
    async fn insert_upload_within(&self, u: &UploadRow, quota: &UploadQuota) -> R<bool>;
    /// What the token `token_id` holds now; open uploads without `declared_bytes`
    /// count `undeclared_bytes`.
    async fn token_usage(&self, token_id: &str, undeclared_bytes: i64) -> R<TokenUsage>;
}

#[async_trait]
pub trait VideoStore {
    /// Record the assembled video, close its upload, and queue its job and event,
    /// in one transaction.
    async fn insert_video(
        &self,
        v: &VideoRow,
        job: Option<&JobRow>,
        event: Option<&NewEvent>,
    ) -> R<()>;
    async fn video(&self, id: &str) -> R<Option<VideoRow>>;
    async fn video_for_upload(&self, upload_id: &str) -> R<Option<VideoRow>>;
    /// Mark the video playable and queue its event, in one transaction.
    async fn video_ready(&self, id: &str, p: &Processed, event: Option<&NewEvent>) -> R<()>;
    async fn video_failed(&self, id: &str, code: &str, reason: &str) -> R<()>;
    /// Processing's checks of the original passed at `now_s` (kept at the first time).
    async fn video_vetted(&self, id: &str, now_s: i64) -> R<()>;
    /// Videos whose retention ended at or before `now_s`.
    async fn expired_videos(&self, now_s: i64, limit: i64) -> R<Vec<VideoRow>>;
    /// Forget a video: its row, its upload, its jobs and its telemetry.
    async fn delete_video(&self, id: &str) -> R<()>;
    /// Withdraw a video's share link at `now_s` (kept at the first time); false if
    /// there is no such video.
    async fn revoke_video(&self, id: &str, now_s: i64) -> R<bool>;
}

#[async_trait]
pub trait TokenStore {
    /// Revoke a token id until `expires_at_s` (after that it is refused anyway).
    async fn revoke_token(&self, jti: &str, now_s: i64, expires_at_s: i64) -> R<()>;
    async fn is_revoked(&self, jti: &str) -> R<bool>;
}

#[async_trait]
pub trait OutboxStore {
    /// Queue an event on its own (events that go with a state change use that change's transaction).
    async fn enqueue(&self, e: &NewEvent) -> R<()>;
    async fn outbox_event(&self, id: &str, endpoint_id: &str) -> R<Option<OutboxState>>;
    /// Deliveries of `lane` due at `now_ms`, oldest first, leased to the caller
    /// until `lease_until_ms`.
    async fn claim_deliveries(
        &self,
        lane: i64,
        now_ms: i64,
        lease_until_ms: i64,
        limit: i64,
    ) -> R<Vec<DueDelivery>>;
    async fn settle_delivery(
        &self,
        id: &str,
        endpoint_id: &str,
        attempts: i64,
        now_ms: i64,
        fate: EventFate<'_>,
    ) -> R<()>;
    /// Disable an endpoint (it answered 410 Gone): it gets nothing more.
    async fn disable_endpoint(&self, endpoint_id: &str, now_ms: i64, reason: &str) -> R<()>;
    async fn endpoint_disabled(&self, endpoint_id: &str) -> R<Option<String>>;
    /// Drop events created before `before_ms` whose every delivery is settled.
    async fn purge_events(&self, before_ms: i64) -> R<u64>;
}

#[async_trait]
pub trait JobStore {
    async fn enqueue_job(&self, job: &JobRow) -> R<()>;
    /// Take the oldest due job, leasing it until `lease_until_ms`.
    async fn claim_job(&self, now_ms: i64, lease_until_ms: i64) -> R<Option<JobRow>>;
    /// Extend a running job's lease; false if the job is no longer ours.
    async fn renew_job(&self, id: &str, attempts: i64, lease_until_ms: i64) -> R<bool>;
    async fn finish_job(&self, id: &str, now_ms: i64) -> R<()>;
    async fn retry_job(&self, id: &str, run_at_ms: i64, error: &str, now_ms: i64) -> R<()>;
    async fn fail_job(&self, id: &str, error: &str, now_ms: i64) -> R<()>;
    async fn job(&self, id: &str) -> R<Option<JobRow>>;
    async fn jobs_for_video(&self, video_id: &str) -> R<Vec<JobRow>>;
}

/// Why a send was refused by its quota, if it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendQuota {
    /// Recorded: the send may go.
    Granted,
    /// The sender (a token, or the API key) sent `max_per_sender` in the window.
    SenderSpent,
    /// The video was sent `max_per_video` times in the window.
    VideoSpent,
}

/// Evidence and quotas that keep each role to its job.
#[async_trait]
pub trait GuardStore {
    /// Count the sends of `sender` and of `video_id` since `since_s`; if both are
    /// under their maximum, record this one at `now_s`. One transaction.
    async fn record_send(
        &self,
        video_id: &str,
        sender: &str,
        now_s: i64,
        since_s: i64,
        max_per_sender: i64,
        max_per_video: i64,
    ) -> R<SendQuota>;
    /// The server served `video_id`'s media to viewer session `session_id`.
    async fn record_media_session(&self, video_id: &str, session_id: &str, now_ms: i64) -> R<()>;
    /// Was `video_id`'s media served to `session_id`?
    async fn media_session_seen(&self, video_id: &str, session_id: &str) -> R<bool>;
}

#[async_trait]
pub trait Store:
    UploadStore
    + VideoStore
    + TokenStore
    + OutboxStore
    + JobStore
    + TelemetryStore
    + TutorialStore
    + GuardStore
    + Send
    + Sync
    + std::fmt::Debug
{
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Is the database reachable?
    async fn ping(&self) -> R<()>;
}
