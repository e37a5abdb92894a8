//! Rate limits per client IP and per capture token (GCRA, from `governor`).
//!
//! The IP is the TCP peer, or the last `X-Forwarded-For` entry when the server is
//! told it sits behind one proxy. IPv6 clients are keyed by their /64, since one
//! device commonly holds a whole /64. Capture tokens (and the Genesys Cloud tokens
//! the agent frame exchanges) are keyed by a hash, so the limiter never holds a
//! token. A refusal is `429 rate_limited` with `Retry-After`.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};

use crate::config::Settings;
use crate::error::ApiError;

/// Routes that are never limited: the probes (`/metrics` is limited like any route).
const EXEMPT: [&str; 2] = ["/healthz", "/readyz"];
/// Per-token limits apply under these prefixes: the uploads a capture token drives,
/// the agent frame's exchange, which calls Genesys Cloud with the token, and the
/// watch page's telemetry (whose beacons carry the token as `?token=`).
const TOKEN_PREFIXES: [&str; 3] = [
    "/api/v1/uploads",
    "/api/v1/agent/capture-links",
    "/api/v1/telemetry",
];
/// Forget idle keys once a limiter holds this many.
const HOUSEKEEP_AT: usize = 50_000;

#[derive(Debug)]
pub struct Limits {
    ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    token: Option<DefaultKeyedRateLimiter<[u8; 16]>>,
    trust_forwarded_for: bool,
    seen: AtomicU64,
}

/// `per_minute` sustained with bursts of `burst`; `None` when `per_minute` is 0.
pub fn quota(per_minute: u32, burst: u32) -> Option<Quota> {
    let rate = NonZeroU32::new(per_minute)?;
    let burst = NonZeroU32::new(burst.max(1)).expect("at least 1");
    Some(Quota::per_minute(rate).allow_burst(burst))
}

impl Limits {
    pub fn new(s: &Settings) -> Self {
        let ip = quota(s.rate_limit_ip_per_minute, s.rate_limit_ip_burst);
        let token = quota(s.rate_limit_token_per_minute, s.rate_limit_token_burst);
        Self {
            ip: ip.map(RateLimiter::keyed),
            token: token.map(RateLimiter::keyed),
            trust_forwarded_for: s.trust_forwarded_for,
            seen: AtomicU64::new(0),
        }
    }

    /// The client's key: its IP, with IPv6 cut to the /64.
    fn client_ip(&self, req: &Request) -> Option<IpAddr> {
        let forwarded = self.trust_forwarded_for.then(|| {
            req.headers()
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|v| v.trim().parse::<IpAddr>().ok())
                .next_back()
        });
        let ip = forwarded.flatten().or_else(|| {
            req.extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
        })?;
        Some(match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    let mut seg = v6.segments();
                    seg[4..].fill(0);
                    IpAddr::V6(seg.into())
                }
            },
            v4 => v4,
        })
    }

    fn check<K>(limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> Result<(), ApiError>
    where
        K: std::hash::Hash + Eq + Clone,
    {
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::RateLimited {
                retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            }
        })
    }

    fn housekeep(&self) {
        if !self
            .seen
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(1024)
        {
            return;
        }
        if let Some(l) = &self.ip
            && l.len() > HOUSEKEEP_AT
        {
            l.retain_recent();
            l.shrink_to_fit();
        }
        if let Some(l) = &self.token
            && l.len() > HOUSEKEEP_AT
        {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }

    fn admit(&self, req: &Request) -> Result<(), ApiError> {
        let path = req.uri().path();
        if EXEMPT.contains(&path) {
            return Ok(());
        }
        self.housekeep();
        if let (Some(limiter), Some(ip)) = (&self.ip, self.client_ip(req)) {
            Self::check(limiter, &ip)?;
        }
        if let Some(limiter) = &self.token
            && TOKEN_PREFIXES.iter().any(|p| path.starts_with(p))
            && let Some(key) = token_key(req)
        {
            Self::check(limiter, &key)?;
        }
        Ok(())
    }
}

/// A hash of the request's bearer token: the limiter never keeps the token itself.
fn token_key(req: &Request) -> Option<[u8; 16]> {
    let query = || {
        crate::extract::query_param(req.uri().query(), "token")
            .map(|v| Sha256::digest(v.as_bytes()))
    };
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        let digest = query()?;
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        return Some(key);
    };
    let value = value.as_bytes();
    // The token after the scheme, so `bearer x` and `Bearer x` share one bucket.
    let token = value
        .iter()
        .position(|b| *b == b' ')
        .map_or(value, |i| &value[i + 1..]);
    let digest = Sha256::digest(token.trim_ascii());
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    Some(key)
}

/// The client's address as the limiter sees it (IPv6 cut to its /64), for handlers
/// that keep limits of their own (watch-page visits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// Middleware: refuse a request over its IP's or token's limit.
pub async fn limit(State(limits): State<Arc<Limits>>, mut req: Request, next: Next) -> Response {
    if let Some(ip) = limits.client_ip(&req) {
        req.extensions_mut().insert(ClientIp(ip));
    }
    match limits.admit(&req) {
        Ok(()) => next.run(req).await,
        Err(e) => {
            tracing::warn!(path = %req.uri().path(), "rate limited");
            e.into_response()
        }
    }
}
