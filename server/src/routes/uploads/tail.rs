//! A recording's tail through this server: the last, short part needs no signed
//! URL, so the recorder can send it the moment Stop is pressed, without a sign
//! round trip. Full parts never come here: they go straight to storage.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use base64::Engine as _;
use md5::{Digest, Md5};
use vidreply_core::protocol::{SignPartsRequest, UploadedPart};

use super::super::openapi::{
    BadInput, Conflict, Forbidden, NotFound, StorageUnavailable, TooLarge, Unauthenticated,
    UnsupportedMediaType,
};
use super::{ensure_open, owned_upload, parts};
use crate::error::ApiError;
use crate::extract::Bearer;
use crate::state::AppState;
use crate::token::Scope;

/// The body's declared length, which must be shorter than a part.
fn declared_len(headers: &HeaderMap, part_size: u64) -> Result<u64, ApiError> {
    let len = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        .ok_or_else(|| {
            ApiError::field(
                "Content-Length",
                "Content-Length must give the part's size in bytes.",
            )
        })?;
    if len == 0 {
        return Err(ApiError::field(
            "Content-Length",
            "Content-Length is 0; a part holds at least one byte.",
        ));
    }
    if len >= part_size {
        return Err(ApiError::TooLarge(format!(
            "Content-Length is {len}; only a last part shorter than partSize ({part_size} \
             bytes) is taken here. Send full parts to their signed URLs."
        )));
    }
    Ok(len)
}

/// The Content-MD5 header: base64 of the body's 16-byte MD5.
fn declared_md5(headers: &HeaderMap) -> Result<[u8; 16], ApiError> {
    let bad = || {
        ApiError::field(
            "Content-MD5",
            "Content-MD5 must be the base64 of the body's MD5 (16 bytes).",
        )
    };
    let text = headers.get("content-md5").ok_or_else(bad)?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map_err(|_| bad())?;
    raw.try_into().map_err(|_| bad())
}

/// Part bytes are bytes: no type, `application/octet-stream` or the video's own.
fn check_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(ct) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
    if ct.starts_with("application/octet-stream") || ct.starts_with("video/") {
        return Ok(());
    }
    Err(ApiError::UnsupportedMediaType(
        "Content-Type must be application/octet-stream or a video type (or left out).".into(),
    ))
}

/// Send a last part through the server.
///
/// For the recording's last part only, when it is shorter than `partSize`: it
/// needs no signed URL, so it can go the moment recording stops. Send
/// `Content-Length` and `Content-MD5`; keep the `ETag` of the answer for
/// complete, as for a part sent to a signed URL. Sending it again replaces it.
#[utoipa::path(
    put,
    path = "/uploads/{id}/parts/{part}",
    tag = "uploads",
    operation_id = "putTailPart",
    security(("captureToken" = [])),
    params(
        ("id" = String, Path, description = "The `uploadId` from `POST /api/v1/uploads`."),
        ("part" = u32, Path, description = "The part's number (1 to 10000)."),
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The part's bytes: fewer than `partSize`."),
    responses(
        (status = 200, description = "Stored; the `ETag` header holds the part's ETag too.", body = UploadedPart),
        (status = 400, response = BadInput),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = TooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 503, response = StorageUnavailable),
    ),
)]
pub async fn put(
    State(state): State<AppState>,
    Bearer(token): Bearer,
    Path((id, part)): Path<(String, u32)>,
    headers: HeaderMap,
    body: Body,
) -> Result<([(HeaderName, HeaderValue); 1], Json<UploadedPart>), ApiError> {
    let claims = state.verify_token(&token, Scope::Record).await?;
    let req = SignPartsRequest {
        part_numbers: vec![part],
        part_sizes: Vec::new(),
    };
    parts::check_numbers(&req).map_err(|_| {
        ApiError::field(
            "part",
            format!("part is {part}; part numbers run from 1 to 10000."),
        )
    })?;
    check_type(&headers)?;
    let len = declared_len(&headers, state.settings.part_size)?;
    let md5 = declared_md5(&headers)?;
    let upload = owned_upload(&state, &claims, &id).await?;
    ensure_open(&upload)?;
    // The same limits as a signed part: within what the upload may hold.
    let sized = SignPartsRequest {
        part_sizes: vec![len],
        ..req
    };
    parts::plan(&state.settings, &upload, &sized)?;
    let bytes = axum::body::to_bytes(body, len as usize)
        .await
        .map_err(|_| {
            ApiError::field(
                "Content-Length",
                format!("The body was not the {len} bytes Content-Length gives."),
            )
        })?;
    if bytes.len() as u64 != len {
        return Err(ApiError::field(
            "Content-Length",
            format!(
                "The body was {} bytes, not the {len} Content-Length gives.",
                bytes.len()
            ),
        ));
    }
    if Md5::digest(&bytes)[..] != md5[..] {
        return Err(ApiError::BadDigest(
            "Content-MD5: the body does not match it; it changed on the way. Send it again.".into(),
        ));
    }
    let etag = state
        .store
        .put_part(
            &upload.object_key,
            &upload.storage_upload_id,
            part,
            bytes,
            md5,
        )
        .await?;
    let value = HeaderValue::from_str(&etag)
        .map_err(|_| ApiError::Internal("storage answered an ETag that is not a header".into()))?;
    let stored = UploadedPart {
        part_number: part,
        etag,
        size: len,
    };
    Ok(([(header::ETAG, value)], Json(stored)))
}
