//! Standard Webhooks: one endpoint, signed with its `whsec_` secrets (several during a
//! key rotation: one signature each, space-separated), one attempt at a time.
//! Retrying, and surviving restarts, is the outbox's job (`outbox.rs`).

use std::time::Duration;

use standardwebhooks::Webhook;
use url::Url;

use crate::clock::unix_now;

/// Header naming the event type; the body is the event payload itself.
pub const EVENT_HEADER: &str = "x-vidreply-event";

pub struct WebhookEndpoint {
    id: String,
    url: Url,
    /// Newest first; every one signs each delivery while a rotation is under way.
    signers: Vec<Webhook>,
    http: reqwest::Client,
    timeout: Duration,
}

/// How long one attempt may take before it counts as failed.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(timeout)
        // A redirect is a failure, never followed (Standard Webhooks).
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())
}

impl std::fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("id", &self.id)
            .field("host", &self.url.host_str())
            .field("secrets", &self.signers.len())
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
    /// An endpoint signed with every secret in `secrets` (newest first).
    pub fn new(id: &str, url: Url, secrets: &[&str]) -> Result<Self, String> {
        if secrets.is_empty() {
            return Err(format!(
                "webhook endpoint {id} needs at least one whsec_ secret"
            ));
        }
        let signers = secrets
            .iter()
            .map(|secret| {
                if !secret.starts_with("whsec_") {
                    return Err(format!(
                        "webhook endpoint {id}: secrets must start with whsec_"
                    ));
                }
                Webhook::new(secret).map_err(|_| {
                    format!("webhook endpoint {id}: a secret is not valid base64 after whsec_")
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            id: id.to_string(),
            url,
            signers,
            http: client(DEFAULT_TIMEOUT)?,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// Give up on an attempt after `timeout` (a failure, retried on the schedule).
    pub fn with_timeout(mut self, timeout: Duration) -> Result<Self, String> {
        self.http = client(timeout)?;
        self.timeout = timeout;
        Ok(self)
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The `webhook-signature` header: one `v1,…` entry per secret.
    pub fn signature(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        self.signers
            .iter()
            .map(|s| sign(s, id, timestamp, body))
            .collect::<Vec<_>>()
            .join(" ")
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
            .header("webhook-signature", self.signature(id, ts, body))
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
        let bare = "C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
        let good = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
        assert!(WebhookEndpoint::new("a", url.clone(), &[bare]).is_err());
        assert!(WebhookEndpoint::new("a", url.clone(), &[good, bare]).is_err());
        assert!(WebhookEndpoint::new("a", url.clone(), &[]).is_err());
        assert!(WebhookEndpoint::new("a", url, &[good]).is_ok());
    }

    /// During a rotation every secret signs: a receiver holding either one verifies.
    #[test]
    fn rotation_signs_with_every_secret() {
        let url = Url::parse("http://127.0.0.1:9/hook").unwrap();
        let old = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
        let new = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let ep = WebhookEndpoint::new("crm", url, &[new, old]).unwrap();
        let body = br#"{"email":"test@example.com","username":"test_user"}"#;
        let header = ep.signature("msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, body);
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1], "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
        assert_ne!(parts[0], parts[1]);
    }
}
