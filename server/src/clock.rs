//! Wall-clock helpers; the only place the server reads the time for its decisions.

use std::time::{SystemTime, UNIX_EPOCH};

pub fn unix_now() -> u64 {
    unix_now_ms() / 1000
}

pub fn unix_now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
