//! Standard Webhooks: one endpoint, signed with a `whsec_` secret, one attempt at a
//! time. Retrying, and surviving restarts, is the outbox's job (`outbox.rs`).

use std::time::Duration;

use standardwebhooks::Webhook;
use url::Url;

use crate::clock::unix_now;

/// Header naming the event type; the body is the event payload itself.
pub const EVENT_HEADER: &str = "x-vidreply-event";

pub struct WebhookEndpoint {
    url: Url,
    signer: Webhook,
    http: reqwest::Client,
}

impl std::fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("host", &self.url.host_str())
            .finish_non_exhaustive()
    }
}

/// Sign `body` as Standard Webhooks does: `v1,` + base64 HMAC-SHA256 over `id.timestamp.body`.
pub fn sign(signer: &Webhook, id: &str, timestamp: i64, body: &[u8]) -> String {
    signer
        .sign(id, timestamp, body)
        .expect("JSON bodies are UTF-8")
}

/// What one delivery attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// 410 Gone: the receiver asks us to stop.
    Gone,
    /// Try again; `retry_after` when the receiver said when (429, 502, 504).
    Retry {
        retry_after: Option<Duration>,
        reason: String,
    },
}

impl WebhookEndpoint {
    pub fn new(url: Url, secret: &str) -> Result<Self, String> {
        if !secret.starts_with("whsec_") {
            return Err("the webhook secret must start with whsec_".into());
        }
        let signer = Webhook::new(secret)
            .map_err(|_| "the webhook secret is not valid base64 after whsec_".to_string())?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            // A redirect is a failure, never followed (Standard Webhooks).
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self { url, signer, http })
    }

    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or("")
    }

    /// POST one event. The `webhook-id` stays the same across attempts so receivers can dedupe.
    pub async fn attempt(&self, event_type: &str, id: &str, body: &[u8]) -> Outcome {
        let ts = unix_now() as i64;
        let res = self
            .http
            .post(self.url.clone())
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", sign(&self.signer, id, ts, body))
            .header(EVENT_HEADER, event_type)
            .body(body.to_vec())
            .send()
            .await;
        let r = match res {
            Ok(r) => r,
            Err(e) => {
                let kind = if e.is_timeout() {
                    "timed out"
                } else {
                    "could not connect"
                };
                return Outcome::Retry {
                    retry_after: None,
                    reason: kind.into(),
                };
            }
        };
        let status = r.status().as_u16();
        match status {
            200..=299 => Outcome::Delivered,
            410 => Outcome::Gone,
            _ => {
                let retry_after = matches!(status, 429 | 502 | 503 | 504)
                    .then(|| r.headers().get("retry-after"))
                    .flatten()
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                Outcome::Retry {
                    retry_after,
                    reason: format!("HTTP {status}"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published Standard Webhooks test vector.
    #[test]
    fn signer_matches_spec_test_vector() {
        let signer = Webhook::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        let body = br#"{"email":"test@example.com","username":"test_user"}"#;
        assert_eq!(
            sign(&signer, "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, body),
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
        );
    }

    #[test]
    fn rejects_secret_without_prefix() {
        let url = Url::parse("http://127.0.0.1:9/hook").unwrap();
        assert!(WebhookEndpoint::new(url.clone(), "C2FVsBQIhrscChlQIMV+b5sSYspob7oD").is_err());
        assert!(WebhookEndpoint::new(url, "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").is_ok());
    }
}
