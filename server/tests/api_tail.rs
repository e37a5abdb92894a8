//! `PUT /api/v1/uploads/{id}/parts/{n}`: a recording's short last part through
//! the API, with no signed URL. It must store exactly what a signed part would,
//! refuse what a signed URL refuses, and act only for the link that owns the upload.

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use base64::Engine as _;
use common::*;
use md5::{Digest, Md5};
use vidreply_core::protocol::UploadedPart;

fn content_md5(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(bytes))
}

/// A tail PUT as the browser sends it; `edit` changes it for the refusals.
fn tail(
    token: &str,
    upload: &str,
    n: u32,
    bytes: &[u8],
    edit: impl FnOnce(&mut HeaderMap),
) -> Request<Body> {
    let mut b = Request::builder()
        .method(Method::PUT)
        .uri(format!("/api/v1/uploads/{upload}/parts/{n}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "video/webm")
        .header(header::CONTENT_LENGTH, bytes.len())
        .header("content-md5", content_md5(bytes));
    edit(b.headers_mut().expect("headers"));
    b.body(Body::from(bytes.to_vec())).expect("request")
}

#[tokio::test]
async fn a_tail_through_the_api_completes_the_video_byte_for_byte() {
    let s = Server::start().await;
    let token = s.token("conv-tail").await;
    let up = s.create_upload(&token).await;
    let bytes = recording(2 * PART_SIZE + 300);
    let parts = chunks(&bytes);
    let e1 = s
        .upload_part(&token, &up.upload_id, 1, parts[0].clone())
        .await;
    let e2 = s
        .upload_part(&token, &up.upload_id, 2, parts[1].clone())
        .await;

    let r = s
        .send(tail(&token, &up.upload_id, 3, &parts[2], |_| ()))
        .await;
    r.expect_status(StatusCode::OK);
    let stored: UploadedPart = r.json();
    let want = format!("\"{}\"", hex::encode(Md5::digest(&parts[2])));
    assert_eq!(stored.part_number, 3);
    assert_eq!(stored.size, 300);
    assert_eq!(
        stored.etag, want,
        "the ETag is the quoted MD5, as storage's"
    );
    assert_eq!(
        r.header("etag"),
        Some(want.as_str()),
        "and in the ETag header"
    );
    let listed = s.list(&token, &up.upload_id).await;
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[2], stored, "listed like any part");

    let r = s
        .complete(
            &token,
            &up.upload_id,
            &[(1, &e1), (2, &e2), (3, &stored.etag)],
            Some(bytes.len() as u64),
        )
        .await;
    s.expect_video(&r, &bytes);
}

#[tokio::test]
async fn a_tail_that_is_not_one_is_refused_naming_the_field() {
    let s = Server::start().await;
    let token = s.token("conv-tail-bad").await;
    let up = s.create_upload(&token).await;
    let id = up.upload_id.as_str();
    let short = recording(100);
    let full = recording(PART_SIZE);

    // A full part belongs at a signed URL: the server stays off full parts' path.
    let r = s.send(tail(&token, id, 1, &full, |_| ())).await;
    r.api_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");

    // Bytes changed on the way.
    let r = s
        .send(tail(&token, id, 1, &short, |h| {
            h.insert("content-md5", content_md5(b"other bytes").parse().unwrap());
        }))
        .await;
    r.api_error(StatusCode::BAD_REQUEST, "bad_digest");
    let r = s
        .send(tail(&token, id, 1, &short, |h| {
            h.insert("content-md5", HeaderValue::from_static("not base64!"));
        }))
        .await;
    r.field_error("Content-MD5");

    // A body longer than it says.
    let r = s
        .send(tail(&token, id, 1, &short, |h| {
            h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("10"));
        }))
        .await;
    assert!(r.status.is_client_error(), "{}", r.text());

    // Not bytes.
    let r = s
        .send(tail(&token, id, 1, &short, |h| {
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }))
        .await;
    r.api_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");

    // Part numbers run from 1 to 10000.
    for n in [0u32, 10_001] {
        let r = s.send(tail(&token, id, n, &short, |_| ())).await;
        r.field_error("part");
    }
    assert!(
        s.list(&token, id).await.is_empty(),
        "nothing refused was stored"
    );
}

#[tokio::test]
async fn only_the_link_that_owns_the_upload_may_send_its_tail() {
    let s = Server::start().await;
    let owner = s.token("conv-tail-owner").await;
    let other = s.token("conv-tail-other").await;
    let up = s.create_upload(&owner).await;
    let short = recording(100);

    let r = s.send(tail(&other, &up.upload_id, 1, &short, |_| ())).await;
    r.api_error(StatusCode::FORBIDDEN, "forbidden");
    let r = s
        .send(tail("not-a-token", &up.upload_id, 1, &short, |_| ()))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text());
    let r = s
        .send(tail(API_KEY, &up.upload_id, 1, &short, |_| ()))
        .await;
    assert!(
        matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
        "the integration's API key does not record: {}",
        r.text()
    );
    assert!(s.list(&owner, &up.upload_id).await.is_empty());

    // After complete, the upload takes no more parts.
    let r = s.send(tail(&owner, &up.upload_id, 1, &short, |_| ())).await;
    r.expect_status(StatusCode::OK);
    let etag: UploadedPart = r.json();
    let r = s
        .complete(&owner, &up.upload_id, &[(1, &etag.etag)], Some(100))
        .await;
    s.expect_video(&r, &short);
    let r = s.send(tail(&owner, &up.upload_id, 1, &short, |_| ())).await;
    r.api_error(StatusCode::CONFLICT, "conflict");
}
