//! The local backend's own signed URLs: PUT part bytes, GET finished objects.

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use crate::clock::unix_now_ms;
use crate::state::AppState;
use crate::storage::local::{UrlRefusal, WritePartError};
use crate::storage::{LocalStore, StorageError};

#[derive(Deserialize)]
pub struct Signature {
    expires: Option<u64>,
    signature: Option<String>,
    /// Part URLs: the most bytes the part may hold (signed with the rest).
    size: Option<u64>,
}

/// Answers shaped like S3's, so the uploader treats both backends alike.
fn s3_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    );
    (status, [(header::CONTENT_TYPE, "application/xml")], body).into_response()
}

fn refused(r: UrlRefusal) -> Response {
    match r {
        UrlRefusal::Expired => {
            s3_error(StatusCode::FORBIDDEN, "AccessDenied", "Request has expired")
        }
        UrlRefusal::BadSignature => s3_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        ),
    }
}

fn local(state: &AppState) -> Result<&LocalStore, Box<Response>> {
    state.local.as_deref().ok_or_else(|| {
        Box::new(s3_error(
            StatusCode::NOT_FOUND,
            "NotFound",
            "Local storage is not enabled.",
        ))
    })
}

fn signature(q: &Signature) -> Result<(u64, &str), Box<Response>> {
    match (q.expires, q.signature.as_deref()) {
        (Some(e), Some(s)) => Ok((e, s)),
        _ => Err(Box::new(s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "The URL is missing expires or signature.",
        ))),
    }
}

/// The local store, if the URL's signature and expiry hold for `check`.
fn authorize<'a>(
    state: &'a AppState,
    q: &Signature,
    check: impl FnOnce(&LocalStore, u64, &str) -> Result<(), UrlRefusal>,
) -> Result<&'a LocalStore, Box<Response>> {
    let store = local(state)?;
    let (expires, sig) = signature(q)?;
    check(store, expires, sig).map_err(|r| Box::new(refused(r)))?;
    Ok(store)
}

fn parse_md5(v: &HeaderValue) -> Option<[u8; 16]> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v.as_bytes())
        .ok()?;
    bytes.try_into().ok()
}

pub async fn put_part(
    State(state): State<AppState>,
    Path((upload, part)): Path<(String, u32)>,
    Query(q): Query<Signature>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(size) = q.size else {
        let msg = "The URL is missing its size; ask for a new part URL.";
        return s3_error(StatusCode::FORBIDDEN, "AccessDenied", msg);
    };
    let store = match authorize(&state, &q, |s, exp, sig| {
        s.verify_part_url(&upload, part, size, exp, sig, unix_now_ms())
    }) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let content_md5 = match headers.get("content-md5").map(parse_md5) {
        None => None,
        Some(Some(d)) => Some(d),
        Some(None) => {
            let msg = "The Content-MD5 you specified is not a base64 MD5 digest.";
            return s3_error(StatusCode::BAD_REQUEST, "InvalidDigest", msg);
        }
    };
    match store
        .write_part(
            &upload,
            part,
            body.into_data_stream(),
            size.min(state.settings.part_size),
            content_md5,
        )
        .await
    {
        Ok(etag) => {
            let mut res = StatusCode::OK.into_response();
            res.headers_mut().insert(
                header::ETAG,
                HeaderValue::from_str(&etag).expect("hex etag"),
            );
            res
        }
        Err(WritePartError::BadDigest) => s3_error(
            StatusCode::BAD_REQUEST,
            "BadDigest",
            "The Content-MD5 you specified did not match what we received.",
        ),
        Err(WritePartError::TooLarge) => s3_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "EntityTooLarge",
            &format!("The part is larger than the {size} bytes its URL was signed for."),
        ),
        Err(WritePartError::Body(_)) => s3_error(
            StatusCode::BAD_REQUEST,
            "IncompleteBody",
            "The part upload was interrupted.",
        ),
        Err(WritePartError::Storage(StorageError::NoSuchUpload)) => s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchUpload",
            "The upload does not exist.",
        ),
        Err(WritePartError::Storage(e)) => {
            tracing::error!(error = %e, "writing a part failed");
            s3_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "SlowDown",
                "Storage is unavailable; retry.",
            )
        }
    }
}

pub async fn get_object(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<Signature>,
    req: Request,
) -> Response {
    let store = match authorize(&state, &q, |s, exp, sig| {
        s.verify_get_url(&key, exp, sig, unix_now_ms())
    }) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let Ok(path) = store.object_path(&key) else {
        return s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The object does not exist.",
        );
    };
    match ServeFile::new(path).oneshot(req).await {
        Ok(res) => res.into_response(),
        Err(e) => match e {},
    }
}

/// Middleware for part PUTs: a body longer than the part size (by its
/// Content-Length) is refused before a byte is read, naming the limit. A body of
/// unknown length is cut off at the part size by [`put_part`] itself.
pub async fn part_body_limit(
    State(limit): State<u64>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let header = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // The body knows its length too (hyper takes it from Content-Length).
    let known = Some(axum::body::HttpBody::size_hint(req.body()).lower()).filter(|n| *n > 0);
    match header.max(known) {
        Some(len) if len > limit => s3_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "EntityTooLarge",
            &format!(
                "The part is {len} bytes; parts may be at most {limit} bytes (VIDREPLY_PART_SIZE)."
            ),
        ),
        _ => next.run(req).await,
    }
}
