//! Serving with a graceful shutdown: on SIGTERM or SIGINT the server stops
//! accepting, lets in-flight requests finish (up to the grace period), then stops
//! the background workers, which finish the round they are in.

use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::state::AppState;

/// How long background workers may take to stop once the server has.
const WORKER_GRACE: Duration = Duration::from_secs(10);

/// Serve `state`'s app on `listener` until a signal (or `state.shutdown` is
/// cancelled), then drain and stop `workers`.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    workers: Vec<JoinHandle<()>>,
) -> std::io::Result<()> {
    let stop = state.shutdown.clone();
    let grace = Duration::from_secs(state.settings.shutdown_grace_seconds);
    tokio::spawn({
        let stop = stop.clone();
        async move {
            tokio::select! {
                _ = signal() => {
                    tracing::info!(grace_s = grace.as_secs(), "shutting down; finishing in-flight requests");
                    stop.cancel();
                }
                _ = stop.cancelled() => {}
            }
        }
    });
    let limits = crate::connections::ConnectionLimits::from_settings(&state.settings);
    let app = crate::app(state);
    let server = crate::connections::serve(listener, app, limits, stop.clone());
    let mut server = tokio::spawn(async move {
        server.await;
        Ok(())
    });
    let drained = tokio::select! {
        r = &mut server => Some(r),
        _ = async { stop.cancelled().await; tokio::time::sleep(grace).await } => None,
    };
    let result = match drained {
        Some(Ok(r)) => r,
        Some(Err(join)) => Err(std::io::Error::other(join)),
        None => {
            tracing::warn!(
                grace_s = grace.as_secs(),
                "grace period over; dropping requests still in flight"
            );
            server.abort();
            Ok(())
        }
    };
    stop.cancel();
    for w in workers {
        if tokio::time::timeout(WORKER_GRACE, w).await.is_err() {
            tracing::warn!("a background worker did not stop in time");
        }
    }
    tracing::info!("stopped");
    result
}

/// SIGINT (Ctrl-C) or, on Unix, SIGTERM.
/// Run only the background workers (`VIDREPLY_ROLE=worker`) until a signal, then
/// let each finish its current step.
pub async fn run_workers(state: AppState) {
    let workers = crate::spawn_workers(&state);
    tracing::info!(
        workers = workers.len(),
        "running as a worker: processing, webhooks, retention"
    );
    signal().await;
    tracing::info!("shutting down; finishing the current jobs");
    state.shutdown.cancel();
    for w in workers {
        if tokio::time::timeout(WORKER_GRACE, w).await.is_err() {
            tracing::warn!("a background worker did not stop in time");
        }
    }
}

async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
