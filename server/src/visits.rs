//! Watch-page visits: each mints a watch token and a viewer session, so they are
//! limited per client IP and per video (GCRA, from `governor`), like requests are
//! in [`crate::ratelimit`]. Over a limit the share link answers a friendly 429 page.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, RateLimiter};

use crate::config::Settings;
use crate::ratelimit::quota;

/// Forget idle keys once a limiter holds this many.
const HOUSEKEEP_AT: usize = 50_000;

#[derive(Debug)]
pub struct VisitLimits {
    ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    video: Option<DefaultKeyedRateLimiter<String>>,
    seen: AtomicU64,
}

impl VisitLimits {
    pub fn new(s: &Settings) -> Self {
        let ip = quota(s.watch_visits_ip_per_minute, s.watch_visits_ip_burst);
        let video = quota(s.watch_visits_video_per_minute, s.watch_visits_video_burst);
        Self {
            ip: ip.map(RateLimiter::keyed),
            video: video.map(RateLimiter::keyed),
            seen: AtomicU64::new(0),
        }
    }

    /// Admit one visit of `video_id` from `ip`, or say in how many seconds to retry.
    pub fn admit(&self, ip: Option<IpAddr>, video_id: &str) -> Result<(), u64> {
        let wait = |not_until: governor::NotUntil<_>| {
            let w = not_until.wait_time_from(DefaultClock::default().now());
            w.as_secs() + u64::from(w.subsec_nanos() > 0)
        };
        // Forget idle keys now and then, not on every visit.
        if self
            .seen
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(1024)
        {
            if let Some(l) = self.ip.as_ref().filter(|l| l.len() > HOUSEKEEP_AT) {
                l.retain_recent();
            }
            if let Some(l) = self.video.as_ref().filter(|l| l.len() > HOUSEKEEP_AT) {
                l.retain_recent();
            }
        }
        if let (Some(l), Some(ip)) = (&self.ip, ip) {
            l.check_key(&ip).map_err(wait)?;
        }
        if let Some(l) = &self.video {
            l.check_key(&video_id.to_string()).map_err(wait)?;
        }
        Ok(())
    }
}
