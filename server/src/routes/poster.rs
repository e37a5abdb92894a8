//! The poster the browser takes from the recording (canvas, JPEG) and sends with
//! it. Processing makes one only when none came.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use vidreply_core::vocab::UploadStatus;

use super::openapi::{
    BadInput, Conflict, Forbidden, NotFound, TooLarge, Unauthenticated, UnsupportedMediaType,
};
use crate::error::ApiError;
use crate::extract::Bearer;
use crate::state::AppState;
use crate::token::Scope;

/// Largest poster accepted, in bytes.
pub const MAX_POSTER_BYTES: usize = 1024 * 1024;

/// Send the recording's poster image, while the upload is open.
///
/// Only the link that started the upload may, and only until the upload is
/// completed or cancelled: a finished video's poster is never replaced.
#[utoipa::path(
    put,
    path = "/uploads/{id}/poster",
    tag = "uploads",
    operation_id = "putPoster",
    security(("captureToken" = [])),
    params(("id" = String, Path, description = "The `uploadId`.")),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "A JPEG of at most 1 MiB."),
    responses(
        (status = 204, description = "Stored; processing will not make another."),
        (status = 400, response = BadInput),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = TooLarge),
        (status = 415, response = UnsupportedMediaType),
    ),
)]
pub async fn put(
    State(state): State<AppState>,
    Bearer(token): Bearer,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let claims = state.verify_token(&token, Scope::Record).await?;
    let jpeg = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("image/jpeg"));
    if !jpeg {
        return Err(ApiError::UnsupportedMediaType(
            "Send the poster as Content-Type: image/jpeg.".into(),
        ));
    }
    let bytes = axum::body::to_bytes(body, MAX_POSTER_BYTES)
        .await
        .map_err(|_| {
            ApiError::TooLarge(format!(
                "The poster must be at most {MAX_POSTER_BYTES} bytes."
            ))
        })?;
    if !bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Err(ApiError::field(
            "body",
            "body must be a JPEG image; this one does not start like a JPEG.",
        ));
    }
    let upload = super::uploads::owned_upload(&state, &claims, &id).await?;
    let closed = || {
        ApiError::Conflict(
            "The poster can be sent only while the upload is open; this one is complete \
             or being completed."
                .into(),
        )
    };
    match upload.status {
        UploadStatus::Completing | UploadStatus::Completed => return Err(closed()),
        _ => super::uploads::ensure_open(&upload)?,
    }
    let work_error = |e: std::io::Error| ApiError::Internal(format!("work folder: {e}"));
    let work = state.work_dir().await.map_err(work_error)?;
    let file = work.path().join("poster.jpg");
    tokio::fs::write(&file, &bytes).await.map_err(work_error)?;
    let key = crate::addresses::poster_key(&upload.video_id);
    state.store.upload_file(&key, &file, "image/jpeg").await?;
    if !state.db.set_poster(&upload.id, &key).await? {
        // It left `open` while the file was stored. Cancelled: take the file back
        // (the cancel may have cleared the prefix before it landed). Completed: the
        // key is the video's own poster, which processing makes when none came.
        let gone = state.db.upload(&upload.id).await?;
        if gone.is_none_or(|u| u.status == UploadStatus::Aborted) {
            state.store.delete(&key).await?;
        }
        return Err(closed());
    }
    tracing::info!(upload_id = %upload.id, bytes = bytes.len(), "poster stored");
    Ok(StatusCode::NO_CONTENT)
}
