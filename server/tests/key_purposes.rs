//! Each purpose signs with its own key, derived from the signing secret with HKDF:
//! claims that would make a capture token, signed with the secret itself or with
//! another purpose's key, are not a capture token.

mod common;

use axum::http::StatusCode;
use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use vidreply_server::secrets::Purpose;
use vidreply_server::token::{Claims, Scope};

fn record_claims(conversation: &str) -> Claims {
    // The same claims `forge_token` signs with the capture key.
    let token = forge_token(SECRET, conversation, now() + 600);
    let payload = token.split('.').nth(1).unwrap();
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let claims: Claims = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(claims.scope, Scope::Record);
    claims
}

fn sign_with(key: &[u8], claims: &Claims) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(key),
    )
    .unwrap()
}

#[tokio::test]
async fn capture_claims_signed_with_any_other_key_are_refused() {
    let s = Server::start().await;
    let body = json!({ "mimeType": WEBM });
    let claims = record_claims("conv-keys");
    let secret = SECRET.as_bytes();
    for (what, key) in [
        ("the signing secret itself", secret.to_vec()),
        (
            "the watch-token key",
            Purpose::WatchTokens.key(secret).to_vec(),
        ),
        (
            "the tutorial key",
            Purpose::TutorialTokens.key(secret).to_vec(),
        ),
        (
            "the local storage URL key",
            Purpose::LocalStorageUrls.key(secret).to_vec(),
        ),
    ] {
        let token = sign_with(&key, &claims);
        let r = s.post("/api/v1/uploads", Some(&token), body.clone()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "signed with {what}");
        r.api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    // The same claims with the capture key are a capture token: the refusals above
    // are about the key.
    let token = sign_with(&Purpose::CaptureTokens.key(secret), &claims);
    s.post("/api/v1/uploads", Some(&token), body)
        .await
        .expect_status(StatusCode::CREATED);
}

#[tokio::test]
async fn links_signed_before_the_keys_work_as_a_customers_only_while_allowed() {
    let secret = SECRET.as_bytes();
    let mut claims = record_claims("conv-legacy");
    // Even if it claims to be an agent's, an old link is a customer's.
    claims.rol = vidreply_core::protocol::CaptureRole::Agent;
    let old = sign_with(secret, &claims);
    let body = json!({ "mimeType": WEBM });
    let until = (now() + 3600).to_string();
    let s = Server::start_with(&["--legacy-capture-links-until", &until]).await;
    s.post("/api/v1/uploads", Some(&old), body.clone())
        .await
        .expect_status(StatusCode::CREATED);
    let (_, video) = s.completed_video_with(old.clone()).await;
    let r = s
        .post(
            &format!("/api/v1/videos/{video}/send"),
            Some(&old),
            json!({"targetChannel": "email", "targetAddress": "a@b.de"}),
        )
        .await;
    r.api_error(StatusCode::FORBIDDEN, "forbidden");
    // A watch token signed the old way is never taken.
    let mut watch = record_claims("conv-legacy");
    watch.scope = Scope::Watch;
    let r = s
        .post(
            "/api/v1/uploads",
            Some(&sign_with(secret, &watch)),
            body.clone(),
        )
        .await;
    assert!(r.status.is_client_error());
    // Once the window has passed, or by default, the old link is refused.
    let past = (now() - 1).to_string();
    for extra in [vec!["--legacy-capture-links-until", past.as_str()], vec![]] {
        let s = Server::start_with(&extra).await;
        s.post("/api/v1/uploads", Some(&old), body.clone())
            .await
            .api_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
}
