//! Completing an upload under pressure: racing completes, and a wrong size.

mod common;

use std::path::Path;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use serde_json::json;
use vidreply_core::protocol::Video;

fn complete_request(
    token: &str,
    upload: &str,
    parts: &[(u32, String)],
    total: u64,
) -> Request<Body> {
    let parts: Vec<_> = parts
        .iter()
        .map(|(n, e)| json!({ "partNumber": n, "etag": e }))
        .collect();
    let body = json!({ "parts": parts, "totalBytes": total });
    Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/uploads/{upload}/complete"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request")
}

/// The entries of `<data>/storage/objects/videos/` (none if it does not exist).
fn video_dirs(data: &Path) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(data.join("storage/objects/videos")) else {
        return Vec::new();
    };
    let mut names: Vec<String> = rd
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// An upload with every part stored; returns (upload id, parts with ETags, bytes).
async fn uploaded(s: &Server, token: &str, len: usize) -> (String, Vec<(u32, String)>, Vec<u8>) {
    let up = s.create_upload(token).await;
    let bytes = recording(len);
    let mut parts = Vec::new();
    for (i, chunk) in chunks(&bytes).into_iter().enumerate() {
        let n = i as u32 + 1;
        parts.push((n, s.upload_part(token, &up.upload_id, n, chunk).await));
    }
    (up.upload_id, parts, bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_completes_make_exactly_one_video() {
    let (mut both_ok, mut one_conflict) = (0, 0);
    for round in 0..8 {
        let s = Server::start().await;
        let token = s.token("conv-race").await;
        let (id, parts, bytes) = uploaded(&s, &token, 2 * PART_SIZE + 300).await;
        let total = bytes.len() as u64;

        let a = tokio::spawn(call(
            s.app.clone(),
            complete_request(&token, &id, &parts, total),
        ));
        let b = tokio::spawn(call(
            s.app.clone(),
            complete_request(&token, &id, &parts, total),
        ));
        let (a, b) = tokio::join!(a, b);
        let (a, b) = (a.expect("task a"), b.expect("task b"));

        let video: Video = match (a.status, b.status) {
            (StatusCode::OK, StatusCode::OK) => {
                let (va, vb): (Video, Video) = (a.json(), b.json());
                assert_eq!(va, vb, "round {round}: both answers name the same video");
                both_ok += 1;
                va
            }
            (StatusCode::OK, _) => {
                b.api_error(StatusCode::CONFLICT, "conflict");
                one_conflict += 1;
                a.json()
            }
            (_, StatusCode::OK) => {
                a.api_error(StatusCode::CONFLICT, "conflict");
                one_conflict += 1;
                b.json()
            }
            _ => panic!(
                "round {round}: no complete succeeded: {} {} / {} {}",
                a.status,
                a.text(),
                b.status,
                b.text()
            ),
        };

        assert_eq!(
            video_dirs(s.data()),
            std::slice::from_ref(&video.video_id),
            "round {round}: exactly one video directory"
        );
        assert_eq!(video.size, total);
        let stored = std::fs::read(s.object_path(&video.video_id)).expect("stored video");
        assert_eq!(
            sha256(&stored),
            sha256(&bytes),
            "round {round}: stored bytes"
        );

        // Whoever lost the race gets the same video by asking again.
        let again = call(s.app.clone(), complete_request(&token, &id, &parts, total)).await;
        again.expect_status(StatusCode::OK);
        assert_eq!(
            again.json::<Video>(),
            video,
            "round {round}: repeat complete"
        );
        assert_eq!(video_dirs(s.data()).len(), 1);
    }
    eprintln!("racing completes: {both_ok} rounds both 200, {one_conflict} rounds 200 + 409");
}

#[tokio::test]
async fn wrong_total_bytes_is_a_size_mismatch_and_the_upload_stays_completable() {
    let s = Server::start().await;
    let token = s.token("conv-size").await;
    let (id, parts, bytes) = uploaded(&s, &token, 2 * PART_SIZE + 100).await;
    let total = bytes.len() as u64;
    let sid = storage_id(&s.sign(&token, &id, &[1]).await[0].url);

    for wrong in [total - 1, total + 1, total + PART_SIZE as u64] {
        let r = call(s.app.clone(), complete_request(&token, &id, &parts, wrong)).await;
        let e = r.api_error(StatusCode::CONFLICT, "size_mismatch");
        assert!(
            e.message.contains(&total.to_string()) && e.message.contains(&wrong.to_string()),
            "the message names both sizes: {}",
            e.message
        );
        // Nothing was assembled, and the parts are all still there.
        assert!(video_dirs(s.data()).is_empty(), "no video after a mismatch");
        assert!(s.multipart_dir(&sid).is_dir(), "parts are kept");
        let listed = s.list(&token, &id).await;
        assert_eq!(
            listed
                .iter()
                .map(|p| (p.part_number, p.etag.clone()))
                .collect::<Vec<_>>(),
            parts
        );
    }

    // The upload is still open: it takes a part again, and the right size completes it.
    let last = parts.len() as u32;
    let tail = chunks(&bytes).pop().unwrap();
    let etag = s.upload_part(&token, &id, last, tail).await;
    assert_eq!(etag, parts[last as usize - 1].1, "same bytes, same ETag");
    let r = call(s.app.clone(), complete_request(&token, &id, &parts, total)).await;
    r.expect_status(StatusCode::OK);
    let video: Video = r.json();
    assert_eq!(video.size, total);
    assert_eq!(video_dirs(s.data()), std::slice::from_ref(&video.video_id));
    let stored = std::fs::read(s.object_path(&video.video_id)).expect("stored video");
    assert_eq!(sha256(&stored), sha256(&bytes));
    assert!(
        !s.multipart_dir(&sid).exists(),
        "parts cleaned up after assembly"
    );
}

/// A part whose bytes do not match its Content-MD5 is refused and not stored, as S3 does.
#[tokio::test]
async fn part_with_wrong_content_md5_is_refused_and_not_stored() {
    use base64::Engine;
    use md5::Digest;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let s = Server::start().await;
    let token = s.token("conv-md5").await;
    let up = s.create_upload(&token).await;
    let url = s.sign(&token, &up.upload_id, &[1]).await.remove(0).url;
    let bytes = [&WEBM_MAGIC[..], b"part one"].concat();
    let put = |md5: String| {
        Request::builder()
            .method(Method::PUT)
            .uri(path_and_query(&url))
            .header("content-md5", md5)
            .body(Body::from(bytes.clone()))
            .expect("request")
    };
    let wrong = b64(&md5::Md5::digest(b"other bytes"));
    let r = s.send(put(wrong)).await;
    r.expect_status(StatusCode::BAD_REQUEST);
    assert!(r.text().contains("<Code>BadDigest</Code>"), "{}", r.text());
    assert!(
        s.list(&token, &up.upload_id).await.is_empty(),
        "a refused part is not stored"
    );
    let r = s.send(put("not base64!".into())).await;
    r.expect_status(StatusCode::BAD_REQUEST);
    assert!(r.text().contains("InvalidDigest"), "{}", r.text());
    let right = b64(&md5::Md5::digest(&bytes));
    s.send(put(right)).await.expect_status(StatusCode::OK);
    assert_eq!(s.list(&token, &up.upload_id).await.len(), 1);
}

/// Storage assembled the object but the server stopped before recording the video
/// (a crash, a cut-off request): completing again picks up from the object.
#[tokio::test]
async fn complete_recovers_when_storage_already_assembled_the_object() {
    let s = Server::start().await;
    let token = s.token("conv-recover").await;
    let up = s.create_upload(&token).await;
    let bytes = [&WEBM_MAGIC[..], b"the whole recording"].concat();
    let etag = s.upload_part(&token, &up.upload_id, 1, bytes.clone()).await;
    // The first attempt got as far as storage's complete, then died.
    let row = s.state.db.upload(&up.upload_id).await.unwrap().unwrap();
    let parts = [vidreply_core::protocol::CompletedPart {
        part_number: 1,
        etag: etag.clone(),
    }];
    s.state
        .store
        .complete(&row.object_key, &row.storage_upload_id, &parts)
        .await
        .unwrap();
    let r = s
        .complete(
            &token,
            &up.upload_id,
            &[(1, &etag)],
            Some(bytes.len() as u64),
        )
        .await;
    r.expect_status(StatusCode::OK);
    let video: Video = serde_json::from_slice(&r.body).unwrap();
    let stored = std::fs::read(s.dir.path().join("storage/objects").join(&row.object_key)).unwrap();
    assert_eq!(stored, bytes);
    assert_eq!(video.size, bytes.len() as u64);
    // Without the total it cannot be finished safely, and says which field is needed.
    let other = s.create_upload(&token).await;
    let e2 = s
        .upload_part(&token, &other.upload_id, 1, bytes.clone())
        .await;
    let row2 = s.state.db.upload(&other.upload_id).await.unwrap().unwrap();
    let parts2 = [vidreply_core::protocol::CompletedPart {
        part_number: 1,
        etag: e2.clone(),
    }];
    s.state
        .store
        .complete(&row2.object_key, &row2.storage_upload_id, &parts2)
        .await
        .unwrap();
    let r = s
        .complete(&token, &other.upload_id, &[(1, &e2)], None)
        .await;
    r.expect_status(StatusCode::BAD_REQUEST);
    assert!(r.text().contains("totalBytes"), "{}", r.text());
}
