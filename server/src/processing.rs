//! Processing one video: fetch the original from storage, validate and convert it
//! with ffmpeg (`media`), store the MP4, poster and HLS ladder beside it, then mark
//! the video playable and queue `video.received` in one transaction.

use std::path::PathBuf;
use std::sync::Arc;

use vidreply_core::protocol::{RoutingHints, VideoReceived};
use vidreply_core::vocab::{VideoStatus, WebhookEvent};

use crate::addresses::{self, PublicUrls};
use crate::db::{Db, JobRow, Processed, VideoRow};
use crate::media::{self, MediaError, MediaSettings};
use crate::outbox::Outbox;
use crate::storage::{ObjectStore, StorageError};

/// What processing a video needs, and nothing more: no HTTP state.
#[derive(Clone)]
pub struct Deps {
    pub db: Db,
    pub store: Arc<dyn ObjectStore>,
    pub media: Arc<MediaSettings>,
    /// Durable webhook delivery, when an endpoint is configured.
    pub outbox: Option<Outbox>,
    /// The share links `video.received` names.
    pub urls: PublicUrls,
    /// The queue `video.received` routing hints name (`VIDREPLY_REVIEW_QUEUE`).
    pub review_queue: String,
    /// Where each job's own work folder goes (`VIDREPLY_WORK_DIR`).
    pub work_root: PathBuf,
}

impl std::fmt::Debug for Deps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deps")
            .field("outbox", &self.outbox)
            .field("work_root", &self.work_root)
            .finish_non_exhaustive()
    }
}

/// How a job attempt ended badly.
#[derive(Debug)]
pub enum JobError {
    /// Worth another attempt (storage down, ffmpeg crashed).
    Retryable(String),
    /// The input can never be processed; the video is marked failed with this code.
    Permanent { code: &'static str, message: String },
}

impl From<StorageError> for JobError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NoSuchObject => JobError::Permanent {
                code: "processing_failed",
                message: "The uploaded video is no longer in storage.".into(),
            },
            e => JobError::Retryable(e.to_string()),
        }
    }
}

impl From<sqlx::Error> for JobError {
    fn from(e: sqlx::Error) -> Self {
        JobError::Retryable(format!("database: {e}"))
    }
}

/// The media settings from the server's settings. ffmpeg runs as
/// `VIDREPLY_FFMPEG_RUN_AS` only when the server runs as root.
pub fn media_settings(s: &crate::config::Settings) -> Result<media::MediaSettings, String> {
    let m = &s.media_limits;
    Ok(media::MediaSettings {
        ffmpeg: s.ffmpeg.clone(),
        ffprobe: s.ffprobe.clone(),
        renditions: media::Rendition::parse_list(&s.hls_renditions)?,
        timeout: std::time::Duration::from_secs(s.processing_timeout_seconds),
        limits: media::Limits {
            max_pixels: m.max_video_pixels,
            max_side: m.max_video_side,
            max_frame_rate: f64::from(m.max_frame_rate),
            max_duration: Some(std::time::Duration::from_secs(s.max_duration_seconds)),
        },
        sandbox: media::Sandbox {
            threads: m.ffmpeg_threads,
            cpu_seconds: m.ffmpeg_cpu_seconds,
            memory_bytes: m.ffmpeg_memory_bytes,
            run_as: media::drop_to_if_root(m.ffmpeg_run_as),
            probe_output_max: m.probe_output_max_bytes,
        },
        ..Default::default()
    })
}

pub async fn run(deps: &Deps, job: &JobRow) -> Result<(), JobError> {
    let Some(video) = deps.db.video(&job.video_id).await? else {
        // Deleted (retention) while queued: nothing to do.
        return Ok(());
    };
    if video.status != VideoStatus::Processing {
        return Ok(());
    }
    // A folder of the job's own, outside DATA_DIR, the only one ffmpeg is given.
    let work_error = |e: std::io::Error| JobError::Retryable(format!("work folder: {e}"));
    let work = media::work_dir(&deps.work_root).await.map_err(work_error)?;
    let ext = video.object_key.rsplit('.').next().unwrap_or("bin");
    let input = work.path().join(format!("original.{ext}"));
    deps.store.download(&video.object_key, &input).await?;
    let sandbox = &deps.media.sandbox;
    sandbox
        .give(work.path())
        .and_then(|()| sandbox.give(&input))
        .map_err(work_error)?;
    // Vetted first, so viewers may get the original while the MP4 is being made
    // (never before: a file that fails these checks is never served).
    if video.vetted_at.is_none() {
        if let Err(e) = media::vet(&deps.media, &input).await {
            return Err(media_failure(deps, &video, e).await);
        }
        deps.db
            .video_vetted(&video.id, crate::clock::unix_now() as i64)
            .await?;
    }
    let out = work.path().join("out");
    let want_poster = video.poster_key.is_none();
    let done = match media::process(&deps.media, &input, &out, want_poster).await {
        Ok(done) => done,
        Err(e) => return Err(media_failure(deps, &video, e).await),
    };
    let mut processed = Processed {
        duration_ms: done.duration_ms as i64,
        ..Default::default()
    };
    for f in &done.files {
        let key = addresses::output_key(&video.id, &f.key);
        deps.store
            .upload_file(&key, &f.path, f.content_type)
            .await?;
        if f.path == done.mp4 {
            processed.mp4_key = key;
        } else if Some(&f.path) == done.poster.as_ref() {
            processed.poster_key = Some(key);
        } else if f.key == addresses::hls_master_file() {
            processed.hls_key = key;
        }
    }
    if processed.mp4_key.is_empty() || processed.hls_key.is_empty() {
        return Err(JobError::Retryable(
            "processing made no MP4 or no HLS playlist".into(),
        ));
    }
    let has_poster = processed.poster_key.is_some() || video.poster_key.is_some();
    // Tutorial assets belong to no conversation: nothing to tell one.
    let tutorial = deps.db.asset(&video.id).await?.is_some();
    let event = deps.outbox.as_ref().filter(|_| !tutorial).map(|o| {
        o.event(
            WebhookEvent::VideoReceived,
            &received(deps, &video, &processed, has_poster),
        )
    });
    deps.db
        .video_ready(&video.id, &processed, event.as_ref())
        .await?;
    tracing::info!(video_id = %video.id, duration_ms = processed.duration_ms, "video ready");
    if let (Some(outbox), Some(e)) = (&deps.outbox, &event) {
        tracing::info!(webhook_id = %e.row.id, video_id = %video.id, "video.received queued");
        outbox.notify();
    }
    Ok(())
}

/// A refused input is deleted (it is not a video we will keep); a video too long
/// or too slow to process fails for good but is kept until retention; the rest
/// may be retried.
async fn media_failure(deps: &Deps, video: &VideoRow, e: MediaError) -> JobError {
    if e.retryable() {
        return JobError::Retryable(e.to_string());
    }
    if !e.refuses_input() {
        return JobError::Permanent {
            code: e.code(),
            message: e.to_string(),
        };
    }
    if let Err(del) = deps
        .store
        .delete_prefix(&addresses::video_prefix(&video.id))
        .await
    {
        tracing::warn!(video_id = %video.id, error = %del, "could not delete a refused upload; retention will");
    }
    JobError::Permanent {
        code: e.code(),
        message: e.to_string(),
    }
}

/// The `video.received` payload: the seed's fields plus routing and retention.
pub fn received(deps: &Deps, v: &VideoRow, p: &Processed, has_poster: bool) -> VideoReceived {
    let urls = &deps.urls;
    let retention = v.retention_expires_at.unwrap_or_default();
    let retention_expires = time::OffsetDateTime::from_unix_timestamp(retention)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    VideoReceived {
        conversation_id: v.conversation_id.clone(),
        thumbnail_url: has_poster.then(|| urls.share_poster(&v.id)),
        media_url: urls.share(&v.id),
        duration: p.duration_ms as f64 / 1000.0,
        customer_id: v.customer_id.clone(),
        mime_type: v.mime_type.clone(),
        video_id: v.id.clone(),
        has_video_attachment: true,
        routing: RoutingHints {
            queue_name: deps.review_queue.clone(),
            media_type: "video".into(),
            attributes: [("hasVideoAttachment".to_string(), "true".to_string())].into(),
        },
        retention_expires,
    }
}
