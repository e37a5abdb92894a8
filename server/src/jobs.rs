//! Processing workers: take leased jobs from the database queue, keep the lease
//! alive while ffmpeg runs, and settle each job as done, retried or failed.
//!
//! Jobs survive restarts: a job whose worker died is taken over when its lease ends.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use vidreply_core::RetryPolicy;

use crate::clock::unix_now_ms;
use crate::db::{Db, JobRow};
use crate::processing::{self, JobError};

/// The one job kind so far.
pub const PROCESS_VIDEO: &str = "process_video";

/// How often an idle worker looks for due jobs when nothing wakes it.
const POLL: Duration = Duration::from_secs(2);
/// Retry delays grow from 5 s, doubling, up to 10 minutes; `attempts` of them.
fn retry_policy(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        base_ms: 5_000,
        cap_ms: 600_000,
        max_attempts: attempts,
        jitter: false,
    }
}

/// The job queue's workers and what they need: processing's dependencies, the
/// lease and attempt settings, and the wake-up that queuing a job rings.
#[derive(Debug, Clone)]
pub struct Jobs {
    pub processing: processing::Deps,
    /// A worker holds its job this long between heartbeats (`VIDREPLY_JOB_LEASE_SECONDS`).
    pub lease: Duration,
    /// Attempts before a video is marked failed (`VIDREPLY_PROCESSING_ATTEMPTS`).
    pub attempts: u32,
    wake: Arc<Notify>,
}

impl Jobs {
    pub fn new(processing: processing::Deps, lease: Duration, attempts: u32) -> Self {
        Self {
            processing,
            lease,
            attempts,
            wake: Arc::default(),
        }
    }

    /// Wake idle workers: a job was queued.
    pub fn notify(&self) {
        self.wake.notify_waiters();
    }

    fn db(&self) -> &Db {
        &self.processing.db
    }
}

/// Start `n` workers; each stops when `stop` is cancelled, after its current job.
pub fn spawn(jobs: &Jobs, n: u32, stop: CancellationToken) -> Vec<tokio::task::JoinHandle<()>> {
    (0..n)
        .map(|_| {
            let (jobs, stop) = (jobs.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.is_cancelled() {
                    match run_one(&jobs).await {
                        Ok(true) => continue,
                        Ok(false) => {}
                        Err(e) => tracing::error!(error = %e, "job queue: database error"),
                    }
                    tokio::select! {
                        _ = tokio::time::timeout(POLL, jobs.wake.notified()) => {}
                        _ = stop.cancelled() => {}
                    }
                }
            })
        })
        .collect()
}

/// Claim and run one due job; false when there was none.
pub async fn run_one(jobs: &Jobs) -> Result<bool, sqlx::Error> {
    let lease = jobs.lease;
    let now = unix_now_ms() as i64;
    let Some(job) = jobs
        .db()
        .claim_job(now, now + lease.as_millis() as i64)
        .await?
    else {
        return Ok(false);
    };
    tracing::info!(job_id = %job.id, video_id = %job.video_id, attempt = job.attempts, "job started");
    let outcome = {
        let work = processing::run(&jobs.processing, &job);
        tokio::pin!(work);
        let mut beat = tokio::time::interval(lease / 3);
        beat.tick().await;
        loop {
            tokio::select! {
                r = &mut work => break r,
                _ = beat.tick() => {
                    let until = unix_now_ms() as i64 + lease.as_millis() as i64;
                    if !jobs.db().renew_job(&job.id, job.attempts, until).await? {
                        // Another worker took it over (we were too slow): let it finish.
                        tracing::warn!(job_id = %job.id, "job lease lost; abandoning this attempt");
                        return Ok(true);
                    }
                }
            }
        }
    };
    settle(jobs, &job, outcome).await?;
    Ok(true)
}

async fn settle(
    jobs: &Jobs,
    job: &JobRow,
    outcome: Result<(), JobError>,
) -> Result<(), sqlx::Error> {
    let now = unix_now_ms() as i64;
    match outcome {
        Ok(()) => {
            tracing::info!(job_id = %job.id, video_id = %job.video_id, "job done");
            jobs.db().finish_job(&job.id, now).await
        }
        Err(JobError::Permanent { code, message }) => {
            tracing::warn!(job_id = %job.id, video_id = %job.video_id, %code, %message, "job failed");
            jobs.db()
                .video_failed(&job.video_id, code, &message)
                .await?;
            jobs.db().fail_job(&job.id, &message, now).await
        }
        Err(JobError::Retryable(message)) => {
            let policy = retry_policy(jobs.attempts);
            let failures = u32::try_from(job.attempts.max(0)).unwrap_or(u32::MAX);
            let Some(delay_ms) = policy.next_delay_ms(failures, 0.0) else {
                tracing::error!(job_id = %job.id, video_id = %job.video_id, attempts = job.attempts, %message, "job gave up");
                let reason = format!("Processing failed {} times: {message}", job.attempts);
                jobs.db()
                    .video_failed(&job.video_id, "processing_failed", &reason)
                    .await?;
                return jobs.db().fail_job(&job.id, &message, now).await;
            };
            let delay = Duration::from_millis(delay_ms);
            tracing::warn!(job_id = %job.id, attempts = job.attempts, %message, retry_in_s = delay.as_secs(), "job will be retried");
            jobs.db()
                .retry_job(&job.id, now + delay.as_millis() as i64, &message, now)
                .await
        }
    }
}
