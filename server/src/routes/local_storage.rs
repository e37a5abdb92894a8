//! A backend's own signed URLs (the local disk's): PUT part bytes, GET finished
//! objects. Mounted with the backend's [`ServesOwnUrls`] when it has one; with
//! another backend these paths answer that local storage is not enabled.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, put};
use futures_util::{StreamExt, TryStreamExt};
use serde::Deserialize;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use crate::clock::unix_now_ms;
use crate::storage::{ServesOwnUrls, StorageError, UrlRefusal, WritePartError};

/// What the handlers share: the backend that answers its URLs, and the part size.
#[derive(Clone)]
struct Served {
    store: Arc<dyn ServesOwnUrls>,
    part_size: u64,
}

/// The handlers for `PUT /storage/parts/{upload}/{part}` and
/// `GET /storage/objects/{*key}`: the backend's when it serves its own URLs.
pub fn handlers<S: Clone + Send + Sync + 'static>(
    own: Option<Arc<dyn ServesOwnUrls>>,
    part_size: u64,
) -> (MethodRouter<S>, MethodRouter<S>) {
    match own {
        Some(store) => {
            let served = Served { store, part_size };
            (
                put(put_part).with_state(served.clone()),
                get(get_object).with_state(served),
            )
        }
        None => (put(not_enabled), get(not_enabled)),
    }
}

async fn not_enabled() -> Response {
    s3_error(
        StatusCode::NOT_FOUND,
        "NotFound",
        "Local storage is not enabled.",
    )
}

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

/// Whether the URL's signature and expiry hold for `check`.
fn authorize(
    q: &Signature,
    check: impl FnOnce(u64, &str) -> Result<(), UrlRefusal>,
) -> Result<(), Box<Response>> {
    let (expires, sig) = signature(q)?;
    check(expires, sig).map_err(|r| Box::new(refused(r)))
}

fn parse_md5(v: &HeaderValue) -> Option<[u8; 16]> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v.as_bytes())
        .ok()?;
    bytes.try_into().ok()
}

async fn put_part(
    State(served): State<Served>,
    Path((upload, part)): Path<(String, u32)>,
    Query(q): Query<Signature>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(size) = q.size else {
        let msg = "The URL is missing its size; ask for a new part URL.";
        return s3_error(StatusCode::FORBIDDEN, "AccessDenied", msg);
    };
    let store = &served.store;
    if let Err(r) = authorize(&q, |exp, sig| {
        store.verify_part_url(&upload, part, size, exp, sig, unix_now_ms())
    }) {
        return *r;
    }
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
            body.into_data_stream().map_err(|e| e.to_string()).boxed(),
            size.min(served.part_size),
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

async fn get_object(
    State(served): State<Served>,
    Path(key): Path<String>,
    Query(q): Query<Signature>,
    req: Request,
) -> Response {
    let store = &served.store;
    if let Err(r) = authorize(&q, |exp, sig| {
        store.verify_get_url(&key, exp, sig, unix_now_ms())
    }) {
        return *r;
    }
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
/// unknown length is cut off at the part size by `put_part` itself.
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
