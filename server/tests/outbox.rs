//! The durable webhook outbox against a real HTTP receiver on 127.0.0.1.

mod outbox_support;

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use outbox_support::*;
use tempfile::TempDir;
use url::Url;
use vidreply_server::clock::unix_now_ms;
use vidreply_server::outbox::Outbox;
use vidreply_server::webhook::WebhookEndpoint;

#[tokio::test]
async fn receiver_down_then_up_gets_each_event_once_with_a_stable_id() {
    let dir = TempDir::new().unwrap();
    let db = db(&dir).await;
    // Find a free port, then leave it closed: the receiver is down.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = Url::parse(&format!("http://127.0.0.1:{port}/hook")).unwrap();
    let outbox = Outbox::new(db.clone(), endpoint(url), &[0, 1, 1, 1, 1]);
    let (a, b) = (received(&outbox, "a"), received(&outbox, "b"));
    db.enqueue(&a).await.unwrap();
    db.enqueue(&b).await.unwrap();
    assert_eq!(outbox.deliver_due().await.unwrap(), 2);
    let st = state(&db, &a).await;
    assert_eq!((st.attempts, st.delivered_at), (1, None));
    assert!(
        st.next_attempt_at > unix_now_ms() as i64 - 100,
        "rescheduled, not dropped"
    );
    assert_eq!(
        outbox.deliver_due().await.unwrap(),
        0,
        "nothing due before the backoff"
    );

    // The receiver comes up; the next due round delivers both, once each.
    let (_, rx, _h) = receiver(port, vec![]).await;
    run_until(&outbox, &db, &b, 50, |s| s.delivered_at.is_some()).await;
    run_until(&outbox, &db, &a, 50, |s| s.delivered_at.is_some()).await;
    for _ in 0..3 {
        outbox.deliver_due().await.unwrap();
    }
    let mut ids: Vec<String> = rx.requests().into_iter().map(|(id, _)| id).collect();
    ids.sort();
    let mut want = vec![a.row.id.clone(), b.row.id.clone()];
    want.sort();
    assert_eq!(ids, want, "each event delivered exactly once");
}

#[tokio::test]
async fn retries_keep_the_webhook_id_and_honour_retry_after() {
    let dir = TempDir::new().unwrap();
    let db = db(&dir).await;
    let slow = (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "3")]).into_response();
    let (url, rx, _h) = receiver(
        0,
        vec![StatusCode::INTERNAL_SERVER_ERROR.into_response(), slow],
    )
    .await;
    let outbox = Outbox::new(db.clone(), endpoint(url), &[0, 1, 1, 1]);
    let e = received(&outbox, "c");
    db.enqueue(&e).await.unwrap();
    run_until(&outbox, &db, &e, 50, |s| s.attempts == 2).await;
    let st = state(&db, &e).await;
    assert_eq!(st.last_error.as_deref(), Some("HTTP 429"));
    // Retry-After (3 s) wins over the schedule's 1 s.
    assert!(st.next_attempt_at >= unix_now_ms() as i64 + 2_000, "{st:?}");
    run_until(&outbox, &db, &e, 100, |s| s.delivered_at.is_some()).await;
    let ids: Vec<String> = rx.requests().into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        ids,
        vec![e.row.id.clone(); 3],
        "the same webhook-id on every attempt"
    );
}

#[tokio::test]
async fn gone_stops_and_redirects_are_failures() {
    let dir = TempDir::new().unwrap();
    let db = db(&dir).await;
    let moved = (StatusCode::MOVED_PERMANENTLY, [("location", "/moved")]).into_response();
    let (url, rx, _h) = receiver(0, vec![moved, StatusCode::GONE.into_response()]).await;
    let outbox = Outbox::new(db.clone(), endpoint(url), &[0, 1, 1, 1]);
    let e = received(&outbox, "d");
    db.enqueue(&e).await.unwrap();
    run_until(&outbox, &db, &e, 5, |s| s.attempts == 1).await;
    let st = state(&db, &e).await;
    assert_eq!(
        (st.delivered_at, st.last_error.as_deref()),
        (None, Some("HTTP 301")),
        "a redirect is not delivery"
    );
    run_until(&outbox, &db, &e, 50, |s| s.failed_at.is_some()).await;
    assert_eq!(state(&db, &e).await.last_error.as_deref(), Some("410 Gone"));
    outbox.deliver_due().await.unwrap();
    assert_eq!(
        rx.requests().len(),
        2,
        "nothing after 410, and the redirect was not followed"
    );
}

#[tokio::test]
async fn gives_up_after_the_schedule_with_the_reason() {
    let dir = TempDir::new().unwrap();
    let db = db(&dir).await;
    let fails = (0..5)
        .map(|_| StatusCode::SERVICE_UNAVAILABLE.into_response())
        .collect();
    let (url, rx, _h) = receiver(0, fails).await;
    let outbox = Outbox::new(db.clone(), endpoint(url), &[0, 1]);
    let e = received(&outbox, "e");
    db.enqueue(&e).await.unwrap();
    run_until(&outbox, &db, &e, 50, |s| s.failed_at.is_some()).await;
    let st = state(&db, &e).await;
    assert_eq!(
        (st.attempts, st.last_error.as_deref()),
        (2, Some("HTTP 503"))
    );
    assert_eq!(rx.requests().len(), 2);
}

#[tokio::test]
async fn nothing_is_lost_across_a_restart() {
    let dir = TempDir::new().unwrap();
    let (url, rx, _h) = receiver(0, vec![]).await;
    let e = {
        // The process queues an event and dies before delivering it.
        let db = db(&dir).await;
        let outbox = Outbox::new(db.clone(), endpoint(url.clone()), &[0, 1]);
        let e = received(&outbox, "f");
        db.enqueue(&e).await.unwrap();
        e
    };
    let db = db(&dir).await;
    let outbox = Outbox::new(db.clone(), endpoint(url), &[0, 1]);
    let stop = tokio_util::sync::CancellationToken::new();
    outbox.clone().spawn_until(stop.clone());
    outbox.notify();
    let got = wait_requests(&rx, 1).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, e.row.id);
    assert_eq!(
        got[0].1, e.row.payload,
        "the body is exactly the queued payload"
    );
}

#[tokio::test]
async fn a_restart_mid_delivery_delivers_after_the_lease() {
    let dir = TempDir::new().unwrap();
    let (url, rx, _h) = receiver(0, vec![]).await;
    let slow = url.join("/slow").unwrap();
    let ep = |u: Url| {
        vec![
            WebhookEndpoint::new("default", u, &[SECRET])
                .unwrap()
                .with_timeout(Duration::from_secs(1))
                .unwrap(),
        ]
    };
    let e = {
        let db = db(&dir).await;
        let outbox = Outbox::new(db.clone(), ep(slow), &[0, 1]);
        let e = received(&outbox, "g");
        db.enqueue(&e).await.unwrap();
        // The process dies while the receiver is still answering.
        let attempt = tokio::spawn({
            let outbox = outbox.clone();
            async move { outbox.deliver_due().await }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        attempt.abort();
        e
    };
    let db = db(&dir).await;
    let outbox = Outbox::new(db.clone(), ep(url), &[0, 1]);
    let st = state(&db, &e).await;
    assert!(
        st.delivered_at.is_none() && st.failed_at.is_none(),
        "{st:?}"
    );
    assert_eq!(
        outbox.deliver_due().await.unwrap(),
        0,
        "still leased to the dead process"
    );
    run_until(&outbox, &db, &e, 60, |s| s.delivered_at.is_some()).await;
    let ids: Vec<String> = rx.requests().into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, vec![e.row.id.clone()]);
}

#[tokio::test]
async fn a_timeout_is_a_failure_that_is_retried() {
    let dir = TempDir::new().unwrap();
    let db = db(&dir).await;
    let (url, rx, _h) = receiver(0, vec![]).await;
    let ep = WebhookEndpoint::new("default", url.join("/slow").unwrap(), &[SECRET])
        .unwrap()
        .with_timeout(Duration::from_millis(500))
        .unwrap();
    let outbox = Outbox::new(db.clone(), vec![ep], &[0, 60]);
    let e = received(&outbox, "h");
    db.enqueue(&e).await.unwrap();
    outbox.deliver_due().await.unwrap();
    let st = state(&db, &e).await;
    assert_eq!(
        (st.attempts, st.last_error.as_deref()),
        (1, Some("timed out"))
    );
    assert!(st.delivered_at.is_none() && st.failed_at.is_none());
    assert!(
        st.next_attempt_at >= unix_now_ms() as i64 + 50_000,
        "retried on the schedule"
    );
    assert!(rx.requests().is_empty());
}

#[tokio::test]
async fn every_endpoint_gets_each_event_signed_with_its_own_secrets() {
    let dir = TempDir::new().unwrap();
    let db = db(&dir).await;
    let (url_a, rx_a, _ha) = receiver(0, vec![]).await;
    // B is mid-rotation: we sign with both; its receiver still only knows the old key.
    let (url_b, rx_b, _hb) = receiver_with(0, SECRET_OLD, vec![]).await;
    let endpoints = vec![
        WebhookEndpoint::new("crm", url_a, &[SECRET]).unwrap(),
        WebhookEndpoint::new("bi", url_b, &[SECRET_NEW, SECRET_OLD]).unwrap(),
    ];
    let outbox = Outbox::new(db.clone(), endpoints, &[0, 1]);
    let e = received(&outbox, "i");
    assert_eq!(e.endpoints, vec!["bi".to_string(), "crm".to_string()]);
    db.enqueue(&e).await.unwrap();
    for _ in 0..3 {
        outbox.deliver_due().await.unwrap();
    }
    // Each receiver asserts the signature verifies with the secret it holds.
    assert_eq!(rx_a.requests().len(), 1);
    assert_eq!(rx_b.requests().len(), 1);
    assert_eq!(
        rx_a.requests()[0].0,
        rx_b.requests()[0].0,
        "one webhook-id per event"
    );
    for ep in ["crm", "bi"] {
        let st = db.outbox_event(&e.row.id, ep).await.unwrap().unwrap();
        assert!(st.delivered_at.is_some(), "{ep}: {st:?}");
    }
}

#[tokio::test]
async fn an_endpoint_that_answers_gone_is_disabled_and_others_go_on() {
    let dir = TempDir::new().unwrap();
    let db = db(&dir).await;
    let (gone_url, gone_rx, _hg) = receiver(0, vec![StatusCode::GONE.into_response()]).await;
    let (ok_url, ok_rx, _ho) = receiver(0, vec![]).await;
    let endpoints = vec![
        WebhookEndpoint::new("old", gone_url, &[SECRET]).unwrap(),
        WebhookEndpoint::new("new", ok_url, &[SECRET]).unwrap(),
    ];
    let outbox = Outbox::new(db.clone(), endpoints, &[0, 1]);
    let first = received(&outbox, "j1");
    db.enqueue(&first).await.unwrap();
    outbox.deliver_due().await.unwrap();
    assert_eq!(
        db.endpoint_disabled("old").await.unwrap().as_deref(),
        Some("answered 410 Gone")
    );
    let second = received(&outbox, "j2");
    db.enqueue(&second).await.unwrap();
    for _ in 0..3 {
        outbox.deliver_due().await.unwrap();
    }
    assert_eq!(gone_rx.requests().len(), 1, "nothing more after 410");
    assert_eq!(ok_rx.requests().len(), 2);
    let st = db
        .outbox_event(&second.row.id, "old")
        .await
        .unwrap()
        .unwrap();
    assert!(
        st.failed_at.is_some() && st.delivered_at.is_none(),
        "{st:?}"
    );
}
