//! The browser's poster: stored with the recording while its upload is open, kept
//! by processing; late or bad posters are refused with a clear error.

mod common;

use std::process::Command;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::video::{finish, recording, server, status};
use common::{API_KEY, Server};
use vidreply_server::jobs;

fn jpeg() -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i", "color=red:size=64x64"])
        .args(["-frames:v", "1", "-c:v", "mjpeg", "-f", "image2", "pipe:1"])
        .output()
        .expect("ffmpeg runs");
    assert!(out.status.success());
    out.stdout
}

async fn put_poster(
    s: &Server,
    token: &str,
    upload: &str,
    ct: &str,
    bytes: Vec<u8>,
) -> common::Resp {
    let req = Request::builder()
        .method(Method::PUT)
        .uri(format!("/api/v1/uploads/{upload}/poster"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(bytes))
        .unwrap();
    s.send(req).await
}

#[tokio::test]
async fn the_browsers_poster_is_kept_and_processing_makes_none() {
    let s = server(&[]).await;
    let token = s.token("conv-poster").await;
    let up = s.create_upload(&token).await;
    let poster = jpeg();
    put_poster(&s, &token, &up.upload_id, "image/jpeg", poster.clone())
        .await
        .expect_status(StatusCode::NO_CONTENT);
    // Finish that same upload with a real recording.
    let v = finish(&s, &token, &up, &recording()).await;
    assert!(jobs::run_one(&s.state.jobs).await.unwrap());
    assert_eq!(status(&s, &v.video_id).await.status, "ready");
    let stored = std::fs::read(
        s.data()
            .join("storage/objects/videos")
            .join(&v.video_id)
            .join("poster.jpg"),
    )
    .unwrap();
    assert_eq!(
        stored, poster,
        "the browser's poster, not one made by processing"
    );
}

#[tokio::test]
async fn a_poster_after_complete_is_refused_and_processing_makes_one() {
    let s = server(&[]).await;
    let token = s.token("conv-poster-late").await;
    let up = s.create_upload(&token).await;
    let v = finish(&s, &token, &up, &recording()).await;
    // Too late for the link that recorded it, and never for another link.
    put_poster(&s, &token, &up.upload_id, "image/jpeg", jpeg())
        .await
        .api_error(StatusCode::CONFLICT, "conflict");
    let other = s.token("conv-poster-late").await;
    put_poster(&s, &other, &up.upload_id, "image/jpeg", jpeg())
        .await
        .api_error(StatusCode::FORBIDDEN, "forbidden");
    assert!(jobs::run_one(&s.state.jobs).await.unwrap());
    let ready = s.state.db.video(&v.video_id).await.unwrap().unwrap();
    let key = ready.poster_key.expect("processing made a poster");
    let stored = std::fs::read(s.data().join("storage/objects").join(key)).unwrap();
    assert_ne!(stored, jpeg(), "the refused poster did not land");
    assert!(stored.starts_with(&[0xFF, 0xD8, 0xFF]), "a JPEG");
}

#[tokio::test]
async fn bad_posters_are_refused_with_a_clear_error() {
    let s = Server::start().await;
    let token = s.token("conv-poster-bad").await;
    let up = s.create_upload(&token).await;
    let id = &up.upload_id;
    put_poster(&s, &token, id, "image/png", jpeg())
        .await
        .api_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    put_poster(&s, &token, id, "image/jpeg", b"not a jpeg".to_vec())
        .await
        .field_error("body");
    let mut huge = jpeg();
    huge.resize(1024 * 1024 + 1, 0);
    put_poster(&s, &token, id, "image/jpeg", huge)
        .await
        .api_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    let stranger = s.token("conv-other").await;
    put_poster(&s, &stranger, id, "image/jpeg", jpeg())
        .await
        .api_error(StatusCode::FORBIDDEN, "forbidden");
    put_poster(&s, API_KEY, id, "image/jpeg", jpeg())
        .await
        .api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
}
