//! Retention: forget expired videos (objects, renditions, rows, events) and abort
//! uploads abandoned for longer than a day (their parts and their poster). The clock is passed in, so tests can
//! run a purge "next month" without waiting for it.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use vidreply_core::vocab::UploadStatus;

use crate::clock::unix_now;
use crate::processing::video_prefix;
use crate::state::AppState;
use crate::storage::StorageError;

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
pub async fn purge(state: &AppState, now_s: i64) -> Result<PurgeReport, PurgeError> {
    let s = &state.settings;
    let mut report = PurgeReport::default();
    loop {
        let expired = state.db.expired_videos(now_s, BATCH).await?;
        if expired.is_empty() {
            break;
        }
        for v in expired {
            // Objects first: if this fails, the row stays and the next sweep retries.
            report.objects += state.store.delete_prefix(&video_prefix(&v.id)).await?;
            state.db.delete_video(&v.id).await?;
            report.videos += 1;
            tracing::info!(video_id = %v.id, "retention: video deleted");
        }
    }
    let abandoned_before = now_s - (s.abandoned_upload_hours * 3600) as i64;
    loop {
        let stale = state.db.stale_uploads(abandoned_before, BATCH).await?;
        if stale.is_empty() {
            break;
        }
        for u in stale {
            // Its parts and everything under its prefix (a poster sent while open).
            crate::routes::uploads::discard(state, &u).await?;
            state
                .db
                .transition(&u.id, u.status, UploadStatus::Aborted)
                .await?;
            report.uploads_aborted += 1;
            tracing::info!(upload_id = %u.id, "retention: abandoned upload aborted");
        }
    }
    let kept_before = now_s - (s.retention_days * 86400) as i64;
    report.rows += state.db.delete_aborted_uploads(kept_before).await?;
    report.rows += state.db.purge_events(kept_before * 1000).await?;
    Ok(report)
}

/// Sweep every `retention_interval_seconds` until `stop` is cancelled.
pub fn spawn(state: &AppState, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
    let (state, stop) = (state.clone(), stop);
    tokio::spawn(async move {
        let every = Duration::from_secs(state.settings.retention_interval_seconds.max(1));
        while !stop.is_cancelled() {
            match purge(&state, unix_now() as i64).await {
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
