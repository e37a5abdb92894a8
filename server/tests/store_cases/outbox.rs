//! Outbox cases: one delivery per endpoint, leases, settling, disabling, purging.

use vidreply_server::db::{Db, EventFate, NewEvent, OutboxRow, lane};

fn event(id: &str, at: i64, endpoints: &[&str]) -> NewEvent {
    typed(id, "video.received", at, endpoints)
}

fn typed(id: &str, kind: &str, at: i64, endpoints: &[&str]) -> NewEvent {
    NewEvent {
        row: OutboxRow {
            id: id.into(),
            event_type: kind.parse().expect("a webhook event"),
            payload: r#"{"conversationId":"c-ü"}"#.into(),
            created_at: at,
        },
        endpoints: endpoints.iter().map(|s| s.to_string()).collect(),
    }
}

/// Viewers' events wait in their own lane: a flood of them, older and due, is never
/// claimed by the conversation lane's worker, and the other way round.
async fn lanes(db: &Db) {
    let base = 20_000_000;
    for i in 0..30 {
        let kind = if i % 2 == 0 {
            "video.viewed"
        } else {
            "context.message"
        };
        db.enqueue(&typed(&format!("msg_t{i}"), kind, base + i, &["crm"]))
            .await
            .unwrap();
    }
    db.enqueue(&typed("msg_r", "video.received", base + 100, &["crm"]))
        .await
        .unwrap();
    let now = base + 1_000;
    let first = db
        .claim_deliveries(lane::CONVERSATION, now, now + 60_000, 5)
        .await
        .unwrap();
    let ids: Vec<&str> = first.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(
        ids,
        ["msg_r"],
        "the reply is not behind 30 older viewer events"
    );
    let viewers = db
        .claim_deliveries(lane::TELEMETRY, now, now + 60_000, 100)
        .await
        .unwrap();
    assert_eq!(viewers.len(), 30);
    assert!(viewers.iter().all(|d| d.id.starts_with("msg_t")));
    for d in first.iter().chain(&viewers) {
        db.settle_delivery(&d.id, &d.endpoint_id, 1, now, EventFate::Delivered)
            .await
            .unwrap();
    }
}

pub async fn run_all(db: &Db) {
    lanes(db).await;
    let base = 10_000_000;
    db.enqueue(&event("msg_a", base, &["crm", "bi"]))
        .await
        .unwrap();
    db.enqueue(&event("msg_b", base + 1, &["crm"]))
        .await
        .unwrap();
    assert!(
        db.enqueue(&event("msg_a", base, &["crm"])).await.is_err(),
        "ids are unique"
    );

    // Nothing is due before its time.
    assert!(
        db.claim_deliveries(lane::CONVERSATION, base - 1, base + 60_000, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let claimed = db
        .claim_deliveries(lane::CONVERSATION, base + 5, base + 60_000, 10)
        .await
        .unwrap();
    let mut got: Vec<(String, String)> = claimed
        .iter()
        .map(|d| (d.id.clone(), d.endpoint_id.clone()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("msg_a".into(), "bi".into()),
            ("msg_a".into(), "crm".into()),
            ("msg_b".into(), "crm".into())
        ]
    );
    assert_eq!(claimed[0].payload, r#"{"conversationId":"c-ü"}"#);
    // Leased: a second worker gets nothing until the lease ends.
    assert!(
        db.claim_deliveries(lane::CONVERSATION, base + 6, base + 60_000, 10)
            .await
            .unwrap()
            .is_empty()
    );

    db.settle_delivery("msg_a", "crm", 1, base + 7, EventFate::Delivered)
        .await
        .unwrap();
    let retry = EventFate::Retry {
        next_ms: base + 100,
        error: "HTTP 503",
    };
    db.settle_delivery("msg_a", "bi", 1, base + 7, retry)
        .await
        .unwrap();
    let st = db.outbox_event("msg_a", "crm").await.unwrap().unwrap();
    assert_eq!((st.attempts, st.delivered_at), (1, Some(base + 7)));
    let st = db.outbox_event("msg_a", "bi").await.unwrap().unwrap();
    assert_eq!(st.next_attempt_at, base + 100);
    assert_eq!(st.last_error.as_deref(), Some("HTTP 503"));
    assert!(st.delivered_at.is_none() && st.failed_at.is_none());

    // Delivered ones never come back; the retried one does, at its time.
    let again = db
        .claim_deliveries(lane::CONVERSATION, base + 100, base + 200, 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(
        (
            again[0].id.as_str(),
            again[0].endpoint_id.as_str(),
            again[0].attempts
        ),
        ("msg_a", "bi", 1)
    );

    // An endpoint that answered 410 is disabled: its pending deliveries fail, others stay.
    assert!(db.endpoint_disabled("crm").await.unwrap().is_none());
    db.disable_endpoint("crm", base + 300, "answered 410 Gone")
        .await
        .unwrap();
    assert_eq!(
        db.endpoint_disabled("crm").await.unwrap().as_deref(),
        Some("answered 410 Gone")
    );
    let st = db.outbox_event("msg_b", "crm").await.unwrap().unwrap();
    assert_eq!(st.failed_at, Some(base + 300));
    let st = db.outbox_event("msg_a", "crm").await.unwrap().unwrap();
    assert_eq!(
        st.delivered_at,
        Some(base + 7),
        "a delivered event stays delivered"
    );
    assert!(
        db.outbox_event("msg_a", "bi")
            .await
            .unwrap()
            .unwrap()
            .failed_at
            .is_none()
    );

    // Purging keeps events with a delivery still pending.
    assert_eq!(
        db.purge_events(base + 1_000).await.unwrap(),
        1,
        "msg_b is settled everywhere"
    );
    assert!(db.outbox_event("msg_b", "crm").await.unwrap().is_none());
    assert!(db.outbox_event("msg_a", "bi").await.unwrap().is_some());
    db.settle_delivery(
        "msg_a",
        "bi",
        2,
        base + 400,
        EventFate::Failed { error: "gave up" },
    )
    .await
    .unwrap();
    assert_eq!(db.purge_events(base + 1_000).await.unwrap(), 1);
    assert!(db.outbox_event("msg_a", "bi").await.unwrap().is_none());
}
