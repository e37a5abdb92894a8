//! A capture link cannot fill storage or touch what is not its own: a quota of
//! open uploads and of bytes per link, each upload sized and owned by the link
//! that started it, posters only while an upload is open, and nothing left in
//! storage by a cancelled or abandoned upload.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use serde_json::json;
use vidreply_server::clock::unix_now;
use vidreply_server::retention;

/// A JPEG's first bytes are all the poster route checks.
fn jpeg() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xE0];
    j.extend(std::iter::repeat_n(7u8, 200));
    j
}

async fn put_poster(s: &Server, token: &str, upload: &str) -> Resp {
    let req = Request::builder()
        .method(Method::PUT)
        .uri(format!("/api/v1/uploads/{upload}/poster"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "image/jpeg")
        .body(Body::from(jpeg()))
        .unwrap();
    s.send(req).await
}

async fn create(s: &Server, token: &str, total: Option<u64>) -> Resp {
    let mut body = json!({ "mimeType": WEBM });
    if let Some(t) = total {
        body["totalBytes"] = json!(t);
    }
    s.post("/api/v1/uploads", Some(token), body).await
}

/// Everything stored under the upload's video prefix.
fn stored_under(s: &Server, video_id: &str) -> Vec<String> {
    common::video::files_under(&s.data().join("storage/objects/videos").join(video_id))
}

async fn video_id(s: &Server, upload: &str) -> String {
    s.state.db.upload(upload).await.unwrap().unwrap().video_id
}

#[tokio::test]
async fn a_link_may_have_only_so_many_uploads_open_and_finishing_one_is_never_blocked() {
    let s = Server::start_with(&["--token-max-open-uploads", "2"]).await;
    let token = s.token("conv-open-quota").await;
    let a = s.create_upload(&token).await;
    let b = s.create_upload(&token).await;
    let body = create(&s, &token, None)
        .await
        .api_error(StatusCode::TOO_MANY_REQUESTS, "quota_exceeded");
    assert!(
        body.message.contains("VIDREPLY_TOKEN_MAX_OPEN_UPLOADS") && body.message.contains('2'),
        "{}",
        body.message
    );
    // At its quota, the link still finishes what it opened.
    let bytes = recording(PART_SIZE + 10);
    let r = s
        .upload_and_complete(&token, &a.upload_id, &chunks(&bytes))
        .await;
    s.expect_video(&r, &bytes);
    // A finished upload is no longer open, and neither is a cancelled one.
    let c = s.create_upload(&token).await;
    s.delete(&format!("/api/v1/uploads/{}", b.upload_id), Some(&token))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    s.create_upload(&token).await;
    create(&s, &token, None)
        .await
        .api_error(StatusCode::TOO_MANY_REQUESTS, "quota_exceeded");
    // Another link of the same conversation has a quota of its own.
    let other = s.token("conv-open-quota").await;
    s.create_upload(&other).await;
    assert_ne!(c.upload_id, a.upload_id);
}

#[tokio::test]
async fn a_link_may_store_only_so_many_bytes_and_each_upload_only_what_it_may_hold() {
    // Uploads of at most 4 parts; 10 KiB per link.
    let s = Server::start_with(&[
        "--max-upload-bytes",
        "4096",
        "--token-max-bytes",
        "10240",
        "--token-max-open-uploads",
        "10",
    ])
    .await;
    let token = s.token("conv-byte-quota").await;
    // A recording declares no size: it may hold the largest upload, 4096 bytes.
    let first = s.create_upload(&token).await;
    let second = s.create_upload(&token).await;
    let body = create(&s, &token, None)
        .await
        .api_error(StatusCode::TOO_MANY_REQUESTS, "quota_exceeded");
    assert!(
        body.message.contains("VIDREPLY_TOKEN_MAX_BYTES")
            && body.message.contains("8192")
            && body.message.contains("10240"),
        "{}",
        body.message
    );
    // A declared size counts as itself: 8192 + 2048 fits, one byte more does not.
    create(&s, &token, Some(2049))
        .await
        .api_error(StatusCode::TOO_MANY_REQUESTS, "quota_exceeded");
    let declared: vidreply_core::protocol::UploadSession =
        create(&s, &token, Some(2000)).await.json();

    // An undeclared upload is signed no part past 4096 bytes...
    let sign = |up: &str, body: serde_json::Value| {
        let (s, token, up) = (&s, &token, up.to_string());
        async move {
            s.post(&format!("/api/v1/uploads/{up}/sign"), Some(token), body)
                .await
        }
    };
    let r = sign(&first.upload_id, json!({ "partNumbers": [5] })).await;
    let e = r.api_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    assert!(
        e.message.contains("VIDREPLY_MAX_UPLOAD_BYTES"),
        "{}",
        e.message
    );
    // ...and a declared one none past its totalBytes: its second part is signed for
    // the 976 bytes left, and its URL takes no more.
    let r = sign(&declared.upload_id, json!({ "partNumbers": [3] })).await;
    let e = r.api_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    assert!(e.message.contains("totalBytes"), "{}", e.message);
    let r = sign(
        &declared.upload_id,
        json!({ "partNumbers": [2], "partSizes": [977] }),
    )
    .await;
    r.api_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    let url = s.sign(&token, &declared.upload_id, &[2]).await[0]
        .url
        .clone();
    s.put(&url, vec![1u8; 977])
        .await
        .storage_error(StatusCode::PAYLOAD_TOO_LARGE, "EntityTooLarge");
    let bytes = recording(2000);
    let r = s
        .upload_and_complete(&token, &declared.upload_id, &chunks(&bytes))
        .await;
    s.expect_video(&r, &bytes);
    // Completed, it counts what it really holds (2000, as declared); cancelling the
    // first recording frees its 4096.
    s.delete(
        &format!("/api/v1/uploads/{}", first.upload_id),
        Some(&token),
    )
    .await
    .expect_status(StatusCode::NO_CONTENT);
    // Held or reserved now: 4096 (second) + 2000 + 4096 = 10192 of 10240.
    s.create_upload(&token).await;
    create(&s, &token, Some(49))
        .await
        .api_error(StatusCode::TOO_MANY_REQUESTS, "quota_exceeded");
    create(&s, &token, Some(48))
        .await
        .expect_status(StatusCode::CREATED);

    // Part sizes are checked by name.
    let r = sign(
        &second.upload_id,
        json!({ "partNumbers": [1, 2], "partSizes": [5] }),
    )
    .await;
    r.field_error("partSizes");
    let r = sign(
        &second.upload_id,
        json!({ "partNumbers": [1], "partSizes": [1025] }),
    )
    .await;
    r.field_error("partSizes[0]");
}

#[tokio::test]
async fn an_upload_answers_only_the_link_that_started_it() {
    let s = Server::start().await;
    let owner = s.token("conv-owned").await;
    // Another link to the same conversation: a forwarded SMS, or a new link.
    let other = s.token("conv-owned").await;
    let up = s.create_upload(&owner).await;
    let id = &up.upload_id;
    let etag = s.upload_part(&owner, id, 1, recording(100)).await;
    let calls = [
        s.post(
            &format!("/api/v1/uploads/{id}/sign"),
            Some(&other),
            json!({ "partNumbers": [1] }),
        )
        .await,
        s.get(&format!("/api/v1/uploads/{id}/parts"), Some(&other))
            .await,
        s.complete(&other, id, &[(1, &etag)], None).await,
        put_poster(&s, &other, id).await,
        s.delete(&format!("/api/v1/uploads/{id}"), Some(&other))
            .await,
    ];
    for r in calls {
        let e = r.api_error(StatusCode::FORBIDDEN, "forbidden");
        assert!(e.message.contains("another link"), "{}", e.message);
    }
    // Nothing happened to it: its owner completes it.
    let r = s.complete(&owner, id, &[(1, &etag)], None).await;
    s.expect_video(&r, &recording(100));
}

#[tokio::test]
async fn a_poster_is_taken_only_while_the_upload_is_open() {
    let s = Server::start().await;
    let token = s.token("conv-poster-open").await;
    let up = s.create_upload(&token).await;
    put_poster(&s, &token, &up.upload_id)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let bytes = recording(300);
    let r = s
        .upload_and_complete(&token, &up.upload_id, &chunks(&bytes))
        .await;
    let v = s.expect_video(&r, &bytes);
    let poster = s
        .data()
        .join("storage/objects/videos")
        .join(&v.video_id)
        .join("poster.jpg");
    let before = std::fs::read(&poster).unwrap();
    // The finished video's poster is not replaced, by its own link or any other.
    let e = put_poster(&s, &token, &up.upload_id)
        .await
        .api_error(StatusCode::CONFLICT, "conflict");
    assert!(e.message.contains("open"), "{}", e.message);
    assert_eq!(std::fs::read(&poster).unwrap(), before);
    // A cancelled upload takes none either.
    let gone = s.create_upload(&token).await;
    s.delete(&format!("/api/v1/uploads/{}", gone.upload_id), Some(&token))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    put_poster(&s, &token, &gone.upload_id)
        .await
        .api_error(StatusCode::NOT_FOUND, "not_found");
    assert!(stored_under(&s, &video_id(&s, &gone.upload_id).await).is_empty());
}

#[tokio::test]
async fn cancelling_and_the_stale_upload_sweep_leave_nothing_in_storage() {
    let s = Server::start_with(&["--abandoned-upload-hours", "24"]).await;
    let token = s.token("conv-leftovers").await;
    let mut uploads = Vec::new();
    for _ in 0..2 {
        let up = s.create_upload(&token).await;
        s.upload_part(&token, &up.upload_id, 1, recording(PART_SIZE))
            .await;
        put_poster(&s, &token, &up.upload_id)
            .await
            .expect_status(StatusCode::NO_CONTENT);
        let vid = video_id(&s, &up.upload_id).await;
        assert_eq!(stored_under(&s, &vid), vec!["poster.jpg".to_string()]);
        uploads.push((up.upload_id, vid));
    }
    let (cancelled, cancelled_video) = &uploads[0];
    s.delete(&format!("/api/v1/uploads/{cancelled}"), Some(&token))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    assert!(
        stored_under(&s, cancelled_video).is_empty(),
        "a cancelled upload's poster is deleted"
    );
    let (abandoned, abandoned_video) = &uploads[1];
    let row = s.state.db.upload(abandoned).await.unwrap().unwrap();
    let r = retention::purge(&s.state.retention, unix_now() as i64 + 2 * 86400)
        .await
        .unwrap();
    assert_eq!(r.uploads_aborted, 1);
    assert!(
        stored_under(&s, abandoned_video).is_empty(),
        "the sweep deletes an abandoned upload's poster"
    );
    assert!(!s.multipart_dir(&row.storage_upload_id).exists());
}
