//! The upload flow end to end, in process, through the local storage backend.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;
use vidreply_core::protocol::{CaptureLink, Video};

#[tokio::test]
async fn capture_link_carries_a_token_for_the_conversation() {
    let s = Server::start().await;
    let before = now();
    let r = s
        .post(
            "/api/v1/capture-links",
            Some(API_KEY),
            json!({ "conversationId": "conv-1", "customerId": "cust-9", "expiresInSeconds": 600 }),
        )
        .await;
    r.expect_status(StatusCode::CREATED);
    let link: CaptureLink = r.json();
    assert!(!link.token.is_empty());
    assert!(
        link.url.starts_with(&format!("{PUBLIC_URL}record?")),
        "{}",
        link.url
    );
    assert_eq!(query_param(&link.url, "token"), link.token);
    assert_eq!(query_param(&link.url, "conversationId"), "conv-1");
    assert_eq!(query_param(&link.url, "customerId"), "cust-9");
    assert_eq!(link.conversation_id, "conv-1");
    assert_eq!(link.customer_id.as_deref(), Some("cust-9"));
    assert!((before + 600..=now() + 600).contains(&link.expires_at));
    // The token it carries opens an upload.
    s.create_upload(&link.token).await;
}

#[tokio::test]
async fn happy_path_assembles_the_exact_bytes() {
    let s = Server::start().await;
    let token = s.token("conv-happy").await;

    let r = s
        .post("/api/v1/uploads", Some(&token), json!({ "mimeType": WEBM }))
        .await;
    r.expect_status(StatusCode::CREATED);
    let session: vidreply_core::protocol::UploadSession = r.json();
    assert!(!session.upload_id.is_empty());
    assert_eq!(session.part_size, PART_SIZE as u64);

    let bytes = recording(PART_SIZE + 500);
    let parts = chunks(&bytes);
    assert_eq!(parts[0].len(), PART_SIZE);
    assert_eq!(parts[0][..4], WEBM_MAGIC);
    assert_eq!(parts[1].len(), 500);

    let signed = s.sign(&token, &session.upload_id, &[1, 2]).await;
    assert_eq!(
        signed.iter().map(|p| p.part_number).collect::<Vec<_>>(),
        [1, 2]
    );
    let sid = storage_id(&signed[0].url);
    assert_eq!(storage_id(&signed[1].url), sid);
    assert!(s.multipart_dir(&sid).is_dir());
    for p in &signed {
        assert!(p.expires_at_ms > now() * 1000);
        assert!(
            p.url.starts_with(&format!(
                "{PUBLIC_URL}storage/parts/{sid}/{}?",
                p.part_number
            )),
            "{}",
            p.url
        );
    }

    let mut etags = Vec::new();
    for (p, chunk) in signed.iter().zip(&parts) {
        etags.push(s.put_ok(&p.url, chunk.clone()).await);
    }
    assert_ne!(etags[0], etags[1]);

    let listed = s.list(&token, &session.upload_id).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    for (i, p) in listed.iter().enumerate() {
        assert_eq!(p.part_number, i as u32 + 1);
        assert_eq!(p.etag, etags[i]);
        assert_eq!(p.size, parts[i].len() as u64);
    }

    let done = [(1, etags[0].as_str()), (2, etags[1].as_str())];
    let r = s
        .complete(&token, &session.upload_id, &done, Some(bytes.len() as u64))
        .await;
    r.expect_status(StatusCode::OK);
    let video: Video = r.json();
    assert_eq!(video.video_id.len(), 32);
    assert_eq!(video.media_url, format!("{PUBLIC_URL}v/{}", video.video_id));
    assert!(!video.media_url.contains("/storage"), "{}", video.media_url);
    assert_eq!(video.size, bytes.len() as u64);
    assert_eq!(video.mime_type, WEBM);

    let stored = std::fs::read(s.object_path(&video.video_id)).expect("assembled file");
    assert_eq!(sha256(&stored), sha256(&bytes));
    assert_eq!(stored, bytes);
    assert!(
        !s.multipart_dir(&sid).exists(),
        "parts are cleaned up after assembly"
    );

    // Completing again answers with the same video.
    let again = s
        .complete(&token, &session.upload_id, &done, Some(bytes.len() as u64))
        .await;
    again.expect_status(StatusCode::OK);
    assert_eq!(again.json::<Video>(), video);
    // A finished upload takes no more parts and cannot be aborted.
    let r = s
        .post(
            &format!("/api/v1/uploads/{}/sign", session.upload_id),
            Some(&token),
            json!({ "partNumbers": [3] }),
        )
        .await;
    r.api_error(StatusCode::CONFLICT, "conflict");
    let r = s
        .delete(
            &format!("/api/v1/uploads/{}", session.upload_id),
            Some(&token),
        )
        .await;
    r.api_error(StatusCode::CONFLICT, "conflict");
    assert!(s.object_path(&video.video_id).is_file());
}

#[tokio::test]
async fn share_link_resolves_to_the_stored_bytes() {
    let s = Server::start().await;
    let token = s.token("conv-watch").await;
    let up = s.create_upload(&token).await;
    let bytes = recording(700);
    let etag = s.upload_part(&token, &up.upload_id, 1, bytes.clone()).await;
    let r = s.complete(&token, &up.upload_id, &[(1, &etag)], None).await;
    r.expect_status(StatusCode::OK);
    let video: Video = r.json();

    let page = s.get(&path_and_query(&video.media_url), None).await;
    page.expect_status(StatusCode::OK);
    assert!(
        page.text()
            .contains(&format!("href=\"/v/{}/media\"", video.video_id)),
        "the watch page offers the video through our link (its text fallback)"
    );

    // Until processing has checked the original, it is not served; then it is.
    let media = s.get(&format!("/v/{}/media", video.video_id), None).await;
    media.api_error(StatusCode::CONFLICT, "conflict");
    common::watch::vetted(&s, &video.video_id).await;
    let media = s.get(&format!("/v/{}/media", video.video_id), None).await;
    media.expect_status(StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(media.header("cache-control"), Some("no-store"));
    let location = media.header("location").expect("Location").to_string();
    assert!(
        location.starts_with(&format!(
            "{PUBLIC_URL}storage/objects/videos/{}/original.webm?",
            video.video_id
        )),
        "{location}"
    );
    let file = s.get(&path_and_query(&location), None).await;
    file.expect_status(StatusCode::OK);
    assert_eq!(file.body.as_ref(), bytes.as_slice());

    // The signed object URL is bound to its signature.
    let sig = query_param(&location, "signature");
    let forged = with_query(&location, "signature", &sig.replace(&sig[..1], "x"));
    let r = s.get(&path_and_query(&forged), None).await;
    r.storage_error(StatusCode::FORBIDDEN, "SignatureDoesNotMatch");

    // Unknown videos are a plain 404.
    let missing = "0".repeat(32);
    let r = s.get(&format!("/v/{missing}"), None).await;
    r.expect_status(StatusCode::NOT_FOUND);
    let r = s.get(&format!("/v/{missing}/media"), None).await;
    r.api_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn retried_part_replaces_the_earlier_one() {
    let s = Server::start().await;
    let token = s.token("conv-retry").await;
    let up = s.create_upload(&token).await;

    let first = recording(PART_SIZE);
    let mut second = recording(PART_SIZE);
    second[PART_SIZE - 1] ^= 0xFF;
    let signed = s.sign(&token, &up.upload_id, &[1]).await;
    let e1 = s.put_ok(&signed[0].url, first).await;
    // The same signed URL may be used again while it is valid.
    let e2 = s.put_ok(&signed[0].url, second.clone()).await;
    assert_ne!(e1, e2);

    let listed = s.list(&token, &up.upload_id).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].part_number, 1);
    assert_eq!(listed[0].etag, e2);
    assert_eq!(listed[0].size, PART_SIZE as u64);

    // The earlier ETag no longer completes the upload; the latest one does.
    let r = s.complete(&token, &up.upload_id, &[(1, &e1)], None).await;
    r.api_error(StatusCode::CONFLICT, "part_missing");
    let r = s.complete(&token, &up.upload_id, &[(1, &e2)], None).await;
    s.expect_video(&r, &second);
}

#[tokio::test]
async fn abort_removes_the_upload() {
    let s = Server::start().await;
    let token = s.token("conv-abort").await;
    let up = s.create_upload(&token).await;
    let signed = s.sign(&token, &up.upload_id, &[1, 2]).await;
    let sid = storage_id(&signed[0].url);
    s.put_ok(&signed[0].url, recording(PART_SIZE)).await;
    assert!(s.multipart_dir(&sid).is_dir());

    let uri = format!("/api/v1/uploads/{}", up.upload_id);
    let r = s.delete(&uri, Some(&token)).await;
    r.expect_status(StatusCode::NO_CONTENT);
    assert!(r.body.is_empty());
    assert!(!s.multipart_dir(&sid).exists(), "multipart folder is gone");

    let r = s
        .post(
            &format!("{uri}/sign"),
            Some(&token),
            json!({ "partNumbers": [1] }),
        )
        .await;
    r.api_error(StatusCode::NOT_FOUND, "not_found");
    s.get(&format!("{uri}/parts"), Some(&token))
        .await
        .api_error(StatusCode::NOT_FOUND, "not_found");
    s.complete(&token, &up.upload_id, &[(1, "\"x\"")], None)
        .await
        .api_error(StatusCode::NOT_FOUND, "not_found");
    // A part URL signed before the abort stores nothing.
    let r = s.put(&signed[1].url, recording(10)).await;
    r.storage_error(StatusCode::NOT_FOUND, "NoSuchUpload");
    assert!(!s.multipart_dir(&sid).exists());
    // Aborting again is harmless.
    s.delete(&uri, Some(&token))
        .await
        .expect_status(StatusCode::NO_CONTENT);
}
