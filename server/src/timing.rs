//! `Server-Timing` for one request: where the server's own time went, step by
//! step, so a client (and `scripts/bench`) can tell the network from the server.

use std::time::Instant;

use axum::http::HeaderValue;
use axum::http::header::HeaderName;

/// `http` names no constant for it.
pub const SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

/// Steps of one request, each timed from the end of the one before.
#[derive(Debug, Clone)]
pub struct Timing {
    start: Instant,
    last: Instant,
    steps: Vec<(&'static str, f64)>,
}

impl Default for Timing {
    fn default() -> Self {
        Self::new()
    }
}

impl Timing {
    pub fn new() -> Self {
        let now = Instant::now();
        Self {
            start: now,
            last: now,
            steps: Vec::new(),
        }
    }

    /// The step `name` ended now.
    pub fn lap(&mut self, name: &'static str) {
        let now = Instant::now();
        self.steps
            .push((name, (now - self.last).as_secs_f64() * 1000.0));
        self.last = now;
    }

    /// The header: every step, then `total`, in milliseconds.
    pub fn header(&self) -> (HeaderName, HeaderValue) {
        let total = self.start.elapsed().as_secs_f64() * 1000.0;
        let mut v: Vec<String> = (self.steps.iter())
            .map(|(n, d)| format!("{n};dur={d:.1}"))
            .collect();
        v.push(format!("total;dur={total:.1}"));
        let value = HeaderValue::from_str(&v.join(", ")).expect("names and numbers are ASCII");
        (SERVER_TIMING, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_each_step_then_total() {
        let mut t = Timing::new();
        t.lap("list");
        t.lap("db");
        let (name, v) = t.header();
        assert_eq!(name, SERVER_TIMING);
        let v = v.to_str().unwrap();
        let names: Vec<&str> = v
            .split(", ")
            .map(|s| s.split(';').next().unwrap())
            .collect();
        assert_eq!(names, ["list", "db", "total"]);
        assert!(v.split(", ").all(|s| s.contains(";dur=")), "{v}");
    }
}
