//! Telemetry cases: dedupe by event id, receive order, first views, engagement,
//! and forgetting a video's telemetry with the video.

use vidreply_core::vocab::WebhookEvent;
use vidreply_server::db::{Db, FirstView, NewEvent, OutboxRow, TelemetryRow};

fn row(id: &str, video: &str, session: &str, kind: &str, watched: f64, at: i64) -> TelemetryRow {
    TelemetryRow {
        seq: 0,
        event_id: id.into(),
        video_id: video.into(),
        session_id: session.into(),
        conversation_id: "conv-ünïcødé-💬".into(),
        event_type: kind.into(),
        timestamp_ms: at - 5,
        duration_watched: watched,
        completion_status: if kind == "VIDEO_COMPLETION" {
            "completed"
        } else {
            "in_progress"
        }
        .into(),
        quartile: (kind == "VIDEO_PROGRESS").then_some(50),
        received_at: at,
        verified: 1,
    }
}

fn view(video: &str, session: &str, msg: &str) -> FirstView {
    FirstView {
        video_id: video.into(),
        session_id: session.into(),
        viewed_at_ms: 1,
        event: Some(NewEvent {
            row: OutboxRow {
                id: msg.into(),
                event_type: WebhookEvent::VideoViewed,
                payload: "{}".into(),
                created_at: 1,
            },
            endpoints: vec!["crm".into()],
        }),
    }
}

pub async fn run_all(db: &Db) {
    let v = "vid-tele";
    let batch = [
        row("t1", v, "s1", "VIDEO_START", 0.5, 100),
        row("t2", v, "s1", "VIDEO_PROGRESS", 6.0, 100),
        row("t1", v, "s1", "VIDEO_START", 0.5, 100),
    ];
    // A repeated id, within the batch or later, is ignored; the view is queued once.
    let n = db
        .insert_telemetry(&batch, &[view(v, "s1", "msg_view_1")], &[])
        .await
        .unwrap();
    assert_eq!(n, 2);
    let again = [
        row("t2", v, "s1", "VIDEO_PROGRESS", 6.0, 200),
        row("t3", v, "s2", "VIDEO_COMPLETION", 11.5, 200),
    ];
    let n = db
        .insert_telemetry(&again, &[view(v, "s1", "msg_view_2")], &[])
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert!(
        db.outbox_event("msg_view_1", "crm")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        db.outbox_event("msg_view_2", "crm")
            .await
            .unwrap()
            .is_none(),
        "a session's second view queues nothing"
    );

    // A session the server never served media to: kept, but no engagement.
    let forged = TelemetryRow {
        verified: 0,
        ..row("t4", v, "s9", "VIDEO_START", 0.1, 300)
    };
    assert_eq!(db.insert_telemetry(&[forged], &[], &[]).await.unwrap(), 1);

    let all = db.telemetry_since(0, 0, 10).await.unwrap();
    let ids: Vec<&str> = all.iter().map(|r| r.event_id.as_str()).collect();
    assert_eq!(ids, ["t1", "t2", "t3", "t4"]);
    let verified: Vec<i64> = all.iter().map(|r| r.verified).collect();
    assert_eq!(verified, [1, 1, 1, 0]);
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
    let first = &all[0];
    assert_eq!(
        (first.conversation_id.as_str(), first.duration_watched),
        ("conv-ünïcødé-💬", 0.5)
    );
    assert_eq!(all[1].quartile, Some(50));
    let since = db.telemetry_since(200, 0, 10).await.unwrap();
    assert_eq!(since.len(), 2);
    let page = db.telemetry_since(0, all[0].seq, 1).await.unwrap();
    assert_eq!(page[0].event_id, "t2");

    let sessions = db.engagement(v).await.unwrap();
    assert_eq!(sessions.len(), 2);
    let (s1, s2) = (&sessions[0], &sessions[1]);
    assert_eq!(
        (s1.started, s1.completed, s1.q25, s1.q50, s1.q75),
        (1, 0, 1, 1, 0)
    );
    assert_eq!(
        (s2.started, s2.completed, s2.q25, s2.q50, s2.q75),
        (0, 1, 1, 1, 1)
    );
    assert_eq!((s1.max_watched, s2.max_watched), (6.0, 11.5));
    assert!(db.engagement("vid-none").await.unwrap().is_empty());

    // The evidence of media served, per video and session.
    assert!(!db.media_session_seen(v, "s1").await.unwrap());
    db.record_media_session(v, "s1", 5).await.unwrap();
    db.record_media_session(v, "s1", 6).await.unwrap();
    assert!(db.media_session_seen(v, "s1").await.unwrap());
    assert!(!db.media_session_seen(v, "s2").await.unwrap());
    assert!(!db.media_session_seen("vid-other", "s1").await.unwrap());

    // Forgetting the video forgets its telemetry, its views and its evidence: a new view counts.
    db.delete_video(v).await.unwrap();
    assert!(!db.media_session_seen(v, "s1").await.unwrap());
    assert!(db.telemetry_since(0, 0, 10).await.unwrap().is_empty());
    db.insert_telemetry(&[], &[view(v, "s1", "msg_view_3")], &[])
        .await
        .unwrap();
    assert!(
        db.outbox_event("msg_view_3", "crm")
            .await
            .unwrap()
            .is_some()
    );
}
