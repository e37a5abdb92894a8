//! Retention: forget expired videos (objects, renditions, rows, events) and abort
//! uploads abandoned for longer than a day (their parts and their poster). The clock is passed in, so tests can
//! run a purge "next month" without waiting for it.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use vidreply_core::vocab::UploadStatus;

use crate::addresses::video_prefix;
use crate::clock::unix_now;
use crate::db::{Db, UploadRow};
use crate::storage::{Backend, StorageError};

/// What retention needs: the database, the store and its own settings.
#[derive(Clone)]
pub struct Retention {
    pub db: Db,
    pub store: Arc<dyn Backend>,
    pub policy: Policy,
}

impl std::fmt::Debug for Retention {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Retention")
            .field("store", &self.store.name())
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// How long things are kept (`VIDREPLY_RETENTION_*`, `VIDREPLY_ABANDONED_UPLOAD_HOURS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Days a video is kept, and an aborted upload's row and old events.
    pub retention_days: u64,
    /// Hours after which an upload never completed is aborted.
    pub abandoned_upload_hours: u64,
    /// Time between sweeps.
    pub interval: Duration,
}

/// Rows handled per query; a purge loops until nothing is left.
const BATCH: i64 = 100;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PurgeReport {
    pub videos: usize,
    pub objects: usize,
    pub uploads_aborted: usize,
    pub rows: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum PurgeError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
}

/// Purge everything retention says is over at `now_s` (unix seconds).
pub async fn purge(retention: &Retention, now_s: i64) -> Result<PurgeReport, PurgeError> {
    let s = &retention.policy;
    let mut report = PurgeReport::default();
    loop {
        let expired = retention.db.expired_videos(now_s, BATCH).await?;
        if expired.is_empty() {
            break;
        }
        for v in expired {
            // Objects first: if this fails, the row stays and the next sweep retries.
            report.objects += retention.store.delete_prefix(&video_prefix(&v.id)).await?;
            retention.db.delete_video(&v.id).await?;
            report.videos += 1;
            tracing::info!(video_id = %v.id, "retention: video deleted");
        }
    }
    let abandoned_before = now_s - (s.abandoned_upload_hours * 3600) as i64;
    loop {
        let stale = retention.db.stale_uploads(abandoned_before, BATCH).await?;
        if stale.is_empty() {
            break;
        }
        for u in stale {
            // Its parts and everything under its prefix (a poster sent while open).
            discard(retention.store.as_ref(), &u).await?;
            retention
                .db
                .transition(&u.id, u.status, UploadStatus::Aborted)
                .await?;
            report.uploads_aborted += 1;
            tracing::info!(upload_id = %u.id, "retention: abandoned upload aborted");
        }
    }
    let kept_before = now_s - (s.retention_days * 86400) as i64;
    report.rows += retention.db.delete_aborted_uploads(kept_before).await?;
    report.rows += retention.db.purge_events(kept_before * 1000).await?;
    Ok(report)
}

/// Sweep every `policy.interval` until `stop` is cancelled.
pub fn spawn(retention: &Retention, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
    let retention = retention.clone();
    tokio::spawn(async move {
        let every = retention.policy.interval.max(Duration::from_secs(1));
        while !stop.is_cancelled() {
            match purge(&retention, unix_now() as i64).await {
                Ok(r) if r != PurgeReport::default() => {
                    tracing::info!(
                        videos = r.videos,
                        objects = r.objects,
                        uploads_aborted = r.uploads_aborted,
                        rows = r.rows,
                        "retention sweep"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "retention sweep failed; retrying next time"),
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stop.cancelled() => {}
            }
        }
    })
}

/// Drop everything an upload that ends without a video left in storage: its
/// parts, and every object under its video's prefix (the poster, an assembled
/// original).
pub async fn discard(store: &dyn Backend, upload: &UploadRow) -> Result<(), StorageError> {
    store
        .abort(&upload.object_key, &upload.storage_upload_id)
        .await?;
    store.delete_prefix(&video_prefix(&upload.video_id)).await?;
    Ok(())
}
