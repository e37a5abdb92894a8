//! Who may do what: API keys, capture tokens, conversations, signed part URLs.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use serde_json::json;

#[tokio::test]
async fn capture_links_need_the_api_key() {
    let s = Server::start().await;
    let body = json!({ "conversationId": "conv-1" });
    let r = s.post("/api/v1/capture-links", None, body.clone()).await;
    r.api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let r = s
        .post("/api/v1/capture-links", Some("not-the-key"), body.clone())
        .await;
    r.api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    // A capture token is not an API key.
    let token = s.token("conv-1").await;
    let r = s
        .post("/api/v1/capture-links", Some(&token), body.clone())
        .await;
    r.api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    // Not a bearer credential at all.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/capture-links")
        .header(header::AUTHORIZATION, format!("Basic {API_KEY}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    s.send(req)
        .await
        .api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    // The auth scheme is case-insensitive (RFC 9110 §11.1).
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/capture-links")
        .header(header::AUTHORIZATION, format!("bearer {API_KEY}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    s.send(req).await.expect_status(StatusCode::CREATED);
}

#[tokio::test]
async fn uploads_need_a_valid_capture_token() {
    let s = Server::start().await;
    let body = json!({ "mimeType": WEBM });
    let uri = "/api/v1/uploads";

    let r = s.post(uri, None, body.clone()).await;
    let e = r.api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    assert!(e.message.contains("Authorization"), "{}", e.message);

    let garbled = s.post(uri, Some("not.a.token"), body.clone()).await;
    garbled.api_error(StatusCode::UNAUTHORIZED, "unauthenticated");

    let other_secret = forge_token("another-secret-another-secret-xx", "conv-1", now() + 600);
    let r = s.post(uri, Some(&other_secret), body.clone()).await;
    r.api_error(StatusCode::UNAUTHORIZED, "unauthenticated");

    // A real token with its signature altered.
    let good = s.token("conv-1").await;
    let (head, sig) = good.rsplit_once('.').unwrap();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    let tampered = format!("{head}.{flipped}{}", &sig[1..]);
    let r = s.post(uri, Some(&tampered), body.clone()).await;
    r.api_error(StatusCode::UNAUTHORIZED, "unauthenticated");

    // The API key is not a capture token.
    let r = s.post(uri, Some(API_KEY), body.clone()).await;
    r.api_error(StatusCode::UNAUTHORIZED, "unauthenticated");

    // Signed with our secret, but expired.
    let expired = forge_token(SECRET, "conv-1", now() - 60);
    let r = s.post(uri, Some(&expired), body.clone()).await;
    let e = r.api_error(StatusCode::UNAUTHORIZED, "token_expired");
    assert_ne!(
        e.request_id,
        garbled
            .api_error(StatusCode::UNAUTHORIZED, "unauthenticated")
            .request_id
    );

    // The same claims, still valid, are accepted: the refusals above are about the token.
    let fresh = forge_token(SECRET, "conv-1", now() + 600);
    s.post(uri, Some(&fresh), body)
        .await
        .expect_status(StatusCode::CREATED);
}

#[tokio::test]
async fn expired_token_cannot_continue_an_upload() {
    let s = Server::start().await;
    let token = s.token("conv-1").await;
    let up = s.create_upload(&token).await;
    let expired = forge_token(SECRET, "conv-1", now() - 1);
    let base = format!("/api/v1/uploads/{}", up.upload_id);
    s.post(
        &format!("{base}/sign"),
        Some(&expired),
        json!({ "partNumbers": [1] }),
    )
    .await
    .api_error(StatusCode::UNAUTHORIZED, "token_expired");
    s.get(&format!("{base}/parts"), Some(&expired))
        .await
        .api_error(StatusCode::UNAUTHORIZED, "token_expired");
    s.delete(&base, Some(&expired))
        .await
        .api_error(StatusCode::UNAUTHORIZED, "token_expired");
    // Nothing was aborted.
    assert!(s.list(&token, &up.upload_id).await.is_empty());
}

#[tokio::test]
async fn token_of_another_conversation_is_forbidden() {
    let s = Server::start().await;
    let a = s.token("conv-a").await;
    let b = s.token("conv-b").await;
    let up = s.create_upload(&b).await;
    let etag = s
        .upload_part(&b, &up.upload_id, 1, recording(PART_SIZE))
        .await;
    let base = format!("/api/v1/uploads/{}", up.upload_id);

    s.post(
        &format!("{base}/sign"),
        Some(&a),
        json!({ "partNumbers": [1] }),
    )
    .await
    .api_error(StatusCode::FORBIDDEN, "forbidden");
    s.get(&format!("{base}/parts"), Some(&a))
        .await
        .api_error(StatusCode::FORBIDDEN, "forbidden");
    s.complete(&a, &up.upload_id, &[(1, &etag)], None)
        .await
        .api_error(StatusCode::FORBIDDEN, "forbidden");
    s.delete(&base, Some(&a))
        .await
        .api_error(StatusCode::FORBIDDEN, "forbidden");

    // The owner's upload is untouched and still completes.
    assert_eq!(s.list(&b, &up.upload_id).await.len(), 1);
    s.complete(&b, &up.upload_id, &[(1, &etag)], None)
        .await
        .expect_status(StatusCode::OK);

    // Unknown uploads are 404 for anyone.
    s.get("/api/v1/uploads/no-such-upload/parts", Some(&a))
        .await
        .api_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn part_urls_are_bound_to_their_signature() {
    let s = Server::start().await;
    let token = s.token("conv-1").await;
    let up = s.create_upload(&token).await;
    let signed = s.sign(&token, &up.upload_id, &[1]).await;
    let url = &signed[0].url;
    let part = recording(PART_SIZE);

    let sig = query_param(url, "signature");
    let last = if sig.ends_with('0') { "1" } else { "0" };
    let bad_sig = with_query(
        url,
        "signature",
        &format!("{}{last}", &sig[..sig.len() - 1]),
    );
    s.put(&bad_sig, part.clone())
        .await
        .storage_error(StatusCode::FORBIDDEN, "SignatureDoesNotMatch");

    // Pushing the expiry out (or back) breaks the signature.
    let expires: u64 = query_param(url, "expires").parse().unwrap();
    for e in [expires + 1_000_000, expires.saturating_sub(1_000_000)] {
        let altered = with_query(url, "expires", &e.to_string());
        let r = s.put(&altered, part.clone()).await;
        r.storage_error(StatusCode::FORBIDDEN, "SignatureDoesNotMatch");
    }

    // A URL signed for part 1 does not upload part 2.
    let other_part = url.replacen(
        &format!("/{}/1?", storage_id(url)),
        &format!("/{}/2?", storage_id(url)),
        1,
    );
    assert_ne!(&other_part, url);
    s.put(&other_part, part.clone())
        .await
        .storage_error(StatusCode::FORBIDDEN, "SignatureDoesNotMatch");

    // Without a signature at all.
    let bare = format!("/storage/parts/{}/1", storage_id(url));
    let r = s
        .put(&format!("http://127.0.0.1:8080{bare}"), part.clone())
        .await;
    r.storage_error(StatusCode::FORBIDDEN, "AccessDenied");

    // None of the refused PUTs stored anything; the genuine URL works.
    assert!(s.list(&token, &up.upload_id).await.is_empty());
    s.put_ok(url, part).await;
    assert_eq!(s.list(&token, &up.upload_id).await.len(), 1);
}

#[tokio::test]
async fn a_revoked_capture_link_is_refused_even_mid_upload() {
    let s = Server::start().await;
    let link = s.link("conv-revoke").await;
    let other = s.link("conv-revoke").await;
    let up = s.create_upload(&link.token).await;
    // Only the API key may revoke, and only a plausible id.
    let r = s
        .delete(
            &format!("/api/v1/capture-links/{}", link.id),
            Some(&link.token),
        )
        .await;
    r.api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let r = s
        .delete(
            &format!("/api/v1/capture-links/{}", "x".repeat(65)),
            Some(API_KEY),
        )
        .await;
    r.field_error("id");
    let r = s
        .delete(&format!("/api/v1/capture-links/{}", link.id), Some(API_KEY))
        .await;
    r.expect_status(StatusCode::NO_CONTENT);
    // Revoking twice is fine.
    let r = s
        .delete(&format!("/api/v1/capture-links/{}", link.id), Some(API_KEY))
        .await;
    r.expect_status(StatusCode::NO_CONTENT);

    let r = s
        .post(
            "/api/v1/uploads",
            Some(&link.token),
            json!({ "mimeType": WEBM }),
        )
        .await;
    r.api_error(StatusCode::UNAUTHORIZED, "token_revoked");
    let r = s
        .post(
            &format!("/api/v1/uploads/{}/sign", up.upload_id),
            Some(&link.token),
            json!({ "partNumbers": [1] }),
        )
        .await;
    r.api_error(StatusCode::UNAUTHORIZED, "token_revoked");
    // Another link for the same conversation still works.
    s.create_upload(&other.token).await;
}

#[tokio::test]
async fn a_declared_size_over_the_limit_is_refused_on_create() {
    let s = Server::start_with(&["--max-upload-bytes", "1000000"]).await;
    let token = s.token("conv-size").await;
    let r = s
        .post(
            "/api/v1/uploads",
            Some(&token),
            json!({ "mimeType": WEBM, "totalBytes": 1_000_001 }),
        )
        .await;
    r.api_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    let r = s
        .post(
            "/api/v1/uploads",
            Some(&token),
            json!({ "mimeType": WEBM, "totalBytes": 0 }),
        )
        .await;
    r.field_error("totalBytes");
    let r = s
        .post(
            "/api/v1/uploads",
            Some(&token),
            json!({ "mimeType": WEBM, "totalBytes": 1_000_000 }),
        )
        .await;
    r.expect_status(StatusCode::CREATED);
}

#[tokio::test]
async fn video_status_is_visible_to_its_conversation_and_the_api_key_only() {
    let s = Server::start().await;
    let token = s.token("conv-status").await;
    let up = s.create_upload(&token).await;
    let bytes = recording(PART_SIZE + 10);
    let v = s.expect_video(
        &s.upload_and_complete(&token, &up.upload_id, &chunks(&bytes))
            .await,
        &bytes,
    );
    let path = format!("/api/v1/videos/{}", v.video_id);
    s.get(&path, Some(&token))
        .await
        .expect_status(StatusCode::OK);
    s.get(&path, Some(API_KEY))
        .await
        .expect_status(StatusCode::OK);
    let stranger = s.token("conv-other").await;
    s.get(&path, Some(&stranger))
        .await
        .api_error(StatusCode::FORBIDDEN, "forbidden");
    s.get(&path, None)
        .await
        .api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    s.get("/api/v1/videos/nope", Some(API_KEY))
        .await
        .api_error(StatusCode::NOT_FOUND, "not_found");
}
