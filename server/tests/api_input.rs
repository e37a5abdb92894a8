//! Bad input gets a 4xx naming what is wrong, and never costs the caller an upload.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use serde_json::json;

const LINKS: &str = "/api/v1/capture-links";

#[tokio::test]
async fn capture_link_body_errors_name_the_field() {
    let s = Server::start().await;
    let key = Some(API_KEY);

    let r = s
        .raw(Method::POST, LINKS, key, "{\"conversationId\":")
        .await;
    r.api_error(StatusCode::BAD_REQUEST, "bad_request");
    let r = s.raw(Method::POST, LINKS, key, "not json").await;
    r.api_error(StatusCode::BAD_REQUEST, "bad_request");

    s.post(LINKS, key, json!({ "conversationId": 5 }))
        .await
        .field_error("conversationId");
    s.post(LINKS, key, json!({}))
        .await
        .field_error("conversationId");
    s.post(LINKS, key, json!({ "conversationId": "  " }))
        .await
        .field_error("conversationId");
    s.post(
        LINKS,
        key,
        json!({ "conversationId": "c", "customerId": 7 }),
    )
    .await
    .field_error("customerId");
    s.post(
        LINKS,
        key,
        json!({ "conversationId": "c", "expiresInSeconds": "60" }),
    )
    .await
    .field_error("expiresInSeconds");

    let max = 30 * 86400;
    for bad in [0, 59, max + 1] {
        let body = json!({ "conversationId": "c", "expiresInSeconds": bad });
        s.post(LINKS, key, body)
            .await
            .field_error("expiresInSeconds");
    }
    for good in [60, max] {
        let body = json!({ "conversationId": "c", "expiresInSeconds": good });
        s.post(LINKS, key, body)
            .await
            .expect_status(StatusCode::CREATED);
    }

    // JSON must be declared as JSON.
    let req = Request::builder()
        .method(Method::POST)
        .uri(LINKS)
        .header(header::AUTHORIZATION, format!("Bearer {API_KEY}"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(json!({ "conversationId": "c" }).to_string()))
        .unwrap();
    s.send(req)
        .await
        .api_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");

    // Oversized JSON bodies are refused before parsing.
    let huge = json!({ "conversationId": "x".repeat(100 * 1024) });
    s.post(LINKS, key, huge)
        .await
        .api_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
}

#[tokio::test]
async fn request_id_is_echoed_and_unknown_routes_are_enveloped() {
    let s = Server::start().await;
    let req = Request::builder()
        .method(Method::POST)
        .uri(LINKS)
        .header("x-request-id", "trace-123")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let e = s
        .send(req)
        .await
        .api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(e.request_id, "trace-123");

    s.get("/api/v1/nope", None)
        .await
        .api_error(StatusCode::NOT_FOUND, "not_found");
    s.get(LINKS, Some(API_KEY))
        .await
        .api_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

#[tokio::test]
async fn upload_and_sign_errors_name_the_field() {
    let s = Server::start().await;
    let token = s.token("conv-1").await;
    let t = Some(token.as_str());

    for mime in ["text/plain", "audio/webm", "application/octet-stream", ""] {
        s.post("/api/v1/uploads", t, json!({ "mimeType": mime }))
            .await
            .field_error("mimeType");
    }
    s.post("/api/v1/uploads", t, json!({}))
        .await
        .field_error("mimeType");
    s.post("/api/v1/uploads", t, json!({ "mimeType": 1 }))
        .await
        .field_error("mimeType");
    s.raw(Method::POST, "/api/v1/uploads", t, "{")
        .await
        .api_error(StatusCode::BAD_REQUEST, "bad_request");

    let up = s.create_upload(&token).await;
    let sign = format!("/api/v1/uploads/{}/sign", up.upload_id);
    for bad in [0, 10_001] {
        s.post(&sign, t, json!({ "partNumbers": [bad] }))
            .await
            .field_error("partNumbers[0]");
    }
    s.post(&sign, t, json!({ "partNumbers": [1, 10_001] }))
        .await
        .field_error("partNumbers[1]");
    s.post(&sign, t, json!({ "partNumbers": [-1] }))
        .await
        .field_error("partNumbers[0]");
    s.post(&sign, t, json!({ "partNumbers": [] }))
        .await
        .field_error("partNumbers");
    s.post(&sign, t, json!({ "partNumbers": "1" }))
        .await
        .field_error("partNumbers");
    s.post(&sign, t, json!({})).await.field_error("partNumbers");
    // The bounds themselves are fine.
    assert_eq!(s.sign(&token, &up.upload_id, &[1, 10_000]).await.len(), 2);
}

#[tokio::test]
async fn complete_with_a_missing_part_stays_resumable() {
    let s = Server::start().await;
    let token = s.token("conv-1").await;
    let up = s.create_upload(&token).await;
    let bytes = recording(2 * PART_SIZE + 10);
    let parts = chunks(&bytes);
    let e1 = s
        .upload_part(&token, &up.upload_id, 1, parts[0].clone())
        .await;
    let e3 = s
        .upload_part(&token, &up.upload_id, 3, parts[2].clone())
        .await;
    let guess = md5_etag(&parts[1]);
    let total = Some(bytes.len() as u64);

    let r = s
        .complete(
            &token,
            &up.upload_id,
            &[(1, &e1), (2, &guess), (3, &e3)],
            total,
        )
        .await;
    let e = r.api_error(StatusCode::CONFLICT, "part_missing");
    assert!(e.message.contains("Part 2"), "{}", e.message);

    // Still open: the parts are listed, and the missing one can be sent now.
    let listed = s.list(&token, &up.upload_id).await;
    assert_eq!(
        listed.iter().map(|p| p.part_number).collect::<Vec<_>>(),
        [1, 3]
    );
    let e2 = s
        .upload_part(&token, &up.upload_id, 2, parts[1].clone())
        .await;
    assert_eq!(e2, guess);
    let r = s
        .complete(
            &token,
            &up.upload_id,
            &[(1, &e1), (2, &e2), (3, &e3)],
            total,
        )
        .await;
    s.expect_video(&r, &bytes);
}

#[tokio::test]
async fn complete_checks_etags_sizes_and_numbering() {
    let s = Server::start().await;
    let token = s.token("conv-1").await;
    let up = s.create_upload(&token).await;
    let id = up.upload_id.as_str();
    let bytes = recording(PART_SIZE + 100);
    let parts = chunks(&bytes);
    let e1 = s.upload_part(&token, id, 1, parts[0].clone()).await;
    let e2 = s.upload_part(&token, id, 2, parts[1].clone()).await;
    let total = Some(bytes.len() as u64);

    let wrong = md5_etag(b"something else");
    let r = s
        .complete(&token, id, &[(1, &e1), (2, &wrong)], total)
        .await;
    let e = r.api_error(StatusCode::CONFLICT, "part_missing");
    assert!(e.message.contains("ETag"), "{}", e.message);

    let r = s.complete(&token, id, &[(1, &e1), (2, &e2)], Some(5)).await;
    r.api_error(StatusCode::CONFLICT, "size_mismatch");

    s.complete(&token, id, &[(2, &e2), (1, &e1)], total)
        .await
        .field_error("parts[0].partNumber");
    s.complete(&token, id, &[], total)
        .await
        .field_error("parts");
    s.complete(&token, id, &[(1, &e1), (2, "")], total)
        .await
        .field_error("parts[1].etag");
    s.post(
        &format!("/api/v1/uploads/{id}/complete"),
        Some(&token),
        json!({ "parts": [{ "partNumber": 1 }] }),
    )
    .await
    .field_error("parts[0].etag");
    s.post(
        &format!("/api/v1/uploads/{id}/complete"),
        Some(&token),
        json!({ "parts": [{ "partNumber": "one", "etag": e1 }] }),
    )
    .await
    .field_error("parts[0].partNumber");

    // A short part that is not the last one.
    let e2_short = s.upload_part(&token, id, 2, parts[1].clone()).await;
    let e3 = s.upload_part(&token, id, 3, vec![1, 2, 3]).await;
    let r = s
        .complete(&token, id, &[(1, &e1), (2, &e2_short), (3, &e3)], None)
        .await;
    r.api_error(StatusCode::CONFLICT, "size_mismatch");

    // None of that ended the upload: the right request completes it.
    let r = s.complete(&token, id, &[(1, &e1), (2, &e2)], total).await;
    s.expect_video(&r, &bytes);
}

#[tokio::test]
async fn oversized_part_is_refused_and_not_stored() {
    let s = Server::start().await;
    let token = s.token("conv-1").await;
    let up = s.create_upload(&token).await;
    let signed = s.sign(&token, &up.upload_id, &[1]).await;
    let r = s.put(&signed[0].url, recording(PART_SIZE + 1)).await;
    r.storage_error(StatusCode::PAYLOAD_TOO_LARGE, "EntityTooLarge");
    assert!(s.list(&token, &up.upload_id).await.is_empty());
    let sid = storage_id(&signed[0].url);
    let leftovers: Vec<_> = std::fs::read_dir(s.multipart_dir(&sid))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "key")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[tokio::test]
async fn text_declared_as_webm_is_not_a_video() {
    let s = Server::start().await;
    let token = s.token("conv-1").await;
    let up = s.create_upload(&token).await;
    let text = b"This is a plain text file, not a recording.\n".to_vec();
    let signed = s.sign(&token, &up.upload_id, &[1]).await;
    let etag = s.put_ok(&signed[0].url, text).await;

    let r = s.complete(&token, &up.upload_id, &[(1, &etag)], None).await;
    r.api_error(StatusCode::UNPROCESSABLE_ENTITY, "not_a_video");

    // Nothing is kept, and the upload is over.
    let videos = s.data().join("storage/objects/videos");
    let kept: Vec<_> = std::fs::read_dir(&videos)
        .map(|rd| {
            rd.flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
                .collect()
        })
        .unwrap_or_default();
    assert!(kept.is_empty(), "{kept:?}");
    assert!(!s.multipart_dir(&storage_id(&signed[0].url)).exists());
    s.post(
        &format!("/api/v1/uploads/{}/sign", up.upload_id),
        Some(&token),
        json!({ "partNumbers": [1] }),
    )
    .await
    .api_error(StatusCode::NOT_FOUND, "not_found");
    s.complete(&token, &up.upload_id, &[(1, &etag)], None)
        .await
        .api_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn ids_made_only_of_invisible_characters_are_refused() {
    let s = Server::start().await;
    for id in ["\u{FEFF}", "\u{200B}\u{200B}", " \u{2060} "] {
        let r = s
            .post(
                "/api/v1/capture-links",
                Some(API_KEY),
                serde_json::json!({ "conversationId": id }),
            )
            .await;
        r.field_error("conversationId");
    }
}
