//! Tutorial assets, managed by an admin with the API key: register a video already
//! uploaded, or upload one here; then see its processing status.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, RawQuery, Request, State};
use axum::http::{StatusCode, header};
use vidreply_core::protocol::{
    ProcessingFailure, RegisterAssetRequest, TutorialAsset, TutorialAssetList,
};

use super::super::check_id;
use super::super::openapi::{
    BadInput, NotFound, StorageUnavailable, TooLarge, Unauthenticated, Unprocessable,
    UnsupportedMediaType,
};
use crate::clock::unix_now;
use crate::db::{AssetRow, VideoRow};
use crate::error::ApiError;
use crate::extract::{Bearer, parse_json, query_param};
use crate::state::AppState;

/// Assets listed at most.
const LIST_MAX: i64 = 1000;

/// Register a tutorial asset, or upload one.
///
/// - `Content-Type: application/json` with `{videoId, title}` registers a video
///   already uploaded (through a capture link) as a tutorial asset.
/// - `Content-Type: video/mp4` or `video/webm` with the file as the body, and the
///   title as `?title=`, uploads one (at most `VIDREPLY_MAX_UPLOAD_BYTES`); it is
///   processed (MP4, HLS, poster) like every video.
///
/// Tutorial assets belong to no conversation and are kept until deleted: customer-video
/// retention does not apply to them. Links to them are signed with
/// `POST /api/v1/media/sign-video-url` once they are `ready`.
#[utoipa::path(
    post,
    path = "/assets",
    tag = "tutorials",
    operation_id = "createTutorialAsset",
    security(("apiKey" = [])),
    params(("title" = Option<String>, Query, description = "The title, with a video body (1 to 200 characters).")),
    request_body(content(
        (RegisterAssetRequest = "application/json"),
        (Vec<u8> = "video/mp4"),
        (Vec<u8> = "video/webm"),
    )),
    responses(
        (status = 200, description = "The video was already a tutorial asset; its title is updated.", body = TutorialAsset),
        (status = 201, description = "Registered, or uploaded and queued for processing.", body = TutorialAsset),
        (status = 400, response = BadInput),
        (status = 401, response = Unauthenticated),
        (status = 413, response = TooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = StorageUnavailable),
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    Bearer(key): Bearer,
    RawQuery(query): RawQuery,
    req: Request,
) -> Result<(StatusCode, Json<TutorialAsset>), ApiError> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let base = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if base == "video/mp4" || base == "video/webm" {
        // The credential before a single byte is stored.
        state.check_api_key(&key)?;
        let title = query_param(query.as_deref(), "title")
            .ok_or_else(|| ApiError::field("title", "title (?title=) is required."))?;
        check_title(&title)?;
        let (video, asset) = super::upload::receive(&state, &base, &title, req).await?;
        return Ok((StatusCode::CREATED, Json(to_api(&video, &asset))));
    }
    if base != "application/json" {
        return Err(ApiError::UnsupportedMediaType(
            "Send {videoId, title} as application/json, or the video as video/mp4 or video/webm."
                .into(),
        ));
    }
    let bytes = Bytes::from_request(req, &state)
        .await
        .map_err(|_| ApiError::TooLarge("The request body is too large.".into()))?;
    let body: RegisterAssetRequest = parse_json(&bytes)?;
    state.check_api_key(&key)?;
    check_id("videoId", &body.video_id, 64)?;
    check_title(&body.title)?;
    let existed = state.db.asset(&body.video_id).await?;
    let asset = AssetRow {
        id: body.video_id.clone(),
        title: body.title,
        created_at: existed.as_ref().map_or(unix_now() as i64, |a| a.created_at),
    };
    if !state.db.register_asset(&asset).await? {
        return Err(ApiError::field("videoId", "videoId names no video."));
    }
    let video = found(&state, &asset.id).await?;
    tracing::info!(asset_id = %asset.id, "tutorial asset registered");
    let status = if existed.is_some() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(to_api(&video, &asset))))
}

fn check_title(title: &str) -> Result<(), ApiError> {
    check_id("title", title, 200)
}

/// A tutorial asset and its processing status.
#[utoipa::path(
    get,
    path = "/assets/{id}",
    tag = "tutorials",
    operation_id = "getTutorialAsset",
    security(("apiKey" = [])),
    params(("id" = String, Path, description = "The `asset_id`.")),
    responses(
        (status = 200, description = "The asset.", body = TutorialAsset),
        (status = 401, response = Unauthenticated),
        (status = 404, response = NotFound),
    ),
)]
pub async fn get(
    State(state): State<AppState>,
    Bearer(key): Bearer,
    Path(id): Path<String>,
) -> Result<Json<TutorialAsset>, ApiError> {
    state.check_api_key(&key)?;
    let not_found = || ApiError::NotFound("No tutorial asset has that id.".into());
    if id.len() > 64 {
        return Err(not_found());
    }
    let asset = state.db.asset(&id).await?.ok_or_else(not_found)?;
    let video = found(&state, &asset.id).await?;
    Ok(Json(to_api(&video, &asset)))
}

/// Every tutorial asset, newest first (at most 1000).
#[utoipa::path(
    get,
    path = "/assets",
    tag = "tutorials",
    operation_id = "listTutorialAssets",
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The assets.", body = TutorialAssetList),
        (status = 401, response = Unauthenticated),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    Bearer(key): Bearer,
) -> Result<Json<TutorialAssetList>, ApiError> {
    state.check_api_key(&key)?;
    let mut assets = Vec::new();
    for a in state.db.assets(LIST_MAX).await? {
        // An asset whose video is gone is not listed.
        if let Some(v) = state.db.video(&a.id).await? {
            assets.push(to_api(&v, &a));
        }
    }
    Ok(Json(TutorialAssetList { assets }))
}

async fn found(state: &AppState, id: &str) -> Result<VideoRow, ApiError> {
    state
        .db
        .video(id)
        .await?
        .ok_or_else(|| ApiError::NotFound("The asset's video no longer exists.".into()))
}

pub fn to_api(v: &VideoRow, a: &AssetRow) -> TutorialAsset {
    TutorialAsset {
        asset_id: a.id.clone(),
        title: a.title.clone(),
        status: v.status,
        mime_type: v.mime_type.clone(),
        duration: v.duration_ms.map(|d| d as f64 / 1000.0),
        created_at: a.created_at.max(0) as u64,
        failure: v.failure_code.as_ref().map(|code| ProcessingFailure {
            code: code.clone(),
            message: v.failure_reason.clone().unwrap_or_default(),
        }),
    }
}
