//! Upload sessions: create, sign parts, list parts, complete, abort.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use vidreply_core::media::container_of;
use vidreply_core::protocol::{
    CompleteUploadRequest, CreateUploadRequest, ListPartsResponse, MAX_PARTS, SignPartsRequest,
    SignPartsResponse, SignedPart, UploadSession, Video,
};
use vidreply_core::vocab::UploadStatus;

use super::openapi::{
    BadInput, Conflict, Forbidden, NotFound, QuotaExceeded, StorageUnavailable, TooLarge,
    Unauthenticated, Unprocessable, UnsupportedMediaType,
};
use crate::clock::{unix_now, unix_now_ms};
use crate::db::UploadRow;
use crate::error::ApiError;
use crate::extract::{ApiJson, Bearer};
use crate::state::AppState;
use crate::timing::Timing;
use crate::token::{Claims, Scope};

mod complete;
mod parts;
pub mod quota;
pub mod tail;

/// Start an upload for the token's conversation.
///
/// The answer says how to cut the recording into parts (`partSize`), how many to send
/// at once and how to retry. The upload belongs to this capture link: only it may
/// act on the upload. A link may have `VIDREPLY_TOKEN_MAX_OPEN_UPLOADS` uploads open
/// at once and store `VIDREPLY_TOKEN_MAX_BYTES` across its uploads (an open upload
/// counts its `totalBytes`, or the largest upload when that is left out); past
/// either, `429 quota_exceeded` names the quota.
#[utoipa::path(
    post,
    path = "/uploads",
    tag = "uploads",
    operation_id = "createUpload",
    security(("captureToken" = [])),
    request_body = CreateUploadRequest,
    responses(
        (status = 201, description = "The upload session.", body = UploadSession),
        (status = 400, response = BadInput),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 413, response = TooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 429, response = QuotaExceeded),
        (status = 503, response = StorageUnavailable),
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    Bearer(token): Bearer,
    ApiJson(req): ApiJson<CreateUploadRequest>,
) -> Result<(StatusCode, Json<UploadSession>), ApiError> {
    let claims = state.verify_token(&token, Scope::Record).await?;
    super::check_id("mimeType", &req.mime_type, 255)?;
    let container = container_of(&req.mime_type).ok_or_else(|| {
        ApiError::field(
            "mimeType",
            "mimeType must be a video/webm or video/mp4 type.",
        )
    })?;
    let s = &state.settings;
    if let Some(total) = req.total_bytes.filter(|t| *t > s.max_upload_bytes) {
        return Err(ApiError::TooLarge(format!(
            "totalBytes is {total}; the largest accepted video is {} bytes.",
            s.max_upload_bytes
        )));
    }
    if req.total_bytes == Some(0) {
        return Err(ApiError::field(
            "totalBytes",
            "totalBytes must be more than 0.",
        ));
    }
    // Checked before storage is asked for anything, and again with the insert.
    quota::check(&state, &claims.jti, req.total_bytes).await?;
    let video_id = uuid::Uuid::new_v4().simple().to_string();
    let key = crate::addresses::original_key(&video_id, container.extension());
    let storage_upload_id = state.store.create_multipart(&key, &req.mime_type).await?;
    let now = unix_now() as i64;
    let row = UploadRow {
        id: uuid::Uuid::new_v4().to_string(),
        video_id,
        conversation_id: claims.sub,
        customer_id: claims.cus,
        mime_type: req.mime_type,
        object_key: key,
        storage_upload_id,
        status: UploadStatus::Open,
        created_at: now,
        expires_at: now + s.upload_ttl_seconds as i64,
        poster_key: None,
        token_id: Some(claims.jti.clone()),
        declared_bytes: req.total_bytes.map(|b| b as i64),
    };
    quota::insert(&state, &row, req.total_bytes).await?;
    tracing::info!(upload_id = %row.id, backend = state.store.name(), "upload created");
    Ok((
        StatusCode::CREATED,
        Json(UploadSession {
            upload_id: row.id,
            part_size: s.part_size,
            max_parts: MAX_PARTS,
            max_bytes: s.max_upload_bytes,
            max_duration_ms: Some(s.max_duration_seconds * 1000),
            expires_at: row.expires_at as u64,
            parallelism: s.upload_parallelism,
            retry: s.retry_policy(),
        }),
    ))
}

/// Load an upload the token may act on.
pub(super) async fn owned_upload(
    state: &AppState,
    claims: &Claims,
    id: &str,
) -> Result<UploadRow, ApiError> {
    let not_found = || ApiError::NotFound(format!("Upload {id} does not exist."));
    if id.len() > 64 {
        return Err(not_found());
    }
    let upload = state.db.upload(id).await?.ok_or_else(not_found)?;
    // An upload belongs to the link that started it; rows from before links were
    // recorded belong to their conversation.
    let other_link = upload.token_id.as_ref().is_some_and(|t| *t != claims.jti);
    if upload.conversation_id != claims.sub || other_link {
        return Err(ApiError::Forbidden(
            "This link does not allow access to that upload: it was started through \
             another link."
                .into(),
        ));
    }
    Ok(upload)
}

/// An upload that still accepts parts.
pub(super) fn ensure_open(upload: &UploadRow) -> Result<(), ApiError> {
    match upload.status {
        UploadStatus::Open | UploadStatus::Completing if upload.expires_at >= unix_now() as i64 => {
            Ok(())
        }
        UploadStatus::Open | UploadStatus::Completing => Err(ApiError::NotFound(
            "This upload has expired. Your recording is kept; send it again.".into(),
        )),
        UploadStatus::Completed => Err(ApiError::Conflict(
            "This upload is already complete.".into(),
        )),
        UploadStatus::Aborted => Err(ApiError::NotFound("This upload was cancelled.".into())),
    }
}

/// Sign part URLs.
///
/// PUT each part's bytes to its `url` (with `Content-MD5`) and keep the `ETag` of the
/// answer. URLs are short-lived: ask again when one expires. Each URL takes a body
/// of exactly the part's size (`partSizes`, else `partSize`); a part past what the
/// upload may hold (its `totalBytes`, else the largest upload) is refused with 413.
#[utoipa::path(
    post,
    path = "/uploads/{id}/sign",
    tag = "uploads",
    operation_id = "signParts",
    security(("captureToken" = [])),
    params(("id" = String, Path, description = "The `uploadId` from `POST /api/v1/uploads`.")),
    request_body = SignPartsRequest,
    responses(
        (status = 200, description = "One signed URL per requested part.", body = SignPartsResponse),
        (status = 400, response = BadInput),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = TooLarge),
        (status = 415, response = UnsupportedMediaType),
    ),
)]
pub async fn sign(
    State(state): State<AppState>,
    Bearer(token): Bearer,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SignPartsRequest>,
) -> Result<Json<SignPartsResponse>, ApiError> {
    let claims = state.verify_token(&token, Scope::Record).await?;
    parts::check_numbers(&req)?;
    let upload = owned_upload(&state, &claims, &id).await?;
    ensure_open(&upload)?;
    let planned = parts::plan(&state.settings, &upload, &req)?;
    let ttl = Duration::from_secs(state.settings.presign_ttl_seconds);
    let expires_at_ms = unix_now_ms() + ttl.as_millis() as u64;
    let parts = planned
        .into_iter()
        .map(|(n, size)| SignedPart {
            part_number: n,
            url: state
                .store
                .sign_part(&upload.object_key, &upload.storage_upload_id, n, size, ttl),
            expires_at_ms,
            expires_in_ms: Some(ttl.as_millis() as u64),
        })
        .collect();
    Ok(Json(SignPartsResponse { parts }))
}

/// List the parts storage holds, to resume an upload after a reload or a dropped
/// connection.
#[utoipa::path(
    get,
    path = "/uploads/{id}/parts",
    tag = "uploads",
    operation_id = "listParts",
    security(("captureToken" = [])),
    params(("id" = String, Path, description = "The `uploadId` from `POST /api/v1/uploads`.")),
    responses(
        (status = 200, description = "The stored parts, one entry per part number.", body = ListPartsResponse),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = StorageUnavailable),
    ),
)]
pub async fn list_parts(
    State(state): State<AppState>,
    Bearer(token): Bearer,
    Path(id): Path<String>,
) -> Result<Json<ListPartsResponse>, ApiError> {
    let claims = state.verify_token(&token, Scope::Record).await?;
    let upload = owned_upload(&state, &claims, &id).await?;
    ensure_open(&upload)?;
    let parts = state
        .store
        .list_parts(&upload.object_key, &upload.storage_upload_id)
        .await?;
    Ok(Json(ListPartsResponse { parts }))
}

/// Complete the upload and get the video.
///
/// Every part is checked against storage (present, same ETag, every part but the
/// last exactly `partSize`), then the object is assembled and its magic bytes
/// checked. Idempotent: completing again answers the same video. A `part_missing`
/// answer leaves the upload open.
#[utoipa::path(
    post,
    path = "/uploads/{id}/complete",
    tag = "uploads",
    operation_id = "completeUpload",
    security(("captureToken" = [])),
    params(("id" = String, Path, description = "The `uploadId` from `POST /api/v1/uploads`.")),
    request_body = CompleteUploadRequest,
    responses(
        (status = 200, description = "The video; `mediaUrl` is its share link.", body = Video),
        (status = 400, response = BadInput),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = TooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = StorageUnavailable),
    ),
)]
pub async fn complete(
    State(state): State<AppState>,
    Bearer(token): Bearer,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CompleteUploadRequest>,
) -> Result<([(HeaderName, HeaderValue); 1], Json<Video>), ApiError> {
    let mut timing = Timing::new();
    let claims = state.verify_token(&token, Scope::Record).await?;
    let upload = owned_upload(&state, &claims, &id).await?;
    timing.lap("auth");
    let (video, timing) = complete::run(&state, upload, req, timing).await?;
    Ok(([timing.header()], Json(video)))
}

/// Abort the upload (a retake): storage drops its parts and everything stored
/// under the upload (its poster).
#[utoipa::path(
    delete,
    path = "/uploads/{id}",
    tag = "uploads",
    operation_id = "abortUpload",
    security(("captureToken" = [])),
    params(("id" = String, Path, description = "The `uploadId` from `POST /api/v1/uploads`.")),
    responses(
        (status = 204, description = "Aborted (also when it already was)."),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = StorageUnavailable),
    ),
)]
pub async fn abort(
    State(state): State<AppState>,
    Bearer(token): Bearer,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let claims = state.verify_token(&token, Scope::Record).await?;
    let upload = owned_upload(&state, &claims, &id).await?;
    if upload.status == UploadStatus::Completed {
        return Err(ApiError::Conflict(
            "This upload is already complete.".into(),
        ));
    }
    if !state
        .db
        .transition(&upload.id, UploadStatus::Open, UploadStatus::Aborted)
        .await?
        && upload.status != UploadStatus::Aborted
    {
        return Err(ApiError::Conflict("This upload is being completed.".into()));
    }
    crate::retention::discard(state.store.as_ref(), &upload).await?;
    tracing::info!(upload_id = %upload.id, "upload aborted");
    Ok(StatusCode::NO_CONTENT)
}

/// Where a video stands: `processing`, `ready`, or `failed` with a code and message
/// (a file that is not a video is refused here, after the upload completed).
#[utoipa::path(
    get,
    path = "/videos/{id}",
    tag = "videos",
    operation_id = "getVideo",
    security(("apiKey" = []), ("captureToken" = [])),
    params(("id" = String, Path, description = "The `videoId`.")),
    responses(
        (status = 200, description = "The video and its processing status.", body = Video),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
pub async fn video_status(
    State(state): State<AppState>,
    Bearer(token): Bearer,
    Path(id): Path<String>,
) -> Result<Json<Video>, ApiError> {
    let video = authorized_video(&state, &token, &id, Scope::Record).await?;
    Ok(Json(complete::to_api(&state, &video)))
}

/// A video the bearer may act on: the API key sees every video; a capture token
/// of `scope` only its own conversation's.
pub(super) async fn authorized_video(
    state: &AppState,
    bearer: &str,
    id: &str,
    scope: Scope,
) -> Result<crate::db::VideoRow, ApiError> {
    let who = authenticate(state, bearer, scope).await?;
    video_for(state, who.as_ref(), id).await
}

/// Who is calling: `None` for the integration's API key, else a capture token's claims.
pub(super) async fn authenticate(
    state: &AppState,
    bearer: &str,
    scope: Scope,
) -> Result<Option<Claims>, ApiError> {
    match state.check_api_key(bearer) {
        Ok(()) => Ok(None),
        Err(_) => Ok(Some(state.verify_token(bearer, scope).await?)),
    }
}

/// The video `id`, if `who` may see it.
pub(super) async fn video_for(
    state: &AppState,
    who: Option<&Claims>,
    id: &str,
) -> Result<crate::db::VideoRow, ApiError> {
    let not_found = || ApiError::NotFound(format!("Video {id} does not exist."));
    if id.len() > 64 {
        return Err(not_found());
    }
    let video = state.db.video(id).await?.ok_or_else(not_found)?;
    if who.is_some_and(|c| c.sub != video.conversation_id) {
        return Err(ApiError::Forbidden(
            "This link does not allow access to that video.".into(),
        ));
    }
    Ok(video)
}
