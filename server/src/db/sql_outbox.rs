//! Outbox capability of the SQL store: events, one delivery row per endpoint.

use async_trait::async_trait;
use sqlx::Any;

use super::{DueDelivery, EventFate, NewEvent, OutboxState, OutboxStore, R, SqlStore};

/// Write an event and its deliveries inside the caller's transaction.
pub(super) async fn insert_event(tx: &mut sqlx::Transaction<'_, Any>, e: &NewEvent) -> R<()> {
    let r = &e.row;
    sqlx::query(
        "INSERT INTO webhook_outbox (id, event_type, payload, attempts, next_attempt_at, created_at, lane)
         VALUES ($1, $2, $3, 0, $4, $4, $5)",
    )
    .bind(&r.id)
    .bind(r.event_type.as_str())
    .bind(&r.payload)
    .bind(r.created_at)
    .bind(super::lane::of(r.event_type))
    .execute(&mut **tx)
    .await?;
    for endpoint in &e.endpoints {
        sqlx::query(
            "INSERT INTO webhook_deliveries (event_id, endpoint_id, attempts, next_attempt_at)
             VALUES ($1, $2, 0, $3)",
        )
        .bind(&r.id)
        .bind(endpoint)
        .bind(r.created_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[async_trait]
impl OutboxStore for SqlStore {
    async fn enqueue(&self, e: &NewEvent) -> R<()> {
        let mut tx = self.pool.begin().await?;
        insert_event(&mut tx, e).await?;
        tx.commit().await
    }

    async fn outbox_event(&self, id: &str, endpoint_id: &str) -> R<Option<OutboxState>> {
        sqlx::query_as(
            "SELECT attempts, next_attempt_at, delivered_at, failed_at, last_error
             FROM webhook_deliveries WHERE event_id = $1 AND endpoint_id = $2",
        )
        .bind(id)
        .bind(endpoint_id)
        .fetch_optional(&self.pool)
        .await
    }

    async fn claim_deliveries(
        &self,
        lane: i64,
        now_ms: i64,
        lease_until_ms: i64,
        limit: i64,
    ) -> R<Vec<DueDelivery>> {
        let due: Vec<DueDelivery> = sqlx::query_as(
            "SELECT o.id, d.endpoint_id, o.event_type, o.payload, d.attempts, d.next_attempt_at
             FROM webhook_deliveries d JOIN webhook_outbox o ON o.id = d.event_id
             WHERE d.delivered_at IS NULL AND d.failed_at IS NULL AND d.next_attempt_at <= $1
             AND o.lane = $3
             ORDER BY d.next_attempt_at, o.created_at LIMIT $2",
        )
        .bind(now_ms)
        .bind(limit)
        .bind(lane)
        .fetch_all(&self.pool)
        .await?;
        // Lease each one: a second worker (another server on the same database)
        // that read the same rows loses the race and skips them.
        let mut mine = Vec::with_capacity(due.len());
        for d in due {
            let r = sqlx::query(
                "UPDATE webhook_deliveries SET next_attempt_at = $1
                 WHERE event_id = $2 AND endpoint_id = $3 AND next_attempt_at = $4
                 AND delivered_at IS NULL AND failed_at IS NULL",
            )
            .bind(lease_until_ms)
            .bind(&d.id)
            .bind(&d.endpoint_id)
            .bind(d.next_attempt_at)
            .execute(&self.pool)
            .await?;
            if r.rows_affected() == 1 {
                mine.push(d);
            }
        }
        Ok(mine)
    }

    async fn settle_delivery(
        &self,
        id: &str,
        endpoint_id: &str,
        attempts: i64,
        now_ms: i64,
        fate: EventFate<'_>,
    ) -> R<()> {
        let (next, delivered, failed, err) = match fate {
            EventFate::Delivered => (None, Some(now_ms), None, None),
            EventFate::Retry { next_ms, error } => (Some(next_ms), None, None, Some(error)),
            EventFate::Failed { error } => (None, None, Some(now_ms), Some(error)),
        };
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = $1,
             next_attempt_at = COALESCE($2, next_attempt_at),
             delivered_at = $3, failed_at = $4, last_error = $5
             WHERE event_id = $6 AND endpoint_id = $7",
        )
        .bind(attempts)
        .bind(next)
        .bind(delivered)
        .bind(failed)
        .bind(err)
        .bind(id)
        .bind(endpoint_id)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    async fn disable_endpoint(&self, endpoint_id: &str, now_ms: i64, reason: &str) -> R<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO webhook_endpoints (id, disabled_at, disabled_reason) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET disabled_at = $2, disabled_reason = $3",
        )
        .bind(endpoint_id)
        .bind(now_ms)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE webhook_deliveries SET failed_at = $1, last_error = $2
             WHERE endpoint_id = $3 AND delivered_at IS NULL AND failed_at IS NULL",
        )
        .bind(now_ms)
        .bind(format!("endpoint disabled: {reason}"))
        .bind(endpoint_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    async fn endpoint_disabled(&self, endpoint_id: &str) -> R<Option<String>> {
        let row: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT disabled_reason FROM webhook_endpoints WHERE id = $1 AND disabled_at IS NOT NULL",
        )
        .bind(endpoint_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.0.unwrap_or_default()))
    }

    async fn purge_events(&self, before_ms: i64) -> R<u64> {
        let mut tx = self.pool.begin().await?;
        let open = "SELECT event_id FROM webhook_deliveries
                    WHERE delivered_at IS NULL AND failed_at IS NULL";
        sqlx::query(&format!(
            "DELETE FROM webhook_deliveries WHERE event_id IN
             (SELECT id FROM webhook_outbox WHERE created_at < $1) AND event_id NOT IN ({open})"
        ))
        .bind(before_ms)
        .execute(&mut *tx)
        .await?;
        let r = sqlx::query(
            "DELETE FROM webhook_outbox WHERE created_at < $1
             AND id NOT IN (SELECT event_id FROM webhook_deliveries)",
        )
        .bind(before_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(r.rows_affected())
    }
}
