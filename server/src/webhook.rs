//! Standard Webhooks delivery: signed with a `whsec_` secret, retried on a schedule.
//!
//! This first version retries in memory; the durable outbox (issue 5) replaces
//! the in-memory queue without changing the signing or the payload.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use standardwebhooks::Webhook;
use url::Url;

use crate::clock::unix_now;

/// Header naming the event type; the body is the event payload itself.
pub const EVENT_HEADER: &str = "x-vidreply-event";

#[derive(Clone)]
pub struct WebhookSender {
    inner: Arc<Inner>,
}

struct Inner {
    url: Url,
    signer: Webhook,
    schedule: Vec<Duration>,
    http: reqwest::Client,
}

impl std::fmt::Debug for WebhookSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSender")
            .field("host", &self.inner.url.host_str())
            .finish_non_exhaustive()
    }
}

/// Sign `body` as Standard Webhooks does: `v1,` + base64 HMAC-SHA256 over `id.timestamp.body`.
pub fn sign(signer: &Webhook, id: &str, timestamp: i64, body: &[u8]) -> String {
    signer
        .sign(id, timestamp, body)
        .expect("JSON bodies are UTF-8")
}

impl WebhookSender {
    pub fn new(url: Url, secret: &str, schedule: &[u64]) -> Result<Self, String> {
        if !secret.starts_with("whsec_") {
            return Err("the webhook secret must start with whsec_".into());
        }
        let signer = Webhook::new(secret)
            .map_err(|_| "the webhook secret is not valid base64 after whsec_".to_string())?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        let schedule = if schedule.is_empty() {
            vec![0]
        } else {
            schedule.to_vec()
        };
        let schedule = schedule.into_iter().map(Duration::from_secs).collect();
        Ok(Self {
            inner: Arc::new(Inner {
                url,
                signer,
                schedule,
                http,
            }),
        })
    }

    /// Queue one event for delivery; returns its `webhook-id`.
    pub fn send<T: Serialize>(&self, event_type: &'static str, payload: &T) -> String {
        let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
        let body = serde_json::to_vec(payload).expect("payload serialises");
        let inner = self.inner.clone();
        let msg_id = id.clone();
        tokio::spawn(async move { inner.deliver(event_type, &msg_id, body).await });
        id
    }
}

enum Outcome {
    Delivered,
    Gone,
    RetryAfter(Option<Duration>),
}

impl Inner {
    async fn deliver(&self, event_type: &'static str, id: &str, body: Vec<u8>) {
        let host = self.url.host_str().unwrap_or("").to_string();
        for (attempt, delay) in self.schedule.iter().enumerate() {
            tokio::time::sleep(*delay).await;
            match self.attempt(event_type, id, &body).await {
                Outcome::Delivered => {
                    tracing::info!(webhook_id = id, event_type, attempt, %host, "webhook delivered");
                    return;
                }
                Outcome::Gone => {
                    tracing::warn!(webhook_id = id, %host, "webhook endpoint answered 410 Gone; not retrying");
                    return;
                }
                Outcome::RetryAfter(Some(wait)) => {
                    tokio::time::sleep(wait.min(Duration::from_secs(3600))).await
                }
                Outcome::RetryAfter(None) => {}
            }
        }
        tracing::error!(webhook_id = id, event_type, %host, "webhook delivery gave up");
    }

    async fn attempt(&self, event_type: &'static str, id: &str, body: &[u8]) -> Outcome {
        let ts = unix_now() as i64;
        let signature = sign(&self.signer, id, ts, body);
        let res = self
            .http
            .post(self.url.clone())
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", signature)
            .header(EVENT_HEADER, event_type)
            .body(body.to_vec())
            .send()
            .await;
        match res {
            Ok(r) if r.status().is_success() => Outcome::Delivered,
            Ok(r) if r.status().as_u16() == 410 => Outcome::Gone,
            Ok(r) => {
                let retry_after = r
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .map(Duration::from_secs);
                tracing::warn!(
                    webhook_id = id,
                    status = r.status().as_u16(),
                    "webhook attempt failed"
                );
                Outcome::RetryAfter(retry_after)
            }
            Err(e) => {
                tracing::warn!(
                    webhook_id = id,
                    timeout = e.is_timeout(),
                    "webhook attempt could not connect"
                );
                Outcome::RetryAfter(None)
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
        assert!(WebhookSender::new(url.clone(), "C2FVsBQIhrscChlQIMV+b5sSYspob7oD", &[0]).is_err());
        assert!(WebhookSender::new(url, "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", &[0]).is_ok());
    }
}
