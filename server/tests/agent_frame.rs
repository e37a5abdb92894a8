//! The agent frame's sign-in: `GET /api/v1/agent/config` tells the frame where to
//! sign the agent in to Genesys Cloud, and `POST /api/v1/agent/capture-links`
//! exchanges the agent's Genesys access token for a capture link, after asking
//! Genesys (here a stand-in on 127.0.0.1: there is no network) about the token.

mod agent_frame_support;
mod common;

use std::time::Duration;

use agent_frame_support::*;
use axum::http::StatusCode;
use common::genesys::{AGENT_TOKEN, CLIENT_ID, Genesys};
use common::*;
use serde_json::json;
use vidreply_core::protocol::{AgentConfig, CaptureLink};

#[tokio::test]
async fn config_names_the_client_and_the_regions_login_page() {
    let g = Genesys::start().await;
    let s = server(&g, &[]).await;
    for (env, login) in [
        (
            "mypurecloud.de",
            "https://login.mypurecloud.de/oauth/authorize",
        ),
        (
            "usw2.pure.cloud",
            "https://login.usw2.pure.cloud/oauth/authorize",
        ),
        (
            "mypurecloud.com.au",
            "https://login.mypurecloud.com.au/oauth/authorize",
        ),
    ] {
        let r = s
            .get(&format!("/api/v1/agent/config?gcTargetEnv={env}"), None)
            .await;
        r.expect_status(StatusCode::OK);
        let c: AgentConfig = r.json();
        assert_eq!(c.client_id, CLIENT_ID);
        assert_eq!(c.authorize_url, login);
    }
    let s = server(&g, &["--genesys-login-base", "http://127.0.0.1:9/sso/"]).await;
    let r = s
        .get("/api/v1/agent/config?gcTargetEnv=mypurecloud.ie", None)
        .await;
    let c: AgentConfig = r.json();
    assert_eq!(c.authorize_url, "http://127.0.0.1:9/sso/oauth/authorize");
    assert!(g.calls().is_empty(), "config asks Genesys nothing");
}

#[tokio::test]
async fn unknown_regions_and_bad_conversation_ids_are_named() {
    let g = Genesys::start().await;
    let s = server(&g, &[]).await;
    for query in [
        "",
        "?gcTargetEnv=",
        "?gcTargetEnv=evil.example",
        "?gcTargetEnv=mypurecloud.de.evil.example",
        "?gcTargetEnv=login.mypurecloud.de",
        "?gcTargetEnv=mypurecloud.de%2F%40evil.example",
        "?gctargetenv=mypurecloud.de",
    ] {
        let r = s.get(&format!("/api/v1/agent/config{query}"), None).await;
        r.field_error("gcTargetEnv");
    }
    let bad_env = json!({ "conversationId": CONV, "gcTargetEnv": "evil.example" });
    exchange(&s, AGENT_TOKEN, bad_env)
        .await
        .field_error("gcTargetEnv");
    for id in [
        "conv-123",
        "",
        "3f2c8a9e6b1d4c7a9e2f0a1b2c3d4e5f",
        "../../users/me",
    ] {
        exchange(&s, AGENT_TOKEN, body(id))
            .await
            .field_error("conversationId");
    }
    exchange(&s, AGENT_TOKEN, json!({ "gcTargetEnv": "mypurecloud.de" }))
        .await
        .field_error("conversationId");
    assert!(
        g.calls().is_empty(),
        "bad input is refused before Genesys is asked"
    );
}

#[tokio::test]
async fn without_a_client_id_the_agent_frame_is_disabled() {
    let s = Server::start().await;
    let r = s
        .get("/api/v1/agent/config?gcTargetEnv=mypurecloud.de", None)
        .await;
    let e = r.api_error(StatusCode::CONFLICT, "agent_frame_disabled");
    assert!(
        e.message.contains("VIDREPLY_GENESYS_CLIENT_ID"),
        "{}",
        e.message
    );
    exchange(&s, AGENT_TOKEN, body(CONV))
        .await
        .api_error(StatusCode::CONFLICT, "agent_frame_disabled");
}

#[tokio::test]
async fn an_agent_token_becomes_a_link_that_records_and_sends() {
    let g = Genesys::start().await;
    let (hook, got) = common::video::receiver().await;
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    let s = server(&g, &["--webhook-url", &hook, "--webhook-secret", secret]).await;
    let r = exchange(&s, AGENT_TOKEN, body(&CONV.to_uppercase())).await;
    r.expect_status(StatusCode::CREATED);
    let link: CaptureLink = r.json();
    assert_eq!(
        link.conversation_id, CONV,
        "Genesys writes ids in lower case"
    );
    assert_eq!(link.customer_id, None);
    let ttl = link.expires_at as i64 - now() as i64;
    assert!(
        (3595..=3600).contains(&ttl),
        "agent_link_ttl_seconds: {ttl}"
    );
    assert_eq!(query_param(&link.url, "token"), link.token);
    let mut calls = g.calls();
    calls.sort();
    assert_eq!(
        calls,
        [
            format!("/api/v2/conversations/{CONV}"),
            "/api/v2/tokens/me".into(),
            "/api/v2/users/me".into(),
        ]
    );

    // The link's token records for that conversation, and sends the answer.
    let up = s.create_upload(&link.token).await;
    let bytes = recording(PART_SIZE / 2);
    let etag = s
        .upload_part(&link.token, &up.upload_id, 1, bytes.clone())
        .await;
    let done = s
        .complete(&link.token, &up.upload_id, &[(1, &etag)], None)
        .await;
    let video = s.expect_video(&done, &bytes);
    let send = json!({ "targetChannel": "email", "targetAddress": "customer@example.com" });
    s.post(
        &format!("/api/v1/videos/{}/send", video.video_id),
        Some(&link.token),
        send,
    )
    .await
    .expect_status(StatusCode::ACCEPTED);
    s.state.outbox.clone().unwrap().deliver_due().await.unwrap();
    assert_eq!(got.lock().unwrap().len(), 1, "agent.video.send delivered");

    let s = server(&g, &["--agent-link-ttl-seconds", "600"]).await;
    let link: CaptureLink = exchange(&s, AGENT_TOKEN, body(CONV)).await.json();
    assert!(link.expires_at <= now() + 600 && link.expires_at + 5 >= now() + 600);
}

#[tokio::test]
async fn genesys_refusals_are_401_and_403() {
    let g = Genesys::start().await;
    let s = server(&g, &[]).await;
    exchange(&s, "gc-someone-elses-token", body(CONV))
        .await
        .api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    g.set(|b| b.issued_to = "another-orgs-client".into());
    let e = exchange(&s, AGENT_TOKEN, body(CONV))
        .await
        .api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    assert!(e.message.contains("OAuth client"), "{}", e.message);
    g.set(|b| b.issued_to = CLIENT_ID.into());
    for status in [403, 404] {
        g.set(|b| b.conversation_status = status);
        let e = exchange(&s, AGENT_TOKEN, body(CONV))
            .await
            .api_error(StatusCode::FORBIDDEN, "forbidden");
        assert!(e.message.contains(CONV), "{}", e.message);
    }
    // Not even a token: refused before Genesys is asked.
    let before = g.calls().len();
    exchange(&s, "not a token", body(CONV))
        .await
        .api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(g.calls().len(), before);
}

#[tokio::test]
async fn genesys_down_is_a_retryable_502_and_nothing_is_remembered() {
    let g = Genesys::start().await;
    let s = server(&g, &["--genesys-timeout-ms", "300"]).await;
    for status in [500, 503, 429] {
        g.set(|b| b.every_call = Some(status));
        exchange(&s, AGENT_TOKEN, body(CONV))
            .await
            .api_error(StatusCode::BAD_GATEWAY, "genesys_unavailable");
    }
    g.set(|b| {
        b.every_call = None;
        b.delay = Duration::from_secs(2);
    });
    exchange(&s, AGENT_TOKEN, body(CONV))
        .await
        .api_error(StatusCode::BAD_GATEWAY, "genesys_unavailable");
    g.set(|b| b.delay = Duration::ZERO);
    exchange(&s, AGENT_TOKEN, body(CONV))
        .await
        .expect_status(StatusCode::CREATED);

    // Nothing listening at all.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let s = Server::start_with(&[
        "--genesys-client-id",
        CLIENT_ID,
        "--genesys-api-base",
        &base,
    ])
    .await;
    exchange(&s, AGENT_TOKEN, body(CONV))
        .await
        .api_error(StatusCode::BAD_GATEWAY, "genesys_unavailable");
}

#[tokio::test]
async fn a_verified_exchange_is_remembered_briefly() {
    let g = Genesys::start().await;
    let s = server(&g, &["--genesys-verify-cache-seconds", "1"]).await;
    let first: CaptureLink = exchange(&s, AGENT_TOKEN, body(CONV)).await.json();
    let second: CaptureLink = exchange(&s, AGENT_TOKEN, body(CONV)).await.json();
    assert_ne!(first.id, second.id, "each exchange is a link of its own");
    assert_eq!(
        g.calls().len(),
        3,
        "the second exchange did not ask Genesys"
    );
    // Another conversation, or another token, is asked about.
    let other = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    exchange(&s, AGENT_TOKEN, body(other))
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(g.calls().len(), 6);
    exchange(&s, "gc-someone-elses-token", body(CONV))
        .await
        .api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(g.calls().len(), 9);
    // Once the cache time is over, Genesys is asked again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    exchange(&s, AGENT_TOKEN, body(CONV))
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(g.calls().len(), 12);

    let g = Genesys::start().await;
    let s = server(&g, &["--genesys-verify-cache-seconds", "0"]).await;
    for _ in 0..2 {
        exchange(&s, AGENT_TOKEN, body(CONV))
            .await
            .expect_status(StatusCode::CREATED);
    }
    assert_eq!(g.calls().len(), 6, "0 turns the cache off");
}

#[tokio::test]
async fn exchanges_are_rate_limited_per_token() {
    let g = Genesys::start().await;
    let limits = [
        "--rate-limit-token-per-minute",
        "1",
        "--rate-limit-token-burst",
        "1",
    ];
    let s = server(&g, &limits).await;
    exchange(&s, AGENT_TOKEN, body(CONV))
        .await
        .expect_status(StatusCode::CREATED);
    exchange(&s, AGENT_TOKEN, body(CONV))
        .await
        .api_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}
#[tokio::test]
async fn the_access_token_never_reaches_the_logs() {
    let log = captured_log();
    let g = Genesys::start().await;
    let s = server(&g, &["--genesys-timeout-ms", "300"]).await;
    let wrong = "gc-wrong-token-Y2F0cy1hcmUtbmljZQ";
    exchange(&s, AGENT_TOKEN, body(CONV))
        .await
        .expect_status(StatusCode::CREATED);
    exchange(&s, wrong, body(CONV))
        .await
        .api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    g.set(|b| b.every_call = Some(503));
    exchange(&s, "gc-third-token-ZG9ncy10b28", body(CONV))
        .await
        .api_error(StatusCode::BAD_GATEWAY, "genesys_unavailable");
    let text = String::from_utf8_lossy(&log.lock().unwrap()).into_owned();
    assert!(text.contains("agent capture link issued"), "{text}");
    assert!(text.contains("Genesys Cloud did not answer"), "{text}");
    for secret in [
        AGENT_TOKEN,
        wrong,
        "gc-third-token-ZG9ncy10b28",
        "Bearer gc-",
    ] {
        assert!(!text.contains(secret), "the log holds {secret:?}:\n{text}");
    }
}

#[tokio::test]
async fn an_agent_frame_reloaded_does_not_reset_its_agents_send_quota() {
    let g = Genesys::start().await;
    let (hook, _got) = common::video::receiver().await;
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    let s = server(
        &g,
        &[
            "--webhook-url",
            &hook,
            "--webhook-secret",
            secret,
            "--send-max-per-token",
            "1",
        ],
    )
    .await;
    let send = json!({ "targetChannel": "email", "targetAddress": "customer@example.com" });
    let mut answers = Vec::new();
    // The frame loaded twice (two exchanges, two tokens) by the same agent.
    for _ in 0..2 {
        let link: CaptureLink = exchange(&s, AGENT_TOKEN, body(CONV)).await.json();
        let (_, video) = s.completed_video_with(link.token.clone()).await;
        let r = s
            .post(
                &format!("/api/v1/videos/{video}/send"),
                Some(&link.token),
                send.clone(),
            )
            .await;
        answers.push(r);
    }
    answers[0].expect_status(StatusCode::ACCEPTED);
    let e = answers[1].api_error(StatusCode::TOO_MANY_REQUESTS, "quota_exceeded");
    assert!(
        e.message.contains("VIDREPLY_SEND_MAX_PER_TOKEN"),
        "{}",
        e.message
    );
}
