//! Watch-page telemetry against the real server: batches, dedupe, beacons,
//! `video.viewed` exactly once per viewer session, JSONL export, engagement, retention.

mod common;
mod telemetry_support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::watch::Visit;
use common::*;
use serde_json::{Value, json};
use telemetry_support::*;
use vidreply_core::protocol::{Engagement, TelemetryAccepted};

const HOOK_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
#[tokio::test]
async fn a_batch_is_stored_and_repeated_event_ids_are_ignored() {
    let s = Server::start().await;
    let v = video(&s, "conv-t").await;
    let visit = played(&s, &v).await;
    let (t, s1) = (visit.token(), visit.session());
    let batch = vec![
        event("e1", "VIDEO_START", s1, &v, "conv-t", 0.5),
        event("e2", "VIDEO_PROGRESS", s1, &v, "conv-t", 3.0),
        event("e3", "VIDEO_PAUSE", s1, &v, "conv-t", 4.0),
    ];
    let a = report(&s, t, batch.clone()).await;
    assert_eq!((a.received, a.stored), (3, 3));
    // A retry of the same batch, and a batch that repeats one id within itself.
    let a = report(&s, t, batch).await;
    assert_eq!((a.received, a.stored), (3, 0));
    let e4 = event("e4", "VIDEO_PAUSE", s1, &v, "conv-t", 5.0);
    let a = report(&s, t, vec![e4.clone(), e4]).await;
    assert_eq!((a.received, a.stored), (2, 1));
    let all = export(&s, "since=0").await;
    let ids: Vec<&str> = all.iter().map(|e| e.event.event_id.as_str()).collect();
    assert_eq!(ids, ["e1", "e2", "e3", "e4"]);
    assert_eq!(all[1].event.quartile, Some(25));
    assert!(
        all.iter().all(|e| e.verified),
        "the player fetched the media"
    );
}

#[tokio::test]
async fn a_beacon_sends_text_plain_with_the_token_in_the_query() {
    let s = Server::start().await;
    let v = video(&s, "conv-b").await;
    let visit = played(&s, &v).await;
    let t = visit.token();
    let body =
        json!({ "events": [event("b1", "VIDEO_PAUSE", visit.session(), &v, "conv-b", 1.0)] });
    let req = |uri: String, ct: &str| {
        Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let r = s
        .send(req(
            format!("/api/v1/telemetry?token={t}"),
            "text/plain;charset=UTF-8",
        ))
        .await;
    r.expect_status(StatusCode::OK);
    assert_eq!(r.json::<TelemetryAccepted>().stored, 1);
    // No token, a record token, another conversation's token, a form body.
    let r = s.send(req("/api/v1/telemetry".into(), "text/plain")).await;
    r.api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let record = s.token("conv-b").await;
    let r = s
        .send(req(
            format!("/api/v1/telemetry?token={record}"),
            "text/plain",
        ))
        .await;
    r.api_error(StatusCode::FORBIDDEN, "forbidden");
    let elsewhere = video(&s, "conv-other").await;
    let other = Visit::open(&s, &elsewhere).await;
    let other = other.token();
    let r = s
        .send(req(
            format!("/api/v1/telemetry?token={other}"),
            "text/plain",
        ))
        .await;
    r.api_error(StatusCode::FORBIDDEN, "forbidden");
    let r = s
        .send(req(
            format!("/api/v1/telemetry?token={t}"),
            "application/x-www-form-urlencoded",
        ))
        .await;
    r.api_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
}

#[tokio::test]
async fn a_bad_field_is_named_and_nothing_of_the_batch_is_stored() {
    let s = Server::start().await;
    let v = video(&s, "conv-f").await;
    let visit = played(&s, &v).await;
    let t = visit.token();
    let good = event("g", "VIDEO_PAUSE", visit.session(), &v, "conv-f", 1.0);
    let cases: Vec<(&str, Value)> = vec![
        ("events[1].type", json!("VIDEO_REWIND")),
        ("events[1].eventId", json!("")),
        ("events[1].timestamp", json!(12)),
        ("events[1].timestamp", json!("soon")),
        ("events[1].sessionId", json!("a\u{0}b")),
        (
            "events[1].assetId",
            json!("0123456789abcdef0123456789abcdef"),
        ),
        ("events[1].conversationId", json!("conv-elsewhere")),
        ("events[1].durationWatched", json!(-1.0)),
        ("events[1].completionStatus", json!("done")),
        ("events[1].quartile", json!(30)),
    ];
    for (field, value) in cases {
        let mut bad = good.clone();
        let key = field.rsplit('.').next().unwrap();
        bad[key] = value;
        if key == "quartile" {
            bad["type"] = json!("VIDEO_PROGRESS");
        }
        let r = s
            .post(
                "/api/v1/telemetry",
                Some(t),
                json!({ "events": [good, bad] }),
            )
            .await;
        r.field_error(field);
    }
    let r = s
        .post("/api/v1/telemetry", Some(t), json!({ "events": [] }))
        .await;
    r.field_error("events");
    let many: Vec<Value> = (0..101)
        .map(|i| {
            event(
                &format!("m{i}"),
                "VIDEO_PAUSE",
                visit.session(),
                &v,
                "conv-f",
                1.0,
            )
        })
        .collect();
    let r = s
        .post("/api/v1/telemetry", Some(t), json!({ "events": many }))
        .await;
    assert!(r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::PAYLOAD_TOO_LARGE);
    assert!(export(&s, "since=0").await.is_empty());
}

#[tokio::test]
async fn video_viewed_is_delivered_once_per_viewer_session() {
    let (hook, got) = common::video::typed_receiver().await;
    let s = Server::start_with(&["--webhook-url", &hook, "--webhook-secret", HOOK_SECRET]).await;
    let v = video(&s, "conv-w").await;
    let (one, two, three) = (
        played(&s, &v).await,
        played(&s, &v).await,
        played(&s, &v).await,
    );
    // START twice in one batch (two ids), again in a later batch, and a resend.
    let start =
        |id: &str, visit: &Visit| event(id, "VIDEO_START", visit.session(), &v, "conv-w", 0.2);
    report(&s, one.token(), vec![start("w1", &one), start("w2", &one)]).await;
    report(&s, one.token(), vec![start("w3", &one), start("w1", &one)]).await;
    // A pause alone is not a view; a second session is another view.
    let pause = event("w4", "VIDEO_PAUSE", two.session(), &v, "conv-w", 0.0);
    report(&s, two.token(), vec![pause]).await;
    report(&s, three.token(), vec![start("w5", &three)]).await;
    let outbox = s.state.outbox.clone().unwrap();
    while outbox.deliver_due().await.unwrap() > 0 {}
    let events = got.lock().unwrap().clone();
    let viewed: Vec<Value> = events
        .iter()
        .filter(|(kind, _)| kind == "video.viewed")
        .map(|(_, body)| serde_json::from_str(body).unwrap())
        .collect();
    assert_eq!(viewed.len(), 2, "{events:?}");
    let mut sessions: Vec<&str> = viewed
        .iter()
        .map(|p| p["sessionId"].as_str().unwrap())
        .collect();
    sessions.sort();
    let mut want = [one.session(), three.session()];
    want.sort();
    assert_eq!(sessions, want);
    for p in &viewed {
        assert_eq!(p["conversationId"], "conv-w");
        assert_eq!(p["videoId"], v.as_str());
        assert_eq!(p["status"], "viewed");
        let ts = p["viewTimestamp"].as_str().unwrap();
        assert!(ts.ends_with('Z') && ts.contains('T'), "{ts}");
    }
}

#[tokio::test]
async fn export_is_jsonl_since_a_time_in_receive_order_with_a_cursor() {
    let s = Server::start().await;
    let v = video(&s, "conv-x").await;
    let visit = played(&s, &v).await;
    let t = visit.token();
    let e = |id: &str| event(id, "VIDEO_PAUSE", visit.session(), &v, "conv-x", 1.0);
    report(&s, t, vec![e("x1"), e("x2")]).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let cut = vidreply_server::clock::unix_now_ms();
    report(&s, t, vec![e("x3"), e("x4"), e("x5")]).await;
    let later = export(&s, &format!("since={cut}")).await;
    let ids: Vec<&str> = later.iter().map(|e| e.event.event_id.as_str()).collect();
    assert_eq!(ids, ["x3", "x4", "x5"]);
    assert!(later.iter().all(|e| e.received_at >= cut));
    // Pages of two, following x-next-after.
    let r = s
        .get("/api/v1/telemetry/export?since=0&limit=2", Some(API_KEY))
        .await;
    let next = r.header("x-next-after").expect("a full page has a cursor");
    let rest = export(&s, &format!("since=0&limit=2&after={next}")).await;
    let ids: Vec<&str> = rest.iter().map(|e| e.event.event_id.as_str()).collect();
    assert_eq!(ids, ["x3", "x4"]);
    // The API key only; since is required and numeric.
    let r = s.get("/api/v1/telemetry/export?since=0", Some(t)).await;
    r.api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    for (q, field) in [
        ("", "since"),
        ("since=yesterday", "since"),
        ("since=0&limit=0", "limit"),
    ] {
        let r = s
            .get(&format!("/api/v1/telemetry/export?{q}"), Some(API_KEY))
            .await;
        r.field_error(field);
    }
}

#[tokio::test]
async fn engagement_sums_sessions_starts_completions_and_quartiles() {
    let s = Server::start().await;
    let v = video(&s, "conv-e").await;
    let (a, b, c) = (
        played(&s, &v).await,
        played(&s, &v).await,
        played(&s, &v).await,
    );
    let e = |id: &str, kind: &str, visit: &Visit, watched: f64| {
        event(id, kind, visit.session(), &v, "conv-e", watched)
    };
    let mut half = e("a3", "VIDEO_PROGRESS", &a, 5.0);
    half["quartile"] = json!(50);
    // a: starts, reaches 50 %, pauses at 5 s.
    let a_events = vec![
        e("a1", "VIDEO_START", &a, 0.3),
        e("a2", "VIDEO_PROGRESS", &a, 2.5),
        half,
        e("a4", "VIDEO_PAUSE", &a, 5.0),
    ];
    report(&s, a.token(), a_events).await;
    // b: starts and completes at 9.6 s.
    let b_events = vec![
        e("b1", "VIDEO_START", &b, 0.2),
        e("b2", "VIDEO_COMPLETION", &b, 9.6),
    ];
    report(&s, b.token(), b_events).await;
    // c: opened, never started.
    report(&s, c.token(), vec![e("c1", "VIDEO_PAUSE", &c, 0.0)]).await;
    // d: never fetched the video; its start is kept but is no view.
    let d = Visit::open(&s, &v).await;
    report(&s, d.token(), vec![e("d1", "VIDEO_START", &d, 0.1)]).await;
    let r = s
        .get(&format!("/api/v1/videos/{v}/engagement"), Some(API_KEY))
        .await;
    r.expect_status(StatusCode::OK);
    let g: Engagement = r.json();
    assert_eq!((g.sessions, g.starts, g.completions), (3, 2, 1));
    assert!((g.completion_rate - 0.5).abs() < 1e-9);
    assert!((g.max_duration_watched - 9.6).abs() < 1e-9);
    assert!((g.mean_duration_watched - (5.0 + 9.6 + 0.0) / 3.0).abs() < 1e-9);
    assert_eq!(g.quartiles["25"], 2);
    assert_eq!(g.quartiles["50"], 2);
    assert_eq!(g.quartiles["75"], 1);
    let r = s.get("/api/v1/videos/nope/engagement", Some(API_KEY)).await;
    r.api_error(StatusCode::NOT_FOUND, "not_found");
    let r = s
        .get(&format!("/api/v1/videos/{v}/engagement"), Some(a.token()))
        .await;
    r.api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn purging_a_video_forgets_its_telemetry() {
    let s = Server::start_with(&["--retention-days", "30"]).await;
    let gone = video(&s, "conv-r").await;
    let visit = played(&s, &gone).await;
    let start = event("r1", "VIDEO_START", visit.session(), &gone, "conv-r", 0.5);
    report(&s, visit.token(), vec![start]).await;
    assert_eq!(export(&s, "since=0").await.len(), 1);
    let now = now() as i64;
    vidreply_server::retention::purge(&s.state.retention, now + 31 * 86400)
        .await
        .unwrap();
    assert!(export(&s, "since=0").await.is_empty());
    let r = s
        .get(&format!("/api/v1/videos/{gone}/engagement"), Some(API_KEY))
        .await;
    r.api_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn beacons_are_rate_limited_by_their_query_token() {
    let s = Server::start_with(&[
        "--rate-limit-token-per-minute",
        "1",
        "--rate-limit-token-burst",
        "3",
    ])
    .await;
    let v = video(&s, "conv-l").await;
    let visit = played(&s, &v).await;
    let (t, sid) = (visit.token(), visit.session());
    let beacon = |id: &str| {
        let body = json!({ "events": [event(id, "VIDEO_PAUSE", sid, &v, "conv-l", 1.0)] });
        Request::builder()
            .method(Method::POST)
            .uri(format!("/api/v1/telemetry?token={t}"))
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    // The record token's upload took three of its own bucket, not the watch token's.
    for id in ["l1", "l2", "l3"] {
        s.send(beacon(id)).await.expect_status(StatusCode::OK);
    }
    let r = s.send(beacon("l4")).await;
    r.api_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // The same token as a header shares the bucket.
    let r = s
        .post(
            "/api/v1/telemetry",
            Some(t),
            json!({ "events": [event("l5", "VIDEO_PAUSE", sid, &v, "conv-l", 1.0)] }),
        )
        .await;
    r.api_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}
