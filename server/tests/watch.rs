//! The link resolver against the real server (real SQLite, local storage, real
//! ffmpeg for the HLS ladder): the watch page and its configuration, the token its
//! telemetry uses, friendly 404/410 pages, share-link revocation, and HLS playlists
//! served here so every segment comes back for a fresh signature.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::video::{recording as real_recording, send, server};
use common::*;
use serde_json::json;
use vidreply_core::protocol::{TelemetryAccepted, WatchPage};
use vidreply_core::vocab::{UploadStatus, VideoStatus};
use vidreply_server::db::{UploadRow, VideoRow};
use vidreply_server::token::Scope;

/// A completed (not yet processed) video of `conversation`; returns its id.
/// A completed video whose checks passed (as processing's first step marks it).
async fn video(s: &Server, conversation: &str) -> String {
    let id = s.completed_video(conversation).await.1;
    common::watch::vetted(s, &id).await;
    id
}

async fn page(s: &Server, uri: &str, headers: &[(&str, &str)]) -> Resp {
    let mut b = Request::builder().method(Method::GET).uri(uri);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    s.send(b.body(Body::empty()).unwrap()).await
}

/// The watch configuration in a page's `vidreply-watch` meta tag.
fn config(html: &str) -> WatchPage {
    common::watch::watch_config(html)
}

fn assert_no_storage_url(html: &str) {
    for needle in ["/storage/", "signature=", "X-Amz-", "expires="] {
        assert!(!html.contains(needle), "the page holds {needle:?}: {html}");
    }
}

fn telemetry(video: &str, conversation: &str, session: &str, id: &str) -> serde_json::Value {
    json!({ "events": [{
        "eventId": id, "timestamp": vidreply_server::clock::unix_now_ms(), "type": "VIDEO_START",
        "sessionId": session, "assetId": video, "conversationId": conversation,
        "durationWatched": 0.0, "completionStatus": "in_progress",
    }]})
}

#[tokio::test]
async fn a_share_link_serves_the_app_with_its_video_and_a_token_telemetry_accepts() {
    let s = Server::start().await;
    // The built app's page: the configuration goes into its head, the app stays.
    let dist = s.data().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><html lang=\"en\"><head><title>vidreply</title>\
         <script type=\"module\">import init from '/app.js';</script></head><body></body></html>",
    )
    .unwrap();
    let v = video(&s, "conv-w").await;
    let r = page(&s, &format!("/v/{v}"), &[]).await;
    r.expect_status(StatusCode::OK);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let html = r.text();
    assert!(html.contains("import init from '/app.js'"), "{html}");
    assert!(
        html.find("vidreply-watch").unwrap() < html.find("</head>").unwrap(),
        "{html}"
    );
    assert_no_storage_url(&html);
    let c = config(&html);
    assert_eq!(c.video_id, v);
    assert_eq!(c.conversation_id, "conv-w");
    let session = c
        .session_id
        .clone()
        .expect("the server chooses the session");
    // The media link carries the visit's token, so the server sees whom it served.
    assert_eq!(c.mp4, format!("/v/{v}/media?viewer={}", c.token));
    assert_eq!(c.hls, None, "no ladder before processing");
    assert_eq!(c.mime_type, WEBM);
    let claims = s.state.tokens.verify(&c.token, Scope::Watch).unwrap();
    assert_eq!(claims.sub, "conv-w");
    assert_eq!(claims.vid.as_deref(), Some(v.as_str()));
    assert_eq!(claims.sid.as_deref(), Some(session.as_str()));
    let ttl = claims.exp - claims.iat;
    assert_eq!(
        ttl,
        4 * 3600,
        "VIDREPLY_WATCH_TOKEN_TTL_SECONDS defaults to 4 h"
    );

    // The page's token reports telemetry for this video.
    let r = s
        .post(
            "/api/v1/telemetry",
            Some(&c.token),
            telemetry(&v, "conv-w", &session, "w1"),
        )
        .await;
    r.expect_status(StatusCode::OK);
    assert_eq!(r.json::<TelemetryAccepted>().stored, 1);
    // Each visit gets its own token and its own session.
    let again = config(&page(&s, &format!("/v/{v}"), &[]).await.text());
    assert_ne!(again.token, c.token);
    assert_ne!(again.session_id, c.session_id);
}

#[tokio::test]
async fn the_watch_token_lifetime_is_a_setting() {
    let s = Server::start_with(&["--watch-token-ttl-seconds", "600"]).await;
    let v = video(&s, "conv-ttl").await;
    let c = config(&page(&s, &format!("/v/{v}"), &[]).await.text());
    let claims = s.state.tokens.verify(&c.token, Scope::Watch).unwrap();
    assert_eq!(claims.exp - claims.iat, 600);
}

#[tokio::test]
async fn a_missing_video_gets_a_friendly_404_page_in_the_viewers_language() {
    let s = Server::start().await;
    for id in [
        "0123456789abcdef0123456789abcdef",
        "not-an-id",
        "..%2F..%2Fetc",
    ] {
        let r = page(&s, &format!("/v/{id}"), &[]).await;
        r.expect_status(StatusCode::NOT_FOUND);
        assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
        let html = r.text();
        assert!(html.contains("<html lang=\"en\">"), "{html}");
        assert!(html.contains("Video not found"), "{html}");
        assert!(
            !html.contains("<script"),
            "the page is its own text fallback"
        );
    }
    let missing = "/v/0123456789abcdef0123456789abcdef";
    let r = page(
        &s,
        missing,
        &[("accept-language", "ja, es-MX;q=0.9, en;q=0.5")],
    )
    .await;
    r.expect_status(StatusCode::NOT_FOUND);
    assert_eq!(r.header("content-language"), Some("es"));
    assert!(r.text().contains("lang=\"es\"") && r.text().contains("Vídeo no encontrado"));
    let r = page(
        &s,
        &format!("{missing}?lang=de"),
        &[("accept-language", "fr")],
    )
    .await;
    assert!(r.text().contains("Video nicht gefunden"), "{}", r.text());
    let r = page(&s, missing, &[("accept", "text/plain")]).await;
    r.expect_status(StatusCode::NOT_FOUND);
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert!(r.text().starts_with("Video not found\n"), "{}", r.text());
}

#[tokio::test]
async fn a_revoked_share_link_shows_a_410_page_and_its_media_and_telemetry_are_refused() {
    let s = Server::start().await;
    let v = video(&s, "conv-r").await;
    let before = config(&page(&s, &format!("/v/{v}"), &[]).await.text());
    let path = format!("/api/v1/videos/{v}/share-link");
    s.delete(&path, None)
        .await
        .api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    s.delete(&path, Some("wrong-key"))
        .await
        .api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    page(&s, &format!("/v/{v}/media"), &[])
        .await
        .expect_status(StatusCode::TEMPORARY_REDIRECT);
    for _ in 0..2 {
        s.delete(&path, Some(API_KEY))
            .await
            .expect_status(StatusCode::NO_CONTENT);
    }
    for missing in ["0123456789abcdef0123456789abcdef", "nope"] {
        s.delete(
            &format!("/api/v1/videos/{missing}/share-link"),
            Some(API_KEY),
        )
        .await
        .api_error(StatusCode::NOT_FOUND, "not_found");
    }
    let r = page(&s, &format!("/v/{v}"), &[("accept-language", "fr")]).await;
    r.expect_status(StatusCode::GONE);
    assert!(r.text().contains("Vidéo retirée"), "{}", r.text());
    assert!(
        !r.text().contains("vidreply-watch"),
        "no token for a withdrawn video"
    );
    for file in [
        "media",
        "poster.jpg",
        "hls/master.m3u8",
        "hls/360p/seg_000.ts",
    ] {
        page(&s, &format!("/v/{v}/{file}"), &[])
            .await
            .api_error(StatusCode::GONE, "gone");
    }
    s.post(
        "/api/v1/telemetry",
        Some(&before.token),
        telemetry(&v, "conv-r", before.session_id.as_deref().unwrap(), "r1"),
    )
    .await
    .api_error(StatusCode::GONE, "gone");
}

#[tokio::test]
async fn a_video_past_its_retention_shows_a_410_expired_page() {
    let s = Server::start().await;
    let now = now() as i64;
    let id = "fedcba9876543210fedcba9876543210";
    let upload = UploadRow {
        id: "up-expired".into(),
        video_id: id.into(),
        conversation_id: "conv-x".into(),
        customer_id: None,
        mime_type: WEBM.into(),
        object_key: format!("videos/{id}/original.webm"),
        storage_upload_id: "local-x".into(),
        status: UploadStatus::Open,
        created_at: now - 40 * 86400,
        expires_at: now - 39 * 86400,
        poster_key: None,
        token_id: None,
        declared_bytes: None,
    };
    s.state.db.insert_upload(&upload).await.unwrap();
    let row = VideoRow {
        id: id.into(),
        upload_id: upload.id.clone(),
        conversation_id: "conv-x".into(),
        customer_id: None,
        mime_type: WEBM.into(),
        object_key: upload.object_key.clone(),
        size: 10,
        duration_ms: Some(2000),
        created_at: now - 40 * 86400,
        status: VideoStatus::Ready,
        failure_code: None,
        failure_reason: None,
        poster_key: None,
        mp4_key: None,
        hls_key: None,
        // Retention ended a second ago; the sweep has not run yet.
        retention_expires_at: Some(now - 1),
        revoked_at: None,
        vetted_at: None,
    };
    s.state.db.insert_video(&row, None, None).await.unwrap();
    let r = page(&s, &format!("/v/{id}"), &[]).await;
    r.expect_status(StatusCode::GONE);
    assert!(r.text().contains("Video expired"), "{}", r.text());
    let r = page(&s, &format!("/v/{id}"), &[("accept-language", "pt-BR")]).await;
    assert!(r.text().contains("Vídeo expirado"), "{}", r.text());
    page(&s, &format!("/v/{id}/media"), &[])
        .await
        .api_error(StatusCode::GONE, "gone");
}

#[tokio::test]
async fn hls_playlists_are_served_here_and_each_segment_redirects_to_a_fresh_signature() {
    let s = server(&[]).await;
    let v = send(&s, "conv-hls", &real_recording()).await.video_id;
    assert!(vidreply_server::jobs::run_one(&s.state.jobs).await.unwrap());
    let html = page(&s, &format!("/v/{v}"), &[]).await.text();
    assert_no_storage_url(&html);
    let c = config(&html);
    assert_eq!(
        c.hls.as_deref(),
        Some(format!("/v/{v}/hls/master.m3u8?viewer={}", c.token).as_str())
    );
    assert_eq!(
        c.poster.as_deref(),
        Some(format!("/v/{v}/poster.jpg").as_str())
    );
    assert_eq!(c.mime_type, "video/mp4");
    assert!(
        c.duration.is_some_and(|d| (1.5..=2.5).contains(&d)),
        "{c:?}"
    );

    let playlist = |r: &Resp| {
        r.expect_status(StatusCode::OK);
        assert_eq!(
            r.header("content-type"),
            Some("application/vnd.apple.mpegurl")
        );
        assert_eq!(r.header("cache-control"), Some("no-store"));
        let text = r.text();
        assert!(text.starts_with("#EXTM3U"), "{text}");
        assert_no_storage_url(&text);
        text.lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let variants = playlist(&page(&s, c.hls.as_deref().unwrap(), &[]).await);
    assert!(variants.len() >= 2, "{variants:?}");
    for variant in &variants {
        assert!(
            !variant.contains("://") && !variant.starts_with('/'),
            "relative: {variant}"
        );
        let segments = playlist(&page(&s, &format!("/v/{v}/hls/{variant}"), &[]).await);
        assert!(!segments.is_empty());
        let dir = variant.rsplit_once('/').map_or("", |(d, _)| d);
        // Segments resolve against the playlist's URL: back here, then a redirect.
        let r = page(&s, &format!("/v/{v}/hls/{dir}/{}", segments[0]), &[]).await;
        r.expect_status(StatusCode::TEMPORARY_REDIRECT);
        assert_eq!(r.header("cache-control"), Some("no-store"));
        let to = r.header("location").unwrap().to_string();
        assert!(to.starts_with(PUBLIC_URL), "our own store signs: {to}");
        let got = page(&s, &path_and_query(&to), &[]).await;
        got.expect_status(StatusCode::OK);
        assert_eq!(got.body.first(), Some(&0x47), "an MPEG-TS segment");
    }
    for bad in [
        "..%2Fvideo.mp4",
        "360p/..%2F..%2Fvideo.mp4",
        ".hidden/x.ts",
        "360p/.x",
    ] {
        page(&s, &format!("/v/{v}/hls/{bad}"), &[])
            .await
            .expect_status(StatusCode::NOT_FOUND);
    }
}
