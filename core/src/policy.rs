//! Retry policy as data: base, cap, jitter and attempts are named settings.
//!
//! Every retry loop asks the same question after a failure: wait how long, or
//! give up? [`RetryPolicy`] answers it with doubling delays (uploads, processing
//! jobs), [`RetrySchedule`] with an explicit list (webhooks), both through
//! `next_delay_ms`.

use serde::{Deserialize, Serialize};

/// Exponential backoff with full jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RetryPolicy {
    /// Delay ceiling for the first retry, in milliseconds.
    pub base_ms: u64,
    /// No delay is ever longer than this, in milliseconds.
    pub cap_ms: u64,
    /// Failures in a row, without any bytes progressing, before giving up.
    pub max_attempts: u32,
    /// Full jitter (a uniform delay in `0..=ceiling`) when true; the ceiling itself when false.
    pub jitter: bool,
}

/// The poster the browser sends beside the upload: best effort (processing makes
/// one from the video when none arrives), so three tries, 2 s apart.
pub const POSTER_RETRY: RetryPolicy = RetryPolicy {
    base_ms: 2_000,
    cap_ms: 2_000,
    max_attempts: 3,
    jitter: false,
};

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base_ms: 500,
            cap_ms: 30_000,
            max_attempts: 8,
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// The delay ceiling before retry number `attempt` (1-based): `min(cap, base·2^(attempt-1))`.
    pub fn ceiling_ms(&self, attempt: u32) -> u64 {
        let shift = attempt.saturating_sub(1).min(40);
        self.base_ms.saturating_mul(1u64 << shift).min(self.cap_ms)
    }

    /// The delay before retry number `attempt`, given a uniform random `unit` in `[0, 1)`.
    pub fn delay_ms(&self, attempt: u32, unit: f64) -> u64 {
        let ceiling = self.ceiling_ms(attempt);
        if !self.jitter {
            return ceiling;
        }
        let unit = unit.clamp(0.0, 1.0);
        ((ceiling as f64) * unit).floor() as u64
    }

    /// After `failures` failures (1-based): the delay before the next try, or
    /// `None` when `max_attempts` is reached and the caller gives up.
    pub fn next_delay_ms(&self, failures: u32, unit: f64) -> Option<u64> {
        (failures < self.max_attempts).then(|| self.delay_ms(failures, unit))
    }
}

/// Retries at fixed delays, as the Standard Webhooks schedule lists them; the
/// list's length bounds the retries.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrySchedule {
    /// The delay before retry n (1-based) is `delays_ms[n - 1]`.
    pub delays_ms: Vec<u64>,
    /// Each delay is stretched by up to this share (0.1: up to 10% later, never
    /// earlier), so retries of one outage spread out.
    pub spread: f64,
}

impl RetrySchedule {
    /// From a Standard Webhooks schedule in seconds, whose first entry is the
    /// delay of the first attempt (not a retry).
    pub fn from_webhook_seconds(schedule: &[u64], spread: f64) -> Self {
        let delays_ms = schedule.iter().skip(1).map(|s| s * 1000).collect();
        Self { delays_ms, spread }
    }

    /// After `failures` failed attempts (1-based): the delay before the next one,
    /// at least `at_least_ms` (a server's `Retry-After`), stretched by `unit` (in
    /// `[0, 1)`) times the spread; `None` when the schedule is used up.
    pub fn next_delay_ms(&self, failures: u32, at_least_ms: u64, unit: f64) -> Option<u64> {
        let index = usize::try_from(failures.checked_sub(1)?).ok()?;
        let delay = (*self.delays_ms.get(index)?).max(at_least_ms);
        let stretch = (delay as f64 * self.spread * unit.clamp(0.0, 1.0)).floor() as u64;
        Some(delay.saturating_add(stretch))
    }
}

/// A tiny deterministic PRNG (xorshift64*), so jitter stays pure and replayable.
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    /// A uniform value in `[0, 1)`.
    pub fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A uniform 64-bit value (a seed for another generator).
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_poster_gets_three_tries_two_seconds_apart() {
        let waits: Vec<_> = (1..=4)
            .map(|f| POSTER_RETRY.next_delay_ms(f, 0.3))
            .collect();
        assert_eq!(waits, [Some(2_000), Some(2_000), None, None]);
    }

    #[test]
    fn ceiling_doubles_then_caps() {
        let p = RetryPolicy {
            base_ms: 100,
            cap_ms: 1000,
            max_attempts: 5,
            jitter: false,
        };
        let got: Vec<u64> = (1..=6).map(|a| p.ceiling_ms(a)).collect();
        assert_eq!(got, vec![100, 200, 400, 800, 1000, 1000]);
        assert_eq!(p.delay_ms(3, 0.5), 400);
    }

    #[test]
    fn doubling_gives_up_at_max_attempts() {
        let p = RetryPolicy {
            base_ms: 5_000,
            cap_ms: 600_000,
            max_attempts: 3,
            jitter: false,
        };
        let got: Vec<_> = (1..=3).map(|f| p.next_delay_ms(f, 0.9)).collect();
        assert_eq!(got, vec![Some(5_000), Some(10_000), None]);
    }

    #[test]
    fn a_schedule_is_followed_then_ends() {
        let s = RetrySchedule::from_webhook_seconds(&[0, 5, 300], 0.1);
        assert_eq!(s.delays_ms, vec![5_000, 300_000]);
        assert_eq!(s.next_delay_ms(1, 0, 0.0), Some(5_000));
        assert_eq!(s.next_delay_ms(1, 0, 0.5), Some(5_250));
        // Retry-After is a minimum, and is spread too.
        assert_eq!(s.next_delay_ms(1, 60_000, 0.0), Some(60_000));
        assert_eq!(s.next_delay_ms(2, 60_000, 1.0), Some(330_000));
        assert_eq!(s.next_delay_ms(3, 0, 0.0), None);
        assert_eq!(s.next_delay_ms(0, 0, 0.0), None);
    }

    proptest! {
        #[test]
        fn delay_is_bounded_by_cap(base in 0u64..100_000, cap in 0u64..1_000_000,
                                   attempt in 0u32..200, seed: u64) {
            let p = RetryPolicy { base_ms: base, cap_ms: cap, max_attempts: 3, jitter: true };
            let mut j = Jitter::new(seed);
            let u = j.next_unit();
            prop_assert!((0.0..1.0).contains(&u));
            prop_assert!(p.delay_ms(attempt, u) <= cap);
            prop_assert!(p.delay_ms(attempt, u) <= p.ceiling_ms(attempt));
        }
    }
}
