//! Tutorial cases: assets exempt from retention, uploaded assets committed with their
//! video and job, sessions bound to one conversation and asset, and each step of a
//! session recorded (and announced) once.

use vidreply_core::vocab::WebhookEvent;
use vidreply_server::db::{
    AssetRow, Db, JobRow, NewEvent, OutboxRow, SessionMark, SessionStep, TutorialSessionRow,
};

use super::{upload, video};

fn session(id: &str, conversation: &str, asset: &str, expires_at: i64) -> TutorialSessionRow {
    TutorialSessionRow {
        id: id.into(),
        conversation_id: conversation.into(),
        asset_id: asset.into(),
        source_channel: "ivr".into(),
        created_at: 1_000,
        expires_at,
        opened_at: None,
        started_at: None,
        completed_at: None,
        channel_hint: None,
    }
}

fn mark(session: &str, step: SessionStep, at: i64, msg: Option<&str>) -> SessionMark {
    SessionMark {
        session_id: session.into(),
        step,
        at_ms: at,
        event: msg.map(|id| NewEvent {
            row: OutboxRow {
                id: id.into(),
                event_type: WebhookEvent::ContextMessage,
                payload: "{}".into(),
                created_at: 1,
            },
            endpoints: vec!["crm".into()],
        }),
    }
}

pub async fn run_all(db: &Db) {
    registered_assets_are_kept_out_of_retention(db).await;
    an_uploaded_asset_commits_with_its_video_and_job(db).await;
    sessions_are_bound_to_one_conversation_and_asset(db).await;
    each_step_is_recorded_and_announced_once(db).await;
}

async fn registered_assets_are_kept_out_of_retention(db: &Db) {
    let missing = AssetRow {
        id: "vid-nope".into(),
        title: "x".into(),
        created_at: 1,
    };
    assert!(!db.register_asset(&missing).await.unwrap());
    assert!(db.asset("vid-nope").await.unwrap().is_none());
    let u = upload("up-tut-reg", 5_000);
    db.insert_upload(&u).await.unwrap();
    db.insert_video(&video(&u, 6_000), None, None)
        .await
        .unwrap();
    let a = AssetRow {
        id: u.video_id.clone(),
        title: "Router reset — «ünïcødé»".into(),
        created_at: 5_000,
    };
    assert!(db.register_asset(&a).await.unwrap());
    assert_eq!(db.asset(&a.id).await.unwrap().unwrap(), a);
    let got = db.video(&a.id).await.unwrap().unwrap();
    assert_eq!(got.retention_expires_at, None);
    assert!(
        !db.expired_videos(i64::MAX, 1000)
            .await
            .unwrap()
            .iter()
            .any(|v| v.id == a.id),
        "retention never finds a tutorial asset"
    );
    // Registering again keeps the asset and updates its title.
    let renamed = AssetRow {
        title: "Router reset".into(),
        ..a.clone()
    };
    assert!(db.register_asset(&renamed).await.unwrap());
    assert_eq!(db.asset(&a.id).await.unwrap().unwrap(), renamed);
}

async fn an_uploaded_asset_commits_with_its_video_and_job(db: &Db) {
    let u = upload("up-tut-new", 7_000);
    let mut v = video(&u, 0);
    v.conversation_id = String::new();
    v.retention_expires_at = None;
    let a = AssetRow {
        id: v.id.clone(),
        title: "Pairing the remote".into(),
        created_at: 7_000,
    };
    // A failing part (the job id exists) rolls back the upload, video and asset.
    let job = JobRow::new("process_video", &v.id, 1);
    db.enqueue_job(&job).await.unwrap();
    assert!(db.insert_uploaded_asset(&u, &v, &job, &a).await.is_err());
    assert!(db.upload(&u.id).await.unwrap().is_none());
    assert!(db.video(&v.id).await.unwrap().is_none());
    assert!(db.asset(&a.id).await.unwrap().is_none());
    let job = JobRow::new("process_video", &v.id, 1);
    db.insert_uploaded_asset(&u, &v, &job, &a).await.unwrap();
    assert_eq!(db.video(&v.id).await.unwrap().unwrap(), v);
    assert_eq!(db.asset(&a.id).await.unwrap().unwrap(), a);
    assert_eq!(db.jobs_for_video(&v.id).await.unwrap().len(), 2);
    // Newest first.
    let listed: Vec<String> = db
        .assets(10)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(listed[0], a.id);
    assert!(listed.contains(&"vid-up-tut-reg".to_string()));
}

async fn sessions_are_bound_to_one_conversation_and_asset(db: &Db) {
    let s = session("ivr-1", "conv-a", "vid-a", 2_000);
    assert_eq!(db.upsert_tutorial_session(&s).await.unwrap(), s);
    // Signing again renews the expiry and channel, keeps the creation time.
    let renewed = TutorialSessionRow {
        expires_at: 3_000,
        source_channel: "sms".into(),
        created_at: 1_500,
        ..s.clone()
    };
    let got = db.upsert_tutorial_session(&renewed).await.unwrap();
    assert_eq!((got.expires_at, got.created_at), (3_000, 1_000));
    assert_eq!(got.source_channel, "sms");
    // Another conversation or asset changes nothing; the caller sees the stored row.
    for other in [
        session("ivr-1", "conv-b", "vid-a", 9_000),
        session("ivr-1", "conv-a", "vid-b", 9_000),
    ] {
        let got = db.upsert_tutorial_session(&other).await.unwrap();
        assert_eq!(
            (
                got.conversation_id.as_str(),
                got.asset_id.as_str(),
                got.expires_at
            ),
            ("conv-a", "vid-a", 3_000)
        );
    }
    assert!(db.tutorial_session("nope").await.unwrap().is_none());
    assert!(db.tutorial_opened("ivr-1", 2_100, "sms").await.unwrap());
    assert!(!db.tutorial_opened("ivr-1", 2_200, "web").await.unwrap());
    assert!(!db.tutorial_opened("nope", 2_200, "web").await.unwrap());
    let got = db.tutorial_session("ivr-1").await.unwrap().unwrap();
    assert_eq!(got.opened_at, Some(2_100));
    assert_eq!(got.channel_hint.as_deref(), Some("sms"));
}

async fn each_step_is_recorded_and_announced_once(db: &Db) {
    db.upsert_tutorial_session(&session("ivr-2", "conv-a", "vid-a", 5_000))
        .await
        .unwrap();
    let first = [
        mark("ivr-2", SessionStep::Started, 10, Some("msg_ctx_1")),
        mark("ivr-2", SessionStep::Started, 11, Some("msg_ctx_2")),
    ];
    db.insert_telemetry(&[], &[], &first).await.unwrap();
    db.insert_telemetry(
        &[],
        &[],
        &[
            mark("ivr-2", SessionStep::Started, 12, Some("msg_ctx_3")),
            mark("ivr-2", SessionStep::Completed, 20, None),
            mark("ivr-2", SessionStep::Completed, 21, None),
            // A session that does not exist is no step and no event.
            mark("ivr-none", SessionStep::Started, 22, Some("msg_ctx_4")),
        ],
    )
    .await
    .unwrap();
    let got = db.tutorial_session("ivr-2").await.unwrap().unwrap();
    assert_eq!((got.started_at, got.completed_at), (Some(10), Some(20)));
    assert!(db.outbox_event("msg_ctx_1", "crm").await.unwrap().is_some());
    for later in ["msg_ctx_2", "msg_ctx_3", "msg_ctx_4"] {
        assert!(
            db.outbox_event(later, "crm").await.unwrap().is_none(),
            "{later} must not be queued"
        );
    }
}
