//! The durable webhook outbox. Events are written in the same transaction as the
//! state change that causes them, with one delivery per configured endpoint; a
//! worker delivers what is due, retries on the Standard Webhooks schedule, honours
//! `Retry-After`, disables an endpoint that answers 410, and picks up where it left
//! off after a restart.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use vidreply_core::RetrySchedule;
use vidreply_core::vocab::WebhookEvent;

use crate::clock::unix_now_ms;
use crate::db::{Db, DueDelivery, EventFate, NewEvent, OutboxRow, lane};
use crate::webhook::{Outcome, WebhookEndpoint};

/// How often the worker looks for due events when nothing wakes it.
const POLL: Duration = Duration::from_secs(1);
/// Deliveries handled per round.
const BATCH: i64 = 20;
/// A claimed delivery is ours for the attempt's timeout plus this margin; if this
/// process dies mid-attempt, a worker retries it once the lease ends.
const LEASE_MARGIN: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct Outbox {
    db: Db,
    endpoints: Arc<HashMap<String, Arc<WebhookEndpoint>>>,
    /// Delay before attempt n+1 after attempt n failed; its length bounds the attempts.
    schedule: Arc<RetrySchedule>,
    lease: Duration,
    /// One per lane.
    wake: Arc<[Notify; 2]>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("endpoints", &self.endpoints.values().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Outbox {
    /// `schedule` is the Standard Webhooks list of delays in seconds; the first is
    /// the delay of the first attempt (normally 0).
    pub fn new(db: Db, endpoints: Vec<WebhookEndpoint>, schedule: &[u64]) -> Self {
        // Up to 10% later, never earlier: endpoints that recover do not get
        // every queued event in the same second.
        let schedule = RetrySchedule::from_webhook_seconds(schedule, 0.1);
        let lease = endpoints
            .iter()
            .map(WebhookEndpoint::timeout)
            .max()
            .unwrap_or_default()
            + LEASE_MARGIN;
        let endpoints = endpoints
            .into_iter()
            .map(|e| (e.id().to_string(), Arc::new(e)))
            .collect();
        Self {
            db,
            endpoints: Arc::new(endpoints),
            schedule: Arc::new(schedule),
            lease,
            wake: Arc::default(),
        }
    }

    /// A new event for every configured endpoint, ready to be written with the
    /// state change that causes it.
    pub fn event<T: Serialize>(&self, event_type: WebhookEvent, payload: &T) -> NewEvent {
        let mut endpoints: Vec<String> = self.endpoints.keys().cloned().collect();
        endpoints.sort();
        NewEvent {
            row: OutboxRow {
                id: format!("msg_{}", uuid::Uuid::new_v4().simple()),
                event_type,
                payload: serde_json::to_string(payload).expect("payload serialises"),
                created_at: unix_now_ms() as i64,
            },
            endpoints,
        }
    }

    /// Queue an event that goes with no other state change, and wake the worker.
    pub async fn emit<T: Serialize>(
        &self,
        event_type: WebhookEvent,
        payload: &T,
    ) -> Result<String, sqlx::Error> {
        let e = self.event(event_type, payload);
        self.db.enqueue(&e).await?;
        tracing::info!(webhook_id = %e.row.id, %event_type, "event queued");
        self.notify();
        Ok(e.row.id)
    }

    /// Tell the workers something was committed.
    pub fn notify(&self) {
        self.wake.iter().for_each(Notify::notify_one);
    }

    /// Run the delivery workers until `stop` is cancelled, one per lane, so events
    /// made by viewers' telemetry never wait in front of a conversation's own; the
    /// round in progress finishes first, so no attempt is cut off between sending
    /// and recording it.
    pub fn spawn_until(self, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let workers = lane::ALL.map(|l| self.clone().lane_worker(l, stop.clone()));
            futures_util::future::join_all(workers).await;
        })
    }

    async fn lane_worker(self, lane: i64, stop: CancellationToken) {
        while !stop.is_cancelled() {
            match self.deliver_lane(lane).await {
                Ok(n) if n as i64 == BATCH => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, lane, "webhook outbox: database error"),
            }
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = tokio::time::timeout(POLL, self.wake[lane as usize].notified()) => {}
            }
        }
    }

    /// Attempt every delivery that is due now, lane by lane; returns how many were
    /// attempted.
    pub async fn deliver_due(&self) -> Result<usize, sqlx::Error> {
        let mut n = 0;
        for l in lane::ALL {
            n += self.deliver_lane(l).await?;
        }
        Ok(n)
    }

    /// Attempt the deliveries of one lane that are due now.
    pub async fn deliver_lane(&self, lane: i64) -> Result<usize, sqlx::Error> {
        let now = unix_now_ms() as i64;
        let lease = now + self.lease.as_millis() as i64;
        let due = self.db.claim_deliveries(lane, now, lease, BATCH).await?;
        for d in &due {
            self.deliver(d).await?;
        }
        Ok(due.len())
    }

    async fn deliver(&self, d: &DueDelivery) -> Result<(), sqlx::Error> {
        let attempts = d.attempts + 1;
        let settle = |fate| {
            let now = unix_now_ms() as i64;
            self.db
                .settle_delivery(&d.id, &d.endpoint_id, attempts, now, fate)
        };
        let Some(endpoint) = self.endpoints.get(&d.endpoint_id) else {
            tracing::warn!(webhook_id = %d.id, endpoint = %d.endpoint_id, "webhook endpoint no longer configured; delivery dropped");
            return settle(EventFate::Failed {
                error: "endpoint no longer configured",
            })
            .await;
        };
        if let Some(reason) = self.db.endpoint_disabled(&d.endpoint_id).await? {
            return settle(EventFate::Failed { error: &reason }).await;
        }
        let host = endpoint.host();
        let outcome = endpoint
            .attempt(&d.event_type, &d.id, d.payload.as_bytes())
            .await;
        crate::metrics::webhook_attempt(&outcome);
        match outcome {
            Outcome::Delivered => {
                tracing::info!(webhook_id = %d.id, endpoint = %d.endpoint_id, event_type = %d.event_type, attempts, %host, "webhook delivered");
                settle(EventFate::Delivered).await
            }
            Outcome::Gone => {
                tracing::warn!(webhook_id = %d.id, endpoint = %d.endpoint_id, %host, "webhook endpoint answered 410 Gone; endpoint disabled");
                settle(EventFate::Failed { error: "410 Gone" }).await?;
                let now = unix_now_ms() as i64;
                self.db
                    .disable_endpoint(&d.endpoint_id, now, "answered 410 Gone")
                    .await
            }
            Outcome::Retry {
                retry_after,
                reason,
            } => {
                // Retry-After is a minimum.
                let at_least = retry_after.map_or(0, |r| r.as_millis() as u64);
                let unit = rand::random::<f64>();
                let next = self.schedule.next_delay_ms(attempts as u32, at_least, unit);
                let Some(wait) = next.map(Duration::from_millis) else {
                    tracing::error!(webhook_id = %d.id, endpoint = %d.endpoint_id, attempts, %reason, "webhook delivery gave up");
                    return settle(EventFate::Failed { error: &reason }).await;
                };
                tracing::warn!(webhook_id = %d.id, endpoint = %d.endpoint_id, attempts, %reason, retry_in_s = wait.as_secs(), "webhook attempt failed");
                let next_ms = unix_now_ms() as i64 + wait.as_millis() as i64;
                settle(EventFate::Retry {
                    next_ms,
                    error: &reason,
                })
                .await
            }
        }
    }
}
