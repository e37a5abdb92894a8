//! The cases every state store must pass (see `store_suite.rs`).

mod jobs;
mod outbox;
mod quota;
mod telemetry;
mod tutorial;

use vidreply_core::vocab::{UploadStatus, VideoStatus};
use vidreply_server::db::{self, Db, JobRow, Processed, UploadRow, VideoRow};

pub async fn run_all(db: Db, url: &str) {
    migrations_are_versioned_and_run_once(url).await;
    uploads_move_only_from_the_state_they_are_in(&db).await;
    a_video_its_upload_and_its_job_commit_together(&db).await;
    processing_outcomes_are_recorded(&db).await;
    retention_finds_and_forgets_expired_videos(&db).await;
    abandoned_uploads_are_found_by_age(&db).await;
    revoked_tokens_stay_revoked(&db).await;
    a_share_link_is_revoked_once_and_stays_revoked(&db).await;
    outbox::run_all(&db).await;
    quota::run_all(&db).await;
    jobs::run_all(&db).await;
    telemetry::run_all(&db).await;
    tutorial::run_all(&db).await;
    assert!(db.ping().await.is_ok());
}

pub fn upload(id: &str, created_at: i64) -> UploadRow {
    UploadRow {
        id: id.into(),
        video_id: format!("vid-{id}"),
        conversation_id: "conv-ünïcødé-💬".into(),
        customer_id: Some("cust \"quoted\" 'x'".into()),
        mime_type: "video/webm;codecs=vp9,opus".into(),
        object_key: format!("videos/vid-{id}/original.webm"),
        storage_upload_id: format!("s3-{id}"),
        status: UploadStatus::Open,
        created_at,
        expires_at: created_at + 86400,
        poster_key: None,
        token_id: None,
        declared_bytes: None,
    }
}

pub fn video(u: &UploadRow, retention: i64) -> VideoRow {
    VideoRow {
        id: u.video_id.clone(),
        upload_id: u.id.clone(),
        conversation_id: u.conversation_id.clone(),
        customer_id: u.customer_id.clone(),
        mime_type: u.mime_type.clone(),
        object_key: u.object_key.clone(),
        size: 5 * 1024 * 1024 * 1024,
        duration_ms: None,
        created_at: u.created_at,
        status: VideoStatus::Processing,
        failure_code: None,
        failure_reason: None,
        poster_key: None,
        mp4_key: None,
        hls_key: None,
        retention_expires_at: Some(retention),
        revoked_at: None,
        vetted_at: None,
    }
}

async fn migrations_are_versioned_and_run_once(url: &str) {
    // Connecting again (a restart, or a second replica) applies nothing twice.
    let again = db::SqlStore::connect(url).await.unwrap();
    let third = db::SqlStore::connect(url).await.unwrap();
    assert_eq!(
        again.schema_versions().await.unwrap(),
        vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    );
    assert_eq!(
        third.schema_versions().await.unwrap(),
        vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    );
}

async fn uploads_move_only_from_the_state_they_are_in(db: &Db) {
    let u = upload("up-transition", 1_000);
    db.insert_upload(&u).await.unwrap();
    assert_eq!(db.upload("up-transition").await.unwrap().unwrap(), u);
    assert!(db.upload("nope").await.unwrap().is_none());
    assert!(db.insert_upload(&u).await.is_err(), "ids are unique");
    assert!(
        !db.transition(&u.id, UploadStatus::Completing, UploadStatus::Open)
            .await
            .unwrap()
    );
    assert!(
        db.transition(&u.id, UploadStatus::Open, UploadStatus::Completing)
            .await
            .unwrap()
    );
    assert!(
        !db.transition(&u.id, UploadStatus::Open, UploadStatus::Completing)
            .await
            .unwrap()
    );
    assert!(
        db.transition(&u.id, UploadStatus::Completing, UploadStatus::Open)
            .await
            .unwrap()
    );
}

async fn a_video_its_upload_and_its_job_commit_together(db: &Db) {
    let u = upload("up-video", 2_000);
    db.insert_upload(&u).await.unwrap();
    let v = video(&u, 10_000);
    let job = JobRow::new("process_video", &v.id, 2_000_000);
    // A failing part (the job id already exists) rolls back the whole change.
    db.enqueue_job(&job).await.unwrap();
    assert!(db.insert_video(&v, Some(&job), None).await.is_err());
    assert!(db.video(&v.id).await.unwrap().is_none());
    assert_eq!(
        db.upload(&u.id).await.unwrap().unwrap().status,
        UploadStatus::Open
    );

    let job2 = JobRow::new("process_video", &v.id, 2_000_000);
    db.insert_video(&v, Some(&job2), None).await.unwrap();
    assert_eq!(db.video(&v.id).await.unwrap().unwrap(), v);
    assert_eq!(db.video_for_upload(&u.id).await.unwrap().unwrap().id, v.id);
    assert_eq!(
        db.upload(&u.id).await.unwrap().unwrap().status,
        UploadStatus::Completed
    );
    let jobs = db.jobs_for_video(&v.id).await.unwrap();
    assert_eq!(jobs.len(), 2);
    assert!(
        db.insert_video(&v, None, None).await.is_err(),
        "one video per upload"
    );
}

async fn processing_outcomes_are_recorded(db: &Db) {
    let u = upload("up-processed", 3_000);
    db.insert_upload(&u).await.unwrap();
    let v = video(&u, 10_000);
    db.insert_video(&v, None, None).await.unwrap();
    let p = Processed {
        duration_ms: 3_210,
        mp4_key: "videos/x/video.mp4".into(),
        hls_key: "videos/x/hls/master.m3u8".into(),
        poster_key: Some("videos/x/poster.jpg".into()),
    };
    db.video_ready(&v.id, &p, None).await.unwrap();
    let got = db.video(&v.id).await.unwrap().unwrap();
    assert_eq!(got.status, VideoStatus::Ready);
    assert_eq!(got.duration_ms, Some(3_210));
    assert_eq!(got.mp4_key.as_deref(), Some("videos/x/video.mp4"));
    assert_eq!(got.poster_key.as_deref(), Some("videos/x/poster.jpg"));
    db.video_failed(&v.id, "not_a_video", "The file is text.")
        .await
        .unwrap();
    let got = db.video(&v.id).await.unwrap().unwrap();
    assert_eq!(got.status, VideoStatus::Failed);
    assert_eq!(got.failure_code.as_deref(), Some("not_a_video"));
    assert_eq!(got.failure_reason.as_deref(), Some("The file is text."));
}

async fn retention_finds_and_forgets_expired_videos(db: &Db) {
    let old = upload("up-old", 4_000);
    let new = upload("up-new", 4_000);
    for (u, until) in [(&old, 50_000), (&new, 90_000)] {
        db.insert_upload(u).await.unwrap();
        let v = video(u, until);
        let job = JobRow::new("process_video", &v.id, 1);
        db.insert_video(&v, Some(&job), None).await.unwrap();
    }
    let expired: Vec<String> = db
        .expired_videos(60_000, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.id)
        .collect();
    assert!(expired.contains(&old.video_id));
    assert!(!expired.contains(&new.video_id));
    db.delete_video(&old.video_id).await.unwrap();
    assert!(db.video(&old.video_id).await.unwrap().is_none());
    assert!(db.upload(&old.id).await.unwrap().is_none());
    assert!(db.jobs_for_video(&old.video_id).await.unwrap().is_empty());
    assert!(db.video(&new.video_id).await.unwrap().is_some());
}

async fn abandoned_uploads_are_found_by_age(db: &Db) {
    let stale = upload("up-stale", 100);
    let fresh = upload("up-fresh", 900_000);
    db.insert_upload(&stale).await.unwrap();
    db.insert_upload(&fresh).await.unwrap();
    let found: Vec<String> = db
        .stale_uploads(500, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert!(found.contains(&stale.id));
    assert!(!found.contains(&fresh.id));
    assert!(
        db.transition(&stale.id, UploadStatus::Open, UploadStatus::Aborted)
            .await
            .unwrap()
    );
    assert!(
        !db.stale_uploads(500, 100)
            .await
            .unwrap()
            .iter()
            .any(|u| u.id == stale.id)
    );
    assert_eq!(db.delete_aborted_uploads(500).await.unwrap(), 1);
    assert!(db.upload(&stale.id).await.unwrap().is_none());
    assert!(db.upload(&fresh.id).await.unwrap().is_some());
}

async fn revoked_tokens_stay_revoked(db: &Db) {
    assert!(!db.is_revoked("jti-1").await.unwrap());
    db.revoke_token("jti-1", 1, 100).await.unwrap();
    db.revoke_token("jti-1", 2, 100).await.unwrap();
    assert!(db.is_revoked("jti-1").await.unwrap());
    assert!(!db.is_revoked("jti-2").await.unwrap());
}

async fn a_share_link_is_revoked_once_and_stays_revoked(db: &Db) {
    let u = upload("up-revoke", 5_000);
    db.insert_upload(&u).await.unwrap();
    db.insert_video(&video(&u, 90_000), None, None)
        .await
        .unwrap();
    assert_eq!(
        db.video(&u.video_id).await.unwrap().unwrap().revoked_at,
        None
    );
    assert!(db.revoke_video(&u.video_id, 7_000).await.unwrap());
    // Again, later: still revoked, at the first time.
    assert!(db.revoke_video(&u.video_id, 8_000).await.unwrap());
    let got = db.video(&u.video_id).await.unwrap().unwrap();
    assert_eq!(got.revoked_at, Some(7_000));
    assert!(!db.revoke_video("no-such-video", 7_000).await.unwrap());
}
