//! Agent mode: sending a recorded answer on a channel emits the seed's
//! `agent.video.send` payload, with our share link and never a storage URL.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};

/// An agent's capture token for `conversation`, as the API key makes it.
async fn agent_token(s: &Server, conversation: &str) -> String {
    let r = s
        .post(
            "/api/v1/capture-links",
            Some(API_KEY),
            json!({ "conversationId": conversation, "role": "agent" }),
        )
        .await;
    r.expect_status(StatusCode::CREATED);
    let link: vidreply_core::protocol::CaptureLink = r.json();
    assert_eq!(link.role, vidreply_core::protocol::CaptureRole::Agent);
    link.token
}

/// A completed video of `conversation` recorded by an agent; returns (token, video id).
async fn video(s: &Server, conversation: &str) -> (String, String) {
    let token = agent_token(s, conversation).await;
    s.completed_video_with(token).await
}

async fn hook_server(
    extra: &[&str],
) -> (
    Server,
    std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
) {
    let (hook, got) = common::video::typed_receiver().await;
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    let mut args = vec!["--webhook-url", hook.as_str(), "--webhook-secret", secret];
    args.extend_from_slice(extra);
    (Server::start_with(&args).await, got)
}

#[tokio::test]
async fn a_customers_capture_link_cannot_send_on_a_channel() {
    let (s, got) = hook_server(&[]).await;
    // The attack: record 1 s through the customer's link, then send with its token.
    let (token, id) = s.completed_video("conv-phish").await;
    let phish = json!({
        "targetChannel": "sms", "targetAddress": "+19005550100",
        "body": "Your account is locked, call +1 900 555 0100",
    });
    for _ in 0..3 {
        let r = s
            .post(
                &format!("/api/v1/videos/{id}/send"),
                Some(&token),
                phish.clone(),
            )
            .await;
        let e = r.api_error(StatusCode::FORBIDDEN, "forbidden");
        assert!(e.message.contains("agent"), "{}", e.message);
    }
    // A plain capture link is a customer's: the role is signed into its token (the
    // page following the token, not `?mode=agent`, is the e2e genesys.spec's test).
    let link = s.link("conv-phish").await;
    assert_eq!(link.role, vidreply_core::protocol::CaptureRole::Customer);
    s.state.outbox.clone().unwrap().deliver_due().await.unwrap();
    assert!(got.lock().unwrap().is_empty(), "nothing was sent");
    // The role is a closed list, named when wrong.
    let r = s
        .post(
            "/api/v1/capture-links",
            Some(API_KEY),
            json!({ "conversationId": "conv-phish", "role": "admin" }),
        )
        .await;
    r.field_error("role");
}

#[tokio::test]
async fn sends_are_counted_per_token_and_per_video() {
    let (s, got) = hook_server(&["--send-max-per-token", "2", "--send-max-per-video", "3"]).await;
    let (agent, a) = video(&s, "conv-quota").await;
    let (_, b) = video(&s, "conv-quota").await;
    let send = |video: &str| format!("/api/v1/videos/{video}/send");
    let to = json!({"targetChannel": "email", "targetAddress": "a@b.de"});
    for _ in 0..2 {
        s.post(&send(&a), Some(&agent), to.clone())
            .await
            .expect_status(StatusCode::ACCEPTED);
    }
    let r = s.post(&send(&b), Some(&agent), to.clone()).await;
    let e = r.api_error(StatusCode::TOO_MANY_REQUESTS, "quota_exceeded");
    assert!(
        e.message.contains("VIDREPLY_SEND_MAX_PER_TOKEN"),
        "{}",
        e.message
    );
    assert!(r.header("retry-after").is_some());
    // Another agent may send video a once more; then the video's quota is spent,
    // for everyone, the API key included.
    let other = agent_token(&s, "conv-quota").await;
    s.post(&send(&a), Some(&other), to.clone())
        .await
        .expect_status(StatusCode::ACCEPTED);
    for bearer in [other.as_str(), API_KEY] {
        let r = s.post(&send(&a), Some(bearer), to.clone()).await;
        let e = r.api_error(StatusCode::TOO_MANY_REQUESTS, "quota_exceeded");
        assert!(
            e.message.contains("VIDREPLY_SEND_MAX_PER_VIDEO"),
            "{}",
            e.message
        );
    }
    s.post(&send(&b), Some(API_KEY), to)
        .await
        .expect_status(StatusCode::ACCEPTED);
    s.state.outbox.clone().unwrap().deliver_due().await.unwrap();
    assert_eq!(
        got.lock().unwrap().len(),
        4,
        "only the sends within quota went out"
    );
}

#[tokio::test]
async fn sending_on_a_channel_emits_agent_video_send() {
    let (hook, got) = common::video::typed_receiver().await;
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    let s = Server::start_with(&["--webhook-url", &hook, "--webhook-secret", secret]).await;
    let (token, id) = video(&s, "conv-agent").await;
    let path = format!("/api/v1/videos/{id}/send");
    let r = s
        .post(
            &path,
            Some(&token),
            json!({
                "targetChannel": "SMS", "targetAddress": " +4915112345678 ",
                "subject": "Your answer", "body": "Here is how to reset the router."
            }),
        )
        .await;
    r.expect_status(StatusCode::ACCEPTED);
    s.state.outbox.clone().unwrap().deliver_due().await.unwrap();
    let events = got.lock().unwrap().clone();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "agent.video.send");
    let p: Value = serde_json::from_str(&events[0].1).unwrap();
    let mut keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "body",
            "mediaId",
            "subject",
            "targetAddress",
            "targetChannel"
        ]
    );
    assert_eq!(p["targetChannel"], "sms");
    assert_eq!(p["targetAddress"], "+4915112345678");
    assert_eq!(p["mediaId"], id.as_str());
    assert_eq!(p["subject"], "Your answer");
    let share = format!("{PUBLIC_URL}v/{id}");
    assert_eq!(
        p["body"],
        format!("Here is how to reset the router.\n{share}").as_str()
    );
    assert!(!events[0].1.contains("storage") && !events[0].1.contains("signature"));
}

#[tokio::test]
async fn a_bad_channel_or_address_is_named_and_nothing_is_sent() {
    let (hook, got) = common::video::typed_receiver().await;
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    let s = Server::start_with(&["--webhook-url", &hook, "--webhook-secret", secret]).await;
    let (token, id) = video(&s, "conv-agent-bad").await;
    let path = format!("/api/v1/videos/{id}/send");
    let cases = [
        (
            json!({"targetChannel": "fax", "targetAddress": "+4915112345678"}),
            "targetChannel",
        ),
        (
            json!({"targetChannel": "sms", "targetAddress": "0151 1234"}),
            "targetAddress",
        ),
        (
            json!({"targetChannel": "email", "targetAddress": "not-an-address"}),
            "targetAddress",
        ),
        (
            json!({"targetChannel": "email", "targetAddress": "a@b.de", "subject": "x\ny"}),
            "subject",
        ),
        (
            json!({"targetChannel": "email", "targetAddress": "a@b.de", "body": "x".repeat(2001)}),
            "body",
        ),
        (json!({"targetAddress": "a@b.de"}), "targetChannel"),
    ];
    for (body, field) in cases {
        s.post(&path, Some(&token), body).await.field_error(field);
    }
    let stranger = s.token("conv-other").await;
    let ok = json!({"targetChannel": "email", "targetAddress": "a@b.de"});
    s.post(&path, Some(&stranger), ok.clone())
        .await
        .api_error(StatusCode::FORBIDDEN, "forbidden");
    s.post(
        "/api/v1/videos/0123456789abcdef0123456789abcdef/send",
        Some(API_KEY),
        ok.clone(),
    )
    .await
    .api_error(StatusCode::NOT_FOUND, "not_found");
    s.post(&path, Some(API_KEY), ok)
        .await
        .expect_status(StatusCode::ACCEPTED);
    s.state.outbox.clone().unwrap().deliver_due().await.unwrap();
    assert_eq!(
        got.lock().unwrap().len(),
        1,
        "only the valid request was sent"
    );
}

#[tokio::test]
async fn without_a_webhook_endpoint_sending_is_a_conflict_not_a_silent_drop() {
    let s = Server::start().await;
    let (token, id) = video(&s, "conv-agent-nohook").await;
    let r = s
        .post(
            &format!("/api/v1/videos/{id}/send"),
            Some(&token),
            json!({"targetChannel": "email", "targetAddress": "a@b.de"}),
        )
        .await;
    r.api_error(StatusCode::CONFLICT, "conflict");
}
