//! Job-queue cases: order, leases, takeover after a crash, settling, and no job
//! claimed twice by workers racing for it.

use vidreply_server::db::{Db, JobRow, job_status};

pub async fn run_all(db: &Db) {
    let t = 50_000_000;
    // Jobs queued by earlier cases go first (oldest first): settle them.
    while let Some(old) = db.claim_job(t - 1, t - 1).await.unwrap() {
        db.finish_job(&old.id, t - 1).await.unwrap();
    }
    let first = JobRow::new("process_video", "vid-j1", t);
    let second = JobRow::new("process_video", "vid-j2", t + 10);
    let later = JobRow::new("process_video", "vid-j3", t + 1_000_000);
    for j in [&second, &first, &later] {
        db.enqueue_job(j).await.unwrap();
    }
    // Oldest due first; a job not yet due waits.
    let a = db.claim_job(t + 20, t + 1_000).await.unwrap().unwrap();
    assert_eq!(
        (a.id.as_str(), a.attempts, a.status.as_str()),
        (first.id.as_str(), 1, job_status::RUNNING)
    );
    let b = db.claim_job(t + 20, t + 1_000).await.unwrap().unwrap();
    assert_eq!(b.id, second.id);
    assert!(db.claim_job(t + 20, t + 1_000).await.unwrap().is_none());

    // The worker of `a` heartbeats; `b`'s worker died and its lease runs out.
    assert!(db.renew_job(&a.id, a.attempts, t + 5_000).await.unwrap());
    let taken = db.claim_job(t + 2_000, t + 9_000).await.unwrap().unwrap();
    assert_eq!((taken.id.as_str(), taken.attempts), (b.id.as_str(), 2));
    // The dead worker's late heartbeat no longer holds the job.
    assert!(!db.renew_job(&b.id, 1, t + 99_000).await.unwrap());

    db.finish_job(&a.id, t + 3_000).await.unwrap();
    db.retry_job(&taken.id, t + 4_000, "ffmpeg crashed", t + 3_000)
        .await
        .unwrap();
    let r = db.job(&taken.id).await.unwrap().unwrap();
    assert_eq!(
        (r.status.as_str(), r.run_at, r.last_error.as_deref()),
        (job_status::QUEUED, t + 4_000, Some("ffmpeg crashed"))
    );
    assert!(db.claim_job(t + 3_999, t + 9_000).await.unwrap().is_none());
    let r = db.claim_job(t + 4_000, t + 9_000).await.unwrap().unwrap();
    assert_eq!((r.id.as_str(), r.attempts), (taken.id.as_str(), 3));
    db.fail_job(&r.id, "not a video", t + 4_100).await.unwrap();
    let r = db.job(&r.id).await.unwrap().unwrap();
    assert_eq!(
        (r.status.as_str(), r.last_error.as_deref()),
        (job_status::FAILED, Some("not a video"))
    );
    assert_eq!(
        db.job(&a.id).await.unwrap().unwrap().status,
        job_status::DONE
    );
    db.finish_job(&later.id, t).await.unwrap();

    racing_workers_never_share_a_job(db, t + 10_000_000).await;
}

async fn racing_workers_never_share_a_job(db: &Db, t: i64) {
    let jobs: Vec<JobRow> = (0..20)
        .map(|i| JobRow::new("process_video", &format!("vid-race-{i}"), t + i))
        .collect();
    for j in &jobs {
        db.enqueue_job(j).await.unwrap();
    }
    let workers = (0..8).map(|_| {
        let db = db.clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(j) = db.claim_job(t + 100, t + 100_000).await.unwrap() {
                mine.push(j.id);
            }
            mine
        })
    });
    let mut all: Vec<String> = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    all.sort();
    let mut want: Vec<String> = jobs.into_iter().map(|j| j.id).collect();
    want.sort();
    assert_eq!(all, want, "every job claimed exactly once");
}
