//! Uploading a tutorial asset in one request: the body is streamed to a work file
//! (never held in memory), checked, stored, and queued for processing.

use axum::extract::Request;
use axum::http::header;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use vidreply_core::media::container_of;
use vidreply_core::vocab::{UploadStatus, VideoStatus};

use crate::clock::{unix_now, unix_now_ms};
use crate::db::{AssetRow, JobRow, UploadRow, VideoRow};
use crate::error::ApiError;
use crate::jobs::PROCESS_VIDEO;
use crate::state::AppState;

/// Receive the body of `req` as a `mime` video titled `title`; returns its rows.
pub async fn receive(
    state: &AppState,
    mime: &str,
    title: &str,
    req: Request,
) -> Result<(VideoRow, AssetRow), ApiError> {
    let max = state.settings.max_upload_bytes;
    let too_large = || ApiError::TooLarge(format!("The largest accepted video is {max} bytes."));
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(too_large());
    }
    let container = container_of(mime).expect("the caller checked the type");
    let work = state
        .work_dir()
        .await
        .map_err(|e| ApiError::Internal(format!("work folder: {e}")))?;
    let path = work
        .path()
        .join(format!("upload.{}", container.extension()));
    let io = |e: std::io::Error| ApiError::Internal(format!("work file: {e}"));
    let mut file = tokio::fs::File::create(&path).await.map_err(io)?;
    let mut size = 0u64;
    let mut head = Vec::with_capacity(16);
    let mut body = req.into_body().into_data_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::BadRequest("The upload was interrupted; send the video again.".into())
        })?;
        size += chunk.len() as u64;
        if size > max {
            return Err(too_large());
        }
        if head.len() < 16 {
            head.extend(chunk.iter().take(16 - head.len()));
        }
        file.write_all(&chunk).await.map_err(io)?;
    }
    file.flush().await.map_err(io)?;
    drop(file);
    if size == 0 {
        return Err(ApiError::BadRequest("The body holds no video.".into()));
    }
    if !container.matches_magic(&head) {
        return Err(ApiError::NotAVideo(format!(
            "The body is not a {} video.",
            container.extension()
        )));
    }
    let video_id = uuid::Uuid::new_v4().simple().to_string();
    let key = crate::addresses::original_key(&video_id, container.extension());
    state.store.upload_file(&key, &path, mime).await?;
    let now = unix_now() as i64;
    // Tutorial assets belong to no conversation.
    let upload = UploadRow {
        id: uuid::Uuid::new_v4().to_string(),
        video_id: video_id.clone(),
        conversation_id: String::new(),
        customer_id: None,
        mime_type: mime.to_string(),
        object_key: key.clone(),
        storage_upload_id: String::new(),
        status: UploadStatus::Completed,
        created_at: now,
        expires_at: now,
        poster_key: None,
        token_id: None,
        declared_bytes: None,
    };
    let video = VideoRow {
        id: video_id.clone(),
        upload_id: upload.id.clone(),
        conversation_id: String::new(),
        customer_id: None,
        mime_type: mime.to_string(),
        object_key: key,
        size: size as i64,
        duration_ms: None,
        created_at: now,
        status: VideoStatus::Processing,
        failure_code: None,
        failure_reason: None,
        poster_key: None,
        mp4_key: None,
        hls_key: None,
        retention_expires_at: None,
        revoked_at: None,
        vetted_at: None,
    };
    let asset = AssetRow {
        id: video_id,
        title: title.to_string(),
        created_at: now,
    };
    let job = JobRow::new(PROCESS_VIDEO, &video.id, unix_now_ms() as i64);
    state
        .db
        .insert_uploaded_asset(&upload, &video, &job, &asset)
        .await?;
    tracing::info!(asset_id = %asset.id, bytes = size, "tutorial asset uploaded; processing queued");
    state.jobs.notify();
    Ok((video, asset))
}
