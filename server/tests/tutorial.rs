//! Tutorial delivery (seed 2) against the real server: assets, signing bounds,
//! links that work on any device within their window and show 410 after it,
//! `context.message` once per session, and the IVR's status (cached signing: tutorial_media.rs).

mod common;
mod tutorial_support;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};
use tutorial_support::*;
use vidreply_core::protocol::TutorialAssetList;

#[tokio::test]
async fn expiration_seconds_out_of_bounds_and_unusable_assets_are_refused_by_name() {
    let s = Server::start().await;
    let asset = ready_asset(&s, "Router reset").await;
    for ttl in [0, 59, 3601, 86_400] {
        let r = s
            .post(
                "/api/v1/media/sign-video-url",
                Some(API_KEY),
                sign_body(&asset, ttl, "ivr-b", "conv-b"),
            )
            .await;
        let e = r.field_error("expiration_seconds");
        assert!(
            e.message.contains("60") && e.message.contains("3600"),
            "{}",
            e.message
        );
    }
    // The bounds themselves are fine.
    for ttl in [60, 3600] {
        sign(&s, &asset, ttl, "ivr-b", "conv-b").await;
    }
    // Unknown, not a tutorial, not processed yet.
    let customer = video::send(&s, "conv-b", &recording(PART_SIZE / 2))
        .await
        .video_id;
    let raw = upload_raw(&s, "video/webm", "Not yet", video::recording()).await;
    let pending = raw.json::<Value>()["assetId"].as_str().unwrap().to_string();
    for id in ["0123456789abcdef0123456789abcdef", &customer, &pending] {
        let r = s
            .post(
                "/api/v1/media/sign-video-url",
                Some(API_KEY),
                sign_body(id, 300, "ivr-b2", "conv-b"),
            )
            .await;
        r.field_error("asset_id");
    }
    // Missing conversation_id; the API key only.
    let mut body = sign_body(&asset, 300, "ivr-b3", "conv-b");
    body.as_object_mut().unwrap().remove("conversation_id");
    let r = s
        .post("/api/v1/media/sign-video-url", Some(API_KEY), body)
        .await;
    r.field_error("conversation_id");
    let token = s.token("conv-b").await;
    let r = s
        .post(
            "/api/v1/media/sign-video-url",
            Some(&token),
            sign_body(&asset, 300, "ivr-b4", "conv-b"),
        )
        .await;
    r.api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    // A session belongs to one conversation and asset.
    let r = s
        .post(
            "/api/v1/media/sign-video-url",
            Some(API_KEY),
            sign_body(&asset, 300, "ivr-b", "conv-other"),
        )
        .await;
    r.api_error(StatusCode::CONFLICT, "conflict");
}

#[tokio::test]
async fn assets_are_registered_or_uploaded_and_outlive_retention() {
    let (hook, got) = signed_receiver().await;
    let s = Server::start_with(&["--webhook-url", &hook, "--webhook-secret", HOOK_SECRET]).await;
    let uploaded = ready_asset(&s, "Pairing the remote").await;
    let a = asset(&s, &uploaded).await;
    assert_eq!(a.title, "Pairing the remote");
    assert!(a.duration.is_some_and(|d| d > 1.5), "{a:?}");
    // A video uploaded through a capture link, registered as an asset.
    let v = video::send(&s, "conv-admin", &video::recording())
        .await
        .video_id;
    process_all(&s).await;
    let body = json!({ "videoId": v, "title": "Billing explained" });
    let r = s.post("/api/v1/assets", Some(API_KEY), body.clone()).await;
    r.expect_status(StatusCode::CREATED);
    let r = s.post("/api/v1/assets", Some(API_KEY), body).await;
    r.expect_status(StatusCode::OK);
    let list: TutorialAssetList = s.get("/api/v1/assets", Some(API_KEY)).await.json();
    let ids: Vec<&str> = list.assets.iter().map(|a| a.asset_id.as_str()).collect();
    assert!(
        ids.contains(&v.as_str()) && ids.contains(&uploaded.as_str()),
        "{ids:?}"
    );
    // Bad input is named; a body that is not the declared video is refused.
    let r = s
        .post(
            "/api/v1/assets",
            Some(API_KEY),
            json!({ "videoId": "0123456789abcdef0123456789abcdef", "title": "x" }),
        )
        .await;
    r.field_error("videoId");
    let r = s
        .post(
            "/api/v1/assets",
            Some(API_KEY),
            json!({ "videoId": v, "title": "" }),
        )
        .await;
    r.field_error("title");
    let r = upload_raw(&s, "video/mp4", "", video::recording()).await;
    r.field_error("title");
    let r = upload_raw(
        &s,
        "video/mp4",
        "A WebM, said to be MP4",
        video::recording(),
    )
    .await;
    r.api_error(StatusCode::UNPROCESSABLE_ENTITY, "not_a_video");
    let r = s.get("/api/v1/assets/nope", Some(API_KEY)).await;
    r.api_error(StatusCode::NOT_FOUND, "not_found");
    let r = s.get("/api/v1/assets", None).await;
    r.api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    // Retention a year on forgets customer videos, never tutorial assets.
    let customer = video::send(&s, "conv-keep", &recording(PART_SIZE / 2))
        .await
        .video_id;
    vidreply_server::retention::purge(&s.state.retention, now() as i64 + 400 * 86_400)
        .await
        .unwrap();
    assert!(s.state.db.video(&customer).await.unwrap().is_none());
    for id in [&uploaded, &v] {
        assert_eq!(asset(&s, id).await.status, "ready");
    }
    // The uploaded asset belongs to no conversation: no video.received for it.
    deliver(&s).await;
    let received: Vec<Value> = got
        .lock()
        .unwrap()
        .iter()
        .filter(|(t, _)| t == "video.received")
        .map(|(_, b)| b.clone())
        .collect();
    assert!(
        received.iter().all(|b| b["videoId"] != uploaded.as_str()),
        "{received:?}"
    );
    assert!(received.iter().any(|b| b["videoId"] == v.as_str()));
}

#[tokio::test]
async fn a_link_works_on_two_devices_within_its_window_and_is_gone_after_it() {
    let s = Server::start_with(&["--tutorial-min-ttl-seconds", "1"]).await;
    let asset = ready_asset(&s, "Router reset").await;
    let link = sign(&s, &asset, 3600, "ivr-x", "conv-x").await;
    assert_eq!(link.session_id, "ivr-x");
    assert!(
        link.url.starts_with(&format!("{PUBLIC_URL}t/{asset}?")),
        "{}",
        link.url
    );
    for (k, v) in [("conversationId", "conv-x"), ("session", "ivr-x")] {
        assert_eq!(query_param(&link.url, k), v);
    }
    // Not yet opened.
    let st = status(&s, "ivr-x").await;
    assert!(!st.opened && !st.started && !st.completed && st.channel_hint.is_none());
    // The phone that got the SMS, then a laptop: both get the watch page.
    for ua in [IPHONE, DESKTOP] {
        let r = open(&s, &link.url, ua).await;
        r.expect_status(StatusCode::OK);
        let w = watch_config(&r.text());
        assert_eq!(
            (
                w.video_id.as_str(),
                w.conversation_id.as_str(),
                w.session_id.as_deref()
            ),
            (asset.as_str(), "conv-x", Some("ivr-x"))
        );
        assert!(
            !r.text().contains("/storage/"),
            "no storage URL in the page"
        );
    }
    let st = status(&s, "ivr-x").await;
    assert!(st.opened && st.opened_at.is_some());
    assert_eq!(
        st.channel_hint.as_deref(),
        Some("sms"),
        "the first device was a phone"
    );
    // Parameters that do not match the token, a forged or foreign token, no token.
    let bad = [
        (
            with_query(&link.url, "conversationId", "conv-y"),
            StatusCode::FORBIDDEN,
        ),
        (
            with_query(&link.url, "session", "ivr-y"),
            StatusCode::FORBIDDEN,
        ),
        (
            link.url.replace(&asset, &"f".repeat(32)),
            StatusCode::FORBIDDEN,
        ),
        (
            with_query(&link.url, "token", &s.token("conv-x").await),
            StatusCode::NOT_FOUND,
        ),
        (
            with_query(
                &link.url,
                "token",
                &forge_token("another-secret-0123456789", "conv-x", now() + 60),
            ),
            StatusCode::NOT_FOUND,
        ),
        (format!("{PUBLIC_URL}t/{asset}"), StatusCode::NOT_FOUND),
    ];
    for (url, want) in bad {
        let r = open(&s, &url, DESKTOP).await;
        r.expect_status(want);
        assert!(r.header("location").is_none(), "never a redirect");
        assert!(r.text().contains("<h1>"), "a friendly page: {}", r.text());
    }
    // A short link: it works now and, once its window ends, answers 410.
    let short = sign(&s, &asset, 2, "ivr-short", "conv-x").await;
    open(&s, &short.url, DESKTOP)
        .await
        .expect_status(StatusCode::OK);
    let mut gone = None;
    for _ in 0..100 {
        let r = open(&s, &short.url, IPHONE).await;
        if r.status != StatusCode::OK {
            gone = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let r = gone.expect("the link expires");
    r.expect_status(StatusCode::GONE);
    assert!(r.text().contains("<h1>"), "{}", r.text());
    // The first (desktop) opening set the hint.
    assert_eq!(
        status(&s, "ivr-short").await.channel_hint.as_deref(),
        Some("web")
    );
}

#[tokio::test]
async fn first_playback_posts_one_signed_context_message_and_the_status_follows() {
    let (hook, got) = signed_receiver().await;
    let s = Server::start_with(&["--webhook-url", &hook, "--webhook-secret", HOOK_SECRET]).await;
    let asset = ready_asset(&s, "Router reset").await;
    let mut body = sign_body(&asset, 900, "ivr-t", "conv-t");
    body["source_channel"] = json!("ivr-main-menu");
    let r = s
        .post("/api/v1/media/sign-video-url", Some(API_KEY), body)
        .await;
    r.expect_status(StatusCode::OK);
    let url = r.json::<Value>()["url"].as_str().unwrap().to_string();
    // Two devices, two page loads: one session.
    let pages: Vec<_> = [IPHONE, DESKTOP]
        .into_iter()
        .map(|ua| open(&s, &url, ua))
        .collect();
    let mut watch = Vec::new();
    for p in pages {
        let r = p.await;
        r.expect_status(StatusCode::OK);
        watch.push(watch_config(&r.text()));
    }
    deliver(&s).await;
    assert!(
        got.lock()
            .unwrap()
            .iter()
            .all(|(t, _)| t != "context.message"),
        "not on load"
    );
    let st = status(&s, "ivr-t").await;
    assert!(st.opened && !st.started);
    let report = |w: &vidreply_core::protocol::WatchPage, events: Vec<Value>| {
        let token = w.token.clone();
        let s = &s;
        async move {
            let r = s
                .post(
                    "/api/v1/telemetry",
                    Some(&token),
                    json!({ "events": events }),
                )
                .await;
            r.expect_status(StatusCode::OK);
        }
    };
    // A start from a page whose player never fetched the video is no start.
    report(&watch[0], vec![event("p0", "VIDEO_START", &watch[0], 0.1)]).await;
    deliver(&s).await;
    assert!(
        !status(&s, "ivr-t").await.started,
        "no media served, no start"
    );
    for w in &watch {
        s.get(&w.mp4, None)
            .await
            .expect_status(StatusCode::TEMPORARY_REDIRECT);
    }
    // The tutorial is reported in the caller's conversation; both devices start it.
    report(
        &watch[0],
        vec![
            event("p1", "VIDEO_START", &watch[0], 0.2),
            event("p2", "VIDEO_START", &watch[0], 0.4),
        ],
    )
    .await;
    report(&watch[1], vec![event("d1", "VIDEO_START", &watch[1], 0.3)]).await;
    let st = status(&s, "ivr-t").await;
    assert!(st.started && !st.completed && st.started_at.is_some());
    report(
        &watch[1],
        vec![event("d2", "VIDEO_COMPLETION", &watch[1], 1.95)],
    )
    .await;
    deliver(&s).await;
    let events = got.lock().unwrap().clone();
    let messages: Vec<&Value> = events
        .iter()
        .filter(|(t, _)| t == "context.message")
        .map(|(_, b)| b)
        .collect();
    assert_eq!(messages.len(), 1, "{events:?}");
    assert_eq!(
        *messages[0],
        json!({
            "conversationId": "conv-t",
            "text": format!("Video tutorial session initiated for asset ID: {asset}"),
            "context": { "source_channel": "ivr-main-menu", "session_id": "ivr-t" },
        })
    );
    assert!(
        !events.iter().any(|(t, _)| t == "video.viewed"),
        "{events:?}"
    );
    let st = status(&s, "ivr-t").await;
    assert!(st.opened && st.started && st.completed);
    assert_eq!(
        (st.session_id.as_str(), st.conversation_id.as_str()),
        ("ivr-t", "conv-t")
    );
    assert_eq!(st.asset_id, asset);
    // Another conversation's watch token cannot report on the asset as conv-t.
    let other = open(
        &s,
        &sign(&s, &asset, 900, "ivr-o", "conv-o").await.url,
        DESKTOP,
    )
    .await;
    let w = watch_config(&other.text());
    let mut e = event("o1", "VIDEO_START", &watch[0], 0.2);
    e["eventId"] = json!("o1");
    let r = s
        .post(
            "/api/v1/telemetry",
            Some(&w.token),
            json!({ "events": [e] }),
        )
        .await;
    r.field_error("events[0].conversationId");
    // Unknown sessions and other credentials.
    s.get("/api/v1/sessions/nope/status", Some(API_KEY))
        .await
        .api_error(StatusCode::NOT_FOUND, "not_found");
    s.get("/api/v1/sessions/ivr-t/status", Some(&w.token))
        .await
        .api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
}
