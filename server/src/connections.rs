//! The accept loop, with two guards against slow or greedy clients:
//!
//! - **Header-read timeout.** A connection must deliver each request's head
//!   (request line and headers) within `header_read_timeout_seconds` of opening,
//!   or of its previous request, or it is closed (hyper's HTTP/1 timer).
//! - **Connection cap.** Each connection holds one of `max_connections` permits
//!   until it closes. With none left the loop stops accepting: further clients
//!   wait in the kernel's listen backlog until a connection closes (once the
//!   backlog is full too, the kernel refuses or drops them). Nothing already
//!   accepted is dropped to make room.
//!
//! On shutdown the listener is closed at once (new connections are refused),
//! connections finish their in-flight requests, and idle ones are closed.
//!
//! HTTP/1.1 only, as `axum::serve` served it here (axum without its `http2`
//! feature); hyper-util's auto (HTTP/1 + HTTP/2) builder would also add h2c, and
//! it sniffs the protocol from the first bytes with no timer running, so a client
//! sending nothing would never be timed out.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// How the loop treats connections (from the settings).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
}

impl ConnectionLimits {
    pub fn from_settings(s: &crate::Settings) -> Self {
        Self {
            header_read_timeout: Duration::from_secs(s.header_read_timeout_seconds),
            max_connections: s.max_connections as usize,
        }
    }
}

/// Serve `app` on `listener` until `stop` is cancelled, then close the listener and
/// wait for open connections to finish. Dropping the future drops every connection.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    stop: CancellationToken,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let graceful = GracefulShutdown::new();
    let mut tasks = JoinSet::new();
    loop {
        while tasks.try_join_next().is_some() {}
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => p.expect("the semaphore is never closed"),
            _ = stop.cancelled() => break,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(conn) => conn,
                Err(e) => {
                    accept_error(e, &stop).await;
                    continue;
                }
            },
            _ = stop.cancelled() => break,
        };
        let service = {
            let app = app.clone();
            hyper::service::service_fn(move |mut req: Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                app.clone().oneshot(req)
            })
        };
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tasks.spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, "connection ended: {e}");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Errors of one connection (it went away before we took it) are skipped; others
/// (out of file descriptors) are logged and accepting pauses for a second, as hyper did.
async fn accept_error(e: std::io::Error, stop: &CancellationToken) {
    use std::io::ErrorKind::*;
    if matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::error!("accept error: {e}");
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        _ = stop.cancelled() => {}
    }
}
