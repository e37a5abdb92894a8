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
