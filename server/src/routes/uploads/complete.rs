//! Completing an upload: verify every part against storage, assemble, check the
//! container, record the video and tell the conversation.

use std::collections::HashMap;

use tracing::Instrument;
use vidreply_core::media::container_of;
use vidreply_core::protocol::{CompleteUploadRequest, MAX_PARTS, ProcessingFailure, Video};
use vidreply_core::vocab::{UploadStatus, VideoStatus};

use crate::clock::{unix_now, unix_now_ms};
use crate::db::{JobRow, UploadRow, VideoRow};
use crate::error::ApiError;
use crate::jobs::PROCESS_VIDEO;
use crate::state::AppState;
use crate::storage::{StorageError, etag_eq};
use crate::timing::Timing;

pub async fn run(
    state: &AppState,
    upload: UploadRow,
    req: CompleteUploadRequest,
    mut timing: Timing,
) -> Result<(Video, Timing), ApiError> {
    if upload.status == UploadStatus::Completed {
        let video = finished(state, &upload).await?;
        timing.lap("db");
        return Ok((video, timing));
    }
    super::ensure_open(&upload)?;
    validate(state, &req)?;
    if !state
        .db
        .transition(&upload.id, UploadStatus::Open, UploadStatus::Completing)
        .await?
    {
        // Someone else got here first: answer with their result if it is done.
        if let Some(done) = state
            .db
            .upload(&upload.id)
            .await?
            .filter(|u| u.status == UploadStatus::Completed)
        {
            let video = finished(state, &done).await?;
            timing.lap("db");
            return Ok((video, timing));
        }
        return Err(ApiError::Conflict(
            "This upload is already being completed; try again shortly.".into(),
        ));
    }
    // Finish even if the caller hangs up or times out: a half-done completion
    // would leave the upload stuck in `completing`.
    let (st, up) = (state.clone(), upload.clone());
    tokio::spawn(async move { settle(&st, &up, &req, timing).await }.in_current_span())
        .await
        .map_err(|e| ApiError::Internal(format!("completion task: {e}")))?
}

/// Assemble, then move the upload out of `completing` whatever happened.
async fn settle(
    state: &AppState,
    upload: &UploadRow,
    req: &CompleteUploadRequest,
    mut timing: Timing,
) -> Result<(Video, Timing), ApiError> {
    match assemble(state, upload, req, &mut timing).await {
        Ok(video) => Ok((video, timing)),
        Err(e) => {
            // Keep the upload resumable unless the error ended it.
            let next = if matches!(e, ApiError::NotAVideo(_) | ApiError::TooLarge(_)) {
                UploadStatus::Aborted
            } else {
                UploadStatus::Open
            };
            state
                .db
                .transition(&upload.id, UploadStatus::Completing, next)
                .await?;
            if next == UploadStatus::Aborted
                && let Err(del) = crate::retention::discard(state.store.as_ref(), upload).await
            {
                tracing::warn!(upload_id = %upload.id, error = %del, "could not delete a refused upload; retention will");
            }
            Err(e)
        }
    }
}

fn validate(state: &AppState, req: &CompleteUploadRequest) -> Result<(), ApiError> {
    if req.parts.is_empty() {
        return Err(ApiError::field(
            "parts",
            "parts must list at least one part.",
        ));
    }
    for (i, p) in req.parts.iter().enumerate() {
        let want = i as u32 + 1;
        if p.part_number == 0 || p.part_number > MAX_PARTS {
            return Err(ApiError::field(
                format!("parts[{i}].partNumber"),
                format!(
                    "parts[{i}].partNumber is {}; part numbers run from 1 to {MAX_PARTS}.",
                    p.part_number
                ),
            ));
        }
        if p.part_number != want {
            return Err(ApiError::field(
                format!("parts[{i}].partNumber"),
                format!("parts must be numbered 1, 2, 3… in order; expected {want} at parts[{i}]."),
            ));
        }
        if p.etag.trim().is_empty() || p.etag.len() > 128 {
            return Err(ApiError::field(
                format!("parts[{i}].etag"),
                format!("parts[{i}].etag must be the ETag storage returned."),
            ));
        }
    }
    let max_ms = state.settings.max_duration_seconds * 1000;
    if req.duration_ms.is_some_and(|d| d > max_ms) {
        return Err(ApiError::field(
            "durationMs",
            format!("durationMs must be at most {max_ms}."),
        ));
    }
    Ok(())
}

async fn assemble(
    state: &AppState,
    upload: &UploadRow,
    req: &CompleteUploadRequest,
    timing: &mut Timing,
) -> Result<Video, ApiError> {
    let s = &state.settings;
    let listed = state
        .store
        .list_parts(&upload.object_key, &upload.storage_upload_id)
        .await;
    timing.lap("list");
    let total = match listed {
        Ok(listed) => {
            let stored: HashMap<u32, _> = listed.into_iter().map(|p| (p.part_number, p)).collect();
            let total = verify_parts(s, &stored, req)?;
            if total > s.max_upload_bytes {
                state
                    .store
                    .abort(&upload.object_key, &upload.storage_upload_id)
                    .await?;
                return Err(ApiError::TooLarge(format!(
                    "The recording is {total} bytes; the limit is {}.",
                    s.max_upload_bytes
                )));
            }
            state
                .store
                .complete(&upload.object_key, &upload.storage_upload_id, &req.parts)
                .await?;
            timing.lap("assemble");
            total
        }
        // An earlier attempt assembled the object and then failed (or was cut off)
        // before recording the video: pick up from the assembled object.
        Err(StorageError::NoSuchUpload)
            if state.store.read_head(&upload.object_key, 1).await.is_ok() =>
        {
            req.total_bytes.ok_or_else(|| {
                ApiError::field("totalBytes", "totalBytes is needed to finish this upload.")
            })?
        }
        Err(e) => return Err(e.into()),
    };
    let head = state.store.read_head(&upload.object_key, 16).await?;
    timing.lap("head");
    let container = container_of(&upload.mime_type).expect("validated on create");
    if !container.matches_magic(&head) {
        state.store.delete(&upload.object_key).await?;
        return Err(ApiError::NotAVideo(format!(
            "The uploaded file is not a {} video.",
            container.extension()
        )));
    }
    // The poster, as stored while the upload was open (it may have come after the
    // row above was read, but not after this upload left `open`).
    let poster_key = state
        .db
        .upload(&upload.id)
        .await?
        .and_then(|u| u.poster_key);
    let created_at = unix_now() as i64;
    let video = VideoRow {
        id: upload.video_id.clone(),
        upload_id: upload.id.clone(),
        conversation_id: upload.conversation_id.clone(),
        customer_id: upload.customer_id.clone(),
        mime_type: upload.mime_type.clone(),
        object_key: upload.object_key.clone(),
        size: total as i64,
        duration_ms: req.duration_ms.map(|d| d as i64),
        created_at,
        status: VideoStatus::Processing,
        failure_code: None,
        failure_reason: None,
        poster_key,
        mp4_key: None,
        hls_key: None,
        retention_expires_at: Some(created_at + state.settings.retention_days as i64 * 86400),
        revoked_at: None,
        vetted_at: None,
    };
    // The video, the closed upload and its processing job: one transaction, so a
    // crash leaves either nothing or a job that will run.
    let job = JobRow::new(PROCESS_VIDEO, &video.id, unix_now_ms() as i64);
    state.db.insert_video(&video, Some(&job), None).await?;
    timing.lap("db");
    tracing::info!(upload_id = %upload.id, video_id = %video.id, bytes = total, "upload completed; processing queued");
    state.jobs.notify();
    Ok(to_api(state, &video))
}

/// Check the listed parts against what storage holds; returns the total size.
fn verify_parts(
    s: &crate::config::Settings,
    stored: &HashMap<u32, vidreply_core::protocol::UploadedPart>,
    req: &CompleteUploadRequest,
) -> Result<u64, ApiError> {
    let last = req.parts.len() as u32;
    let mut total = 0u64;
    for p in &req.parts {
        let n = p.part_number;
        let Some(have) = stored.get(&n) else {
            return Err(ApiError::PartMissing {
                message: format!("Part {n} is not on the server; upload it, then complete again."),
            });
        };
        if !etag_eq(&have.etag, &p.etag) {
            return Err(ApiError::PartMissing {
                message: format!(
                    "Part {n} on the server differs from the one sent (ETag mismatch); upload it again."
                ),
            });
        }
        let size_ok = if n < last {
            have.size == s.part_size
        } else {
            have.size > 0 && have.size <= s.part_size
        };
        if !size_ok {
            return Err(ApiError::SizeMismatch(format!(
                "Part {n} holds {} bytes; every part but the last must hold exactly {} bytes.",
                have.size, s.part_size
            )));
        }
        total += have.size;
    }
    if let Some(expected) = req.total_bytes.filter(|t| *t != total) {
        return Err(ApiError::SizeMismatch(format!(
            "The parts hold {total} bytes, but totalBytes says {expected}."
        )));
    }
    Ok(total)
}

async fn finished(state: &AppState, upload: &UploadRow) -> Result<Video, ApiError> {
    let video = state
        .db
        .video_for_upload(&upload.id)
        .await?
        .ok_or_else(|| {
            ApiError::Internal(format!("completed upload {} has no video", upload.id))
        })?;
    Ok(to_api(state, &video))
}

pub fn to_api(state: &AppState, v: &VideoRow) -> Video {
    Video {
        video_id: v.id.clone(),
        media_url: state.urls().share(&v.id),
        mime_type: v.mime_type.clone(),
        size: v.size as u64,
        duration: v.duration_ms.map(|d| d as f64 / 1000.0),
        status: v.status,
        failure: v.failure_code.as_ref().map(|code| ProcessingFailure {
            code: code.clone(),
            message: v.failure_reason.clone().unwrap_or_default(),
        }),
    }
}
