//! The durable webhook outbox. Events are written in the same transaction as the
//! state change that causes them; a worker delivers what is due, retries on the
//! Standard Webhooks schedule, and picks up where it left off after a restart.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::clock::unix_now_ms;
use crate::db::{Db, EventFate, OutboxRow};
use crate::webhook::{Outcome, WebhookEndpoint};

/// How often the worker looks for due events when nothing wakes it.
const POLL: Duration = Duration::from_secs(1);
/// Events handled per round.
const BATCH: i64 = 20;

/// A new event, ready to be written with the state change that causes it.
pub fn event<T: Serialize>(event_type: &str, payload: &T) -> OutboxRow {
    OutboxRow {
        id: format!("msg_{}", uuid::Uuid::new_v4().simple()),
        event_type: event_type.to_string(),
        payload: serde_json::to_string(payload).expect("payload serialises"),
        attempts: 0,
        next_attempt_at: unix_now_ms() as i64,
    }
}

#[derive(Clone)]
pub struct Outbox {
    db: Db,
    endpoint: Arc<WebhookEndpoint>,
    /// Delay before attempt n+1 after attempt n failed; its length bounds the attempts.
    schedule: Arc<Vec<Duration>>,
    wake: Arc<Notify>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl Outbox {
    /// `schedule` is the Standard Webhooks list of delays in seconds; the first is
    /// the delay of the first attempt (normally 0).
    pub fn new(db: Db, endpoint: WebhookEndpoint, schedule: &[u64]) -> Self {
        let schedule = schedule
            .iter()
            .skip(1)
            .map(|s| Duration::from_secs(*s))
            .collect();
        Self {
            db,
            endpoint: Arc::new(endpoint),
            schedule: Arc::new(schedule),
            wake: Arc::default(),
        }
    }

    /// Tell the worker something was committed.
    pub fn notify(&self) {
        self.wake.notify_one();
    }

    /// Run the delivery worker until the process ends.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        self.spawn_until(CancellationToken::new())
    }

    /// Run the delivery worker until `stop` is cancelled; the round in progress
    /// finishes first, so no attempt is cut off between sending and recording it.
    pub fn spawn_until(self, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            while !stop.is_cancelled() {
                match self.deliver_due().await {
                    Ok(n) if n as i64 == BATCH => continue,
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "webhook outbox: database error"),
                }
                tokio::select! {
                    _ = stop.cancelled() => {}
                    _ = tokio::time::timeout(POLL, self.wake.notified()) => {}
                }
            }
        })
    }

    /// Attempt every event that is due now; returns how many were attempted.
    pub async fn deliver_due(&self) -> Result<usize, sqlx::Error> {
        let due = self.db.due_events(unix_now_ms() as i64, BATCH).await?;
        for ev in &due {
            self.deliver(ev).await?;
        }
        Ok(due.len())
    }

    async fn deliver(&self, ev: &OutboxRow) -> Result<(), sqlx::Error> {
        let host = self.endpoint.host();
        let outcome = self
            .endpoint
            .attempt(&ev.event_type, &ev.id, ev.payload.as_bytes())
            .await;
        crate::metrics::webhook_attempt(&outcome);
        let now = unix_now_ms() as i64;
        let attempts = ev.attempts + 1;
        match outcome {
            Outcome::Delivered => {
                tracing::info!(webhook_id = %ev.id, event_type = %ev.event_type, attempts, %host, "webhook delivered");
                self.db
                    .settle_event(&ev.id, attempts, now, EventFate::Delivered)
                    .await
            }
            Outcome::Gone => {
                tracing::warn!(webhook_id = %ev.id, %host, "webhook endpoint answered 410 Gone; event dropped");
                let fate = EventFate::Failed { error: "410 Gone" };
                self.db.settle_event(&ev.id, attempts, now, fate).await
            }
            Outcome::Retry {
                retry_after,
                reason,
            } => {
                let Some(delay) = self.schedule.get(ev.attempts as usize) else {
                    tracing::error!(webhook_id = %ev.id, attempts, %reason, "webhook delivery gave up");
                    let fate = EventFate::Failed { error: &reason };
                    return self.db.settle_event(&ev.id, attempts, now, fate).await;
                };
                let wait = retry_after.map_or(*delay, |r| r.max(*delay));
                tracing::warn!(webhook_id = %ev.id, attempts, %reason, retry_in_s = wait.as_secs(), "webhook attempt failed");
                let next = now + wait.as_millis() as i64;
                let fate = EventFate::Retry {
                    next_ms: next,
                    error: &reason,
                };
                self.db.settle_event(&ev.id, attempts, now, fate).await
            }
        }
    }
}
