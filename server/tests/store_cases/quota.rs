//! Per-token upload quotas: what counts, that the check and the insert are one
//! step (creates racing each other cannot pass the quota together), and posters
//! only on open uploads.

use vidreply_core::vocab::UploadStatus;
use vidreply_server::db::{Db, TokenUsage, UploadQuota, UploadRow};

use super::{upload, video};

fn owned(id: &str, token: &str, declared: Option<i64>) -> UploadRow {
    UploadRow {
        token_id: Some(token.into()),
        declared_bytes: declared,
        ..upload(id, 7_000)
    }
}

const QUOTA: UploadQuota = UploadQuota {
    max_open: 2,
    max_bytes: 1_000,
    undeclared_bytes: 400,
};

pub async fn run_all(db: &Db) {
    open_uploads_and_bytes_are_counted(db).await;
    racing_creates_never_pass_the_quota_together(db).await;
    a_poster_lands_only_on_an_open_upload(db).await;
    racing_sends_never_pass_their_quotas_together(db).await;
}

/// Sends of one agent racing for the last units of its quota (a double click):
/// exactly the quota is granted, and none of them is a database error.
async fn racing_sends_never_pass_their_quotas_together(db: &Db) {
    use vidreply_server::db::SendQuota;
    let tries = (0..12).map(|i| {
        let db = db.clone();
        // Three videos, so the per-video quota (5) never binds first.
        async move {
            db.record_send(&format!("vid-send-{}", i % 3), "agent-jti", 1_000, 0, 4, 5)
                .await
        }
    });
    let handles: Vec<_> = tries.map(tokio::spawn).collect();
    let mut granted = 0;
    for h in handles {
        match h
            .await
            .unwrap()
            .expect("no database error under contention")
        {
            SendQuota::Granted => granted += 1,
            SendQuota::SenderSpent => {}
            SendQuota::VideoSpent => panic!("the sender's quota binds first"),
        }
    }
    assert_eq!(granted, 4, "exactly max_per_sender of 12 racing sends");
    // The video's quota counts every sender; outside the window nothing counts.
    for sender in ["a2", "a3"] {
        assert_eq!(
            db.record_send("vid-send-x", sender, 1_000, 0, 10, 2)
                .await
                .unwrap(),
            SendQuota::Granted
        );
    }
    assert_eq!(
        db.record_send("vid-send-x", "a4", 1_000, 0, 10, 2)
            .await
            .unwrap(),
        SendQuota::VideoSpent
    );
    assert_eq!(
        db.record_send("vid-send-x", "a4", 5_000, 2_000, 10, 2)
            .await
            .unwrap(),
        SendQuota::Granted
    );
}

async fn open_uploads_and_bytes_are_counted(db: &Db) {
    let t = "tok-count";
    assert_eq!(db.token_usage(t, 400).await.unwrap(), TokenUsage::default());
    let a = owned("q-a", t, None);
    assert!(db.insert_upload_within(&a, &QUOTA).await.unwrap());
    assert_eq!(
        db.upload("q-a").await.unwrap().unwrap(),
        a,
        "stored as given"
    );
    let b = owned("q-b", t, Some(100));
    assert!(db.insert_upload_within(&b, &QUOTA).await.unwrap());
    assert_eq!(
        db.token_usage(t, 400).await.unwrap(),
        TokenUsage {
            open: 2,
            bytes: 500
        },
        "an undeclared upload counts what it may hold, a declared one its totalBytes"
    );
    // A third open upload is one too many, however small, and nothing is inserted.
    let c = owned("q-c", t, Some(1));
    assert!(!db.insert_upload_within(&c, &QUOTA).await.unwrap());
    assert!(db.upload("q-c").await.unwrap().is_none());
    // Another token has quotas of its own.
    let other = owned("q-other", "tok-other", None);
    assert!(db.insert_upload_within(&other, &QUOTA).await.unwrap());

    // Cancelling frees its place and its bytes; completing counts the real size.
    assert!(
        db.transition("q-a", UploadStatus::Open, UploadStatus::Aborted)
            .await
            .unwrap()
    );
    let v = vidreply_server::db::VideoRow {
        size: 90,
        ..video(&b, 9_999_999)
    };
    db.insert_video(&v, None, None).await.unwrap();
    assert_eq!(
        db.token_usage(t, 400).await.unwrap(),
        TokenUsage { open: 0, bytes: 90 }
    );
    // 90 + 400 + 400 fits in 1000; 90 + 3 × 400 would not.
    assert!(
        db.insert_upload_within(&owned("q-d", t, None), &QUOTA)
            .await
            .unwrap()
    );
    assert!(
        db.insert_upload_within(&owned("q-e", t, None), &QUOTA)
            .await
            .unwrap()
    );
    assert!(
        db.transition("q-d", UploadStatus::Open, UploadStatus::Aborted)
            .await
            .unwrap()
    );
    assert!(
        !db.insert_upload_within(&owned("q-f", t, Some(600)), &QUOTA)
            .await
            .unwrap(),
        "90 + 400 + 600 is over 1000"
    );
    assert!(
        db.insert_upload_within(&owned("q-g", t, Some(510)), &QUOTA)
            .await
            .unwrap()
    );
    // Uploads of no token (tutorial assets) are not counted or limited.
    let mut free = upload("q-free", 7_000);
    free.declared_bytes = Some(1 << 40);
    assert!(db.insert_upload_within(&free, &QUOTA).await.unwrap());
}

async fn racing_creates_never_pass_the_quota_together(db: &Db) {
    let t = "tok-race";
    let quota = UploadQuota {
        max_open: 3,
        max_bytes: i64::MAX / 2,
        undeclared_bytes: 1,
    };
    let tries = (0..12).map(|i| {
        let db = db.clone();
        async move {
            db.insert_upload_within(&owned(&format!("race-{i}"), t, None), &quota)
                .await
                .unwrap()
        }
    });
    let handles: Vec<_> = tries.map(tokio::spawn).collect();
    let mut inserted = 0;
    for h in handles {
        inserted += usize::from(h.await.unwrap());
    }
    assert_eq!(inserted, 3, "exactly max_open of 12 racing creates got in");
    assert_eq!(db.token_usage(t, 1).await.unwrap().open, 3);
}

async fn a_poster_lands_only_on_an_open_upload(db: &Db) {
    let u = owned("q-poster", "tok-poster", None);
    db.insert_upload(&u).await.unwrap();
    assert!(db.set_poster(&u.id, "videos/x/poster.jpg").await.unwrap());
    assert_eq!(
        db.upload(&u.id)
            .await
            .unwrap()
            .unwrap()
            .poster_key
            .as_deref(),
        Some("videos/x/poster.jpg")
    );
    for (from, to) in [
        (UploadStatus::Open, UploadStatus::Completing),
        (UploadStatus::Completing, UploadStatus::Aborted),
    ] {
        assert!(db.transition(&u.id, from, to).await.unwrap());
        assert!(
            !db.set_poster(&u.id, "videos/x/other.jpg").await.unwrap(),
            "no poster once the upload is {to}"
        );
    }
    assert!(!db.set_poster("no-such-upload", "k").await.unwrap());
    assert_eq!(
        db.upload(&u.id)
            .await
            .unwrap()
            .unwrap()
            .poster_key
            .as_deref(),
        Some("videos/x/poster.jpg")
    );
}
