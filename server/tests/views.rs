//! Views the server can vouch for: a share link's holder cannot make up viewers.
//! Each attack here worked before the watch token named its video and session, and
//! before a start needed the server to have served that session the media.

mod common;

use axum::http::StatusCode;
use common::video::{recording, send, server};
use common::watch::Visit;
use common::*;
use serde_json::{Value, json};
use vidreply_core::protocol::{Engagement, StoredTelemetryEvent};
use vidreply_server::jobs;

const HOOK_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

fn start(id: &str, session: &str, visit: &Visit) -> Value {
    json!({
        "eventId": id, "timestamp": vidreply_server::clock::unix_now_ms(), "type": "VIDEO_START",
        "sessionId": session, "assetId": visit.page.video_id,
        "conversationId": visit.page.conversation_id,
        "durationWatched": 0.2, "completionStatus": "in_progress",
    })
}

/// Report `events` with a visit's watch token.
async fn report(s: &Server, token: &str, events: Vec<Value>) -> Resp {
    s.post(
        "/api/v1/telemetry",
        Some(token),
        json!({ "events": events }),
    )
    .await
}

/// A completed video whose checks passed, as processing's first step marks it.
async fn checked_video(s: &Server, conversation: &str) -> (String, String) {
    let (token, id) = s.completed_video(conversation).await;
    common::watch::vetted(s, &id).await;
    (token, id)
}

async fn engagement(s: &Server, video: &str) -> Engagement {
    let r = s
        .get(&format!("/api/v1/videos/{video}/engagement"), Some(API_KEY))
        .await;
    r.expect_status(StatusCode::OK);
    r.json()
}

async fn exported(s: &Server) -> Vec<StoredTelemetryEvent> {
    let r = s
        .get("/api/v1/telemetry/export?since=0", Some(API_KEY))
        .await;
    r.expect_status(StatusCode::OK);
    r.text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

async fn viewed(s: &Server, got: &std::sync::Mutex<Vec<(String, String)>>) -> Vec<Value> {
    let outbox = s.state.outbox.clone().unwrap();
    while outbox.deliver_due().await.unwrap() > 0 {}
    got.lock()
        .unwrap()
        .iter()
        .filter(|(kind, _)| kind == "video.viewed")
        .map(|(_, body)| serde_json::from_str(body).unwrap())
        .collect()
}

#[tokio::test]
async fn a_share_link_holder_cannot_forge_views() {
    let (hook, got) = common::video::typed_receiver().await;
    let s = Server::start_with(&["--webhook-url", &hook, "--webhook-secret", HOOK_SECRET]).await;
    let (_, video) = checked_video(&s, "conv-forge").await;
    let visit = Visit::open(&s, &video).await;

    // The attack: 100 starts, each with a session id of the attacker's choosing.
    for i in 0..100 {
        let made_up = format!("forged-{i}");
        let r = report(
            &s,
            visit.token(),
            vec![start(&format!("f{i}"), &made_up, &visit)],
        )
        .await;
        let e = r.api_error(StatusCode::FORBIDDEN, "forbidden");
        assert!(e.message.contains("events[0].sessionId"), "{}", e.message);
    }
    // The visit's own session, but the player never fetched the video: kept,
    // marked unverified, and no view.
    let own = visit.session().to_string();
    let r = report(&s, visit.token(), vec![start("own-1", &own, &visit)]).await;
    r.expect_status(StatusCode::OK);
    let kept = exported(&s).await;
    assert_eq!(kept.len(), 1, "only the visit's own event is stored");
    assert!(!kept[0].verified);
    assert!(
        viewed(&s, &got).await.is_empty(),
        "no video.viewed without media"
    );
    let g = engagement(&s, &video).await;
    assert_eq!((g.sessions, g.starts), (0, 0));

    // Once the server served this session the video, its start is a view, once.
    visit.play(&s).await;
    for id in ["own-2", "own-3"] {
        let r = report(&s, visit.token(), vec![start(id, &own, &visit)]).await;
        r.expect_status(StatusCode::OK);
    }
    let views = viewed(&s, &got).await;
    assert_eq!(views.len(), 1, "{views:?}");
    assert_eq!(views[0]["sessionId"], own.as_str());
    let g = engagement(&s, &video).await;
    assert_eq!((g.sessions, g.starts), (1, 1));
    let kept = exported(&s).await;
    let verified: Vec<bool> = kept.iter().map(|e| e.verified).collect();
    assert_eq!(verified, [false, true, true]);
}

#[tokio::test]
async fn a_watch_token_reports_only_on_its_own_video_and_session() {
    let s = Server::start().await;
    let (_, mine) = checked_video(&s, "conv-two").await;
    let (_, other) = checked_video(&s, "conv-two").await;
    let visit = Visit::open(&s, &mine).await;
    visit.play(&s).await;
    let elsewhere = Visit::open(&s, &other).await;
    // Another video of the same conversation.
    let mut e = start("x1", visit.session(), &visit);
    e["assetId"] = json!(other);
    let r = report(&s, visit.token(), vec![e]).await;
    let err = r.api_error(StatusCode::FORBIDDEN, "forbidden");
    assert!(err.message.contains("events[0].assetId"), "{}", err.message);
    // Another visit's session, though that visit is real.
    let e = start("x2", elsewhere.session(), &visit);
    let r = report(&s, visit.token(), vec![e]).await;
    r.api_error(StatusCode::FORBIDDEN, "forbidden");
    // A media URL with another video's visit token marks nothing.
    let foreign = visit.page.mp4.replace(&mine, &other);
    s.get(&foreign, None)
        .await
        .expect_status(StatusCode::TEMPORARY_REDIRECT);
    let seen = |v: &str, session: &str| {
        let (db, v, session) = (s.state.db.clone(), v.to_string(), session.to_string());
        async move { db.media_session_seen(&v, &session).await.unwrap() }
    };
    assert!(!seen(&other, visit.session()).await);
    assert!(seen(&mine, visit.session()).await);
    let e = start("x3", elsewhere.session(), &elsewhere);
    let r = report(&s, elsewhere.token(), vec![e]).await;
    r.expect_status(StatusCode::OK);
    assert!(
        exported(&s).await.iter().all(|e| !e.verified),
        "the other video's media was never served to its own visit"
    );
    // Each visit gets a session of the server's choosing.
    let again = Visit::open(&s, &mine).await;
    assert_ne!(again.session(), visit.session());
    assert_ne!(again.token(), visit.token());
}

#[tokio::test]
async fn visits_past_their_limits_watch_but_mint_no_viewer() {
    let s = Server::start_with(&[
        "--trust-forwarded-for",
        "true",
        "--watch-visits-ip-per-minute",
        "1",
        "--watch-visits-ip-burst",
        "3",
        "--watch-visits-video-per-minute",
        "1",
        "--watch-visits-video-burst",
        "5",
    ])
    .await;
    let (_, video) = checked_video(&s, "conv-visits").await;
    let (_, other) = checked_video(&s, "conv-visits").await;
    let visit_from = |ip: &str, id: &str| {
        axum::http::Request::builder()
            .uri(format!("/v/{id}"))
            .header("x-forwarded-for", ip)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let open = |ip: &'static str, id: String| {
        let s = &s;
        async move {
            let r = s.send(visit_from(ip, &id)).await;
            r.expect_status(StatusCode::OK);
            Visit {
                page: common::watch::watch_config(&r.text()),
            }
        }
    };
    for _ in 0..3 {
        let v = open("198.51.100.7", video.clone()).await;
        assert!(v.page.session_id.is_some(), "within the limit: a session");
    }
    // The address's fourth visit in the minute still watches, but mints no viewer:
    // no session, so its media marks nothing and its reports are refused.
    let over = open("198.51.100.7", other.clone()).await;
    assert_eq!(over.page.session_id, None);
    over.play(&s).await;
    let mut e = start("o1", "made-up", &over);
    e["assetId"] = json!(other);
    let r = report(&s, over.token(), vec![e]).await;
    r.api_error(StatusCode::FORBIDDEN, "forbidden");
    assert!(exported(&s).await.is_empty());
    // Other addresses get sessions until the video's own limit is spent.
    for ip in ["203.0.113.1", "203.0.113.2"] {
        assert!(open(ip, video.clone()).await.page.session_id.is_some());
    }
    assert_eq!(
        open("203.0.113.3", video.clone()).await.page.session_id,
        None
    );
    assert!(
        open("203.0.113.4", other.clone())
            .await
            .page
            .session_id
            .is_some()
    );
}

#[tokio::test]
async fn hls_segments_mark_the_session_and_a_failed_video_serves_nothing() {
    let s = server(&[]).await;
    let v = send(&s, "conv-hls", &recording()).await;
    assert!(jobs::run_one(&s.state.jobs).await.unwrap(), "the job ran");
    let visit = Visit::open(&s, &v.video_id).await;
    let master = visit.page.hls.clone().expect("an HLS ladder");
    let r = s.get(&master, None).await;
    r.expect_status(StatusCode::OK);
    let rendition = r
        .text()
        .lines()
        .find(|l| !l.starts_with('#') && !l.is_empty())
        .expect("a rendition")
        .to_string();
    assert!(rendition.contains("viewer="), "{rendition}");
    let base = format!("/v/{}/hls/", v.video_id);
    let r = s.get(&format!("{base}{rendition}"), None).await;
    r.expect_status(StatusCode::OK);
    let segment = r
        .text()
        .lines()
        .find(|l| !l.starts_with('#') && !l.is_empty())
        .expect("a segment")
        .to_string();
    assert!(segment.contains("viewer="), "{segment}");
    let dir = rendition.split('/').next().unwrap();
    assert!(
        !s.state
            .db
            .media_session_seen(&v.video_id, visit.session())
            .await
            .unwrap(),
        "playlists alone are not the video"
    );
    s.get(&format!("{base}{dir}/{segment}"), None)
        .await
        .expect_status(StatusCode::TEMPORARY_REDIRECT);
    assert!(
        s.state
            .db
            .media_session_seen(&v.video_id, visit.session())
            .await
            .unwrap()
    );

    // An original that processing has not checked yet is not served either.
    let (_, unchecked) = s.completed_video("conv-unchecked").await;
    let r = s.get(&format!("/v/{unchecked}/media"), None).await;
    r.api_error(StatusCode::CONFLICT, "conflict");
    common::watch::vetted(&s, &unchecked).await;
    s.get(&format!("/v/{unchecked}/media"), None)
        .await
        .expect_status(StatusCode::TEMPORARY_REDIRECT);

    // A recording refused by processing (longer than the limit): neither its
    // watch page nor its unprocessed original is served.
    let s = server(&["--max-duration-seconds", "1"]).await;
    let bad = send(&s, "conv-long", &recording()).await;
    while jobs::run_one(&s.state.jobs).await.unwrap() {}
    let failed = common::video::status(&s, &bad.video_id).await;
    assert_eq!(failed.status, "failed", "{failed:?}");
    let r = s.get(&format!("/v/{}", bad.video_id), None).await;
    assert_eq!(r.status, StatusCode::GONE);
    assert!(r.text().contains("could not be prepared"));
    let r = s.get(&format!("/v/{}/media", bad.video_id), None).await;
    r.api_error(StatusCode::GONE, "gone");
}
