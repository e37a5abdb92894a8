//! Agent mode: sending a recorded answer on a channel emits the seed's
//! `agent.video.send` payload, with our share link and never a storage URL.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};

/// A completed video of `conversation`; returns (token, video id).
async fn video(s: &Server, conversation: &str) -> (String, String) {
    s.completed_video(conversation).await
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
