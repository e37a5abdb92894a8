//! Retry policy as data: base, cap, jitter and attempts are named settings.

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
