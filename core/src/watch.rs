//! Watch-time accounting: what a viewer really watched.
//!
//! A [`WatchSession`] is fed the player's observations (`playing`, `timeupdate`,
//! `pause`, `seeking`/`seeked`, `ended`, the duration) with the wall clock passed
//! in, and keeps the union of the media intervals actually played. Seeking ahead
//! is a jump, not playback, and replaying a span adds nothing, so
//! `durationWatched` is honest. It returns telemetry events as data; the caller
//! sends them.

use crate::protocol::TelemetryEvent;
use crate::vocab::{CompletionStatus, TelemetryType};

/// Settings of the accounting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WatchConfig {
    /// Completion means at least this share of the video watched (default 0.95).
    pub completion_ratio: f64,
    /// The fastest playback rate credited: media time that advances faster than
    /// this times the wall clock between two samples is a jump, not playback.
    pub max_rate: f64,
    /// Wall-clock slack (ms) for timer jitter before an advance counts as a jump.
    pub jitter_ms: u64,
}

impl Default for WatchConfig {
    fn default() -> Self {
        Self {
            completion_ratio: 0.95,
            max_rate: 2.0,
            jitter_ms: 1_000,
        }
    }
}

/// What the player reported; media times in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Observation {
    /// The media's duration became known (`loadedmetadata`, `durationchange`).
    Duration(f64),
    /// `playing` at media time `t`.
    Playing(f64),
    /// `timeupdate` (or a polled `currentTime`) at `t`.
    TimeUpdate(f64),
    /// `pause` at `t`.
    Pause(f64),
    /// `seeking` toward `t`: nothing between here and there was played.
    Seeking(f64),
    /// `seeked` at `t`.
    Seeked(f64),
    /// `ended` at `t`.
    Ended(f64),
}

/// Kinds of telemetry event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchEventKind {
    Start,
    Pause,
    /// A quartile reached: 25, 50 or 75.
    Progress(u8),
    Completion,
}

impl WatchEventKind {
    /// The event's type on the wire.
    pub fn telemetry_type(self) -> TelemetryType {
        match self {
            Self::Start => TelemetryType::Start,
            Self::Pause => TelemetryType::Pause,
            Self::Progress(_) => TelemetryType::Progress,
            Self::Completion => TelemetryType::Completion,
        }
    }

    /// The wire name, e.g. `VIDEO_START`.
    pub fn as_str(self) -> &'static str {
        self.telemetry_type().as_str()
    }
}

/// An event to send: the caller adds ids and context with [`WatchEvent::into_telemetry`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WatchEvent {
    pub kind: WatchEventKind,
    /// Unix milliseconds, as passed in.
    pub at_ms: u64,
    /// Seconds watched so far (the union).
    pub duration_watched: f64,
    pub completed: bool,
}

impl WatchEvent {
    pub fn into_telemetry(
        self,
        event_id: String,
        session_id: String,
        asset_id: String,
        conversation_id: String,
    ) -> TelemetryEvent {
        TelemetryEvent {
            event_id,
            timestamp: self.at_ms,
            event_type: self.kind.as_str().into(),
            session_id,
            asset_id,
            conversation_id,
            duration_watched: self.duration_watched,
            completion_status: if self.completed {
                CompletionStatus::Completed
            } else {
                CompletionStatus::InProgress
            }
            .to_string(),
            quartile: match self.kind {
                WatchEventKind::Progress(q) => Some(q),
                _ => None,
            },
        }
    }
}

/// A union of closed intervals, kept sorted and disjoint.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Intervals(Vec<(f64, f64)>);

impl Intervals {
    /// Add `[a, b]`; empty, reversed or non-finite intervals are ignored.
    pub fn add(&mut self, a: f64, b: f64) {
        if !(a.is_finite() && b.is_finite()) || b <= a {
            return;
        }
        let (mut lo, mut hi) = (a, b);
        let mut out = Vec::with_capacity(self.0.len() + 1);
        for &(x, y) in &self.0 {
            if y < lo || x > hi {
                out.push((x, y));
            } else {
                lo = lo.min(x);
                hi = hi.max(y);
            }
        }
        let at = out.partition_point(|&(x, _)| x < lo);
        out.insert(at, (lo, hi));
        self.0 = out;
    }

    /// The length of the union.
    pub fn total(&self) -> f64 {
        self.0.iter().map(|(a, b)| b - a).sum()
    }

    /// Cut everything outside `[0, end]`.
    pub fn clip(&mut self, end: f64) {
        self.0 = self
            .0
            .iter()
            .map(|&(a, b)| (a.max(0.0), b.min(end)))
            .filter(|(a, b)| b > a)
            .collect();
    }

    pub fn spans(&self) -> &[(f64, f64)] {
        &self.0
    }
}

/// One viewing of one video.
#[derive(Debug, Clone)]
pub struct WatchSession {
    cfg: WatchConfig,
    duration: Option<f64>,
    played: Intervals,
    playing: bool,
    seeking: bool,
    /// The last media position and wall time, while playing.
    last: Option<(f64, u64)>,
    started: bool,
    quartiles: [bool; 3],
    completed: bool,
}

impl WatchSession {
    pub fn new(cfg: WatchConfig) -> Self {
        Self {
            cfg,
            duration: None,
            played: Intervals::default(),
            playing: false,
            seeking: false,
            last: None,
            started: false,
            quartiles: [false; 3],
            completed: false,
        }
    }

    /// Seconds actually played: the union of the intervals.
    pub fn duration_watched(&self) -> f64 {
        self.played.total()
    }

    pub fn intervals(&self) -> &Intervals {
        &self.played
    }

    pub fn started(&self) -> bool {
        self.started
    }

    pub fn completed(&self) -> bool {
        self.completed
    }

    /// Feed one observation at wall time `now_ms`; returns the events it causes.
    pub fn observe(&mut self, obs: Observation, now_ms: u64) -> Vec<WatchEvent> {
        let mut out = Vec::new();
        match obs {
            Observation::Duration(d) => {
                if d.is_finite() && d > 0.0 {
                    self.duration = Some(d);
                    self.played.clip(d);
                }
            }
            Observation::Playing(t) => {
                if let Some(t) = self.position(t) {
                    if self.playing && !self.seeking {
                        self.advance(t, now_ms, &mut out);
                    }
                    self.playing = true;
                    self.seeking = false;
                    self.last = Some((t, now_ms));
                }
            }
            Observation::TimeUpdate(t) => {
                if let Some(t) = self.position(t)
                    && self.playing
                    && !self.seeking
                {
                    self.advance(t, now_ms, &mut out);
                }
            }
            Observation::Pause(t) | Observation::Ended(t) => {
                if let Some(t) = self.position(t)
                    && self.playing
                    && !self.seeking
                {
                    self.advance(t, now_ms, &mut out);
                }
                let was_playing = self.playing;
                self.playing = false;
                self.last = None;
                if matches!(obs, Observation::Pause(_)) && was_playing && self.started {
                    out.push(self.event(WatchEventKind::Pause, now_ms));
                }
            }
            Observation::Seeking(_) => {
                self.seeking = true;
                self.last = None;
            }
            Observation::Seeked(t) => {
                self.seeking = false;
                self.last = self.position(t).map(|t| (t, now_ms));
            }
        }
        self.milestones(now_ms, &mut out);
        out
    }

    /// A finite, non-negative media time, clipped to the duration when known.
    fn position(&self, t: f64) -> Option<f64> {
        if !t.is_finite() || t < 0.0 {
            return None;
        }
        Some(self.duration.map_or(t, |d| t.min(d)))
    }

    /// Credit playback from the last sample to `t`, unless it is a jump.
    fn advance(&mut self, t: f64, now_ms: u64, out: &mut Vec<WatchEvent>) {
        if let Some((p, w)) = self.last {
            let wall = now_ms.saturating_sub(w) as f64 / 1000.0;
            let allowed = wall * self.cfg.max_rate;
            let step = t - p;
            let slack = self.cfg.jitter_ms as f64 / 1000.0 * self.cfg.max_rate;
            if step > 0.0 && step <= allowed + slack && allowed > 0.0 {
                self.played.add(p, p + step.min(allowed));
                if !self.started {
                    self.started = true;
                    out.push(self.event(WatchEventKind::Start, now_ms));
                }
            }
        }
        self.last = Some((t, now_ms));
    }

    /// Quartiles and completion, each once, by the share really watched.
    fn milestones(&mut self, now_ms: u64, out: &mut Vec<WatchEvent>) {
        let Some(d) = self.duration else { return };
        if !self.started {
            return;
        }
        let share = self.played.total() / d;
        for (i, q) in [25u8, 50, 75].into_iter().enumerate() {
            if !self.quartiles[i] && share >= f64::from(q) / 100.0 {
                self.quartiles[i] = true;
                out.push(self.event(WatchEventKind::Progress(q), now_ms));
            }
        }
        if !self.completed && share >= self.cfg.completion_ratio {
            self.completed = true;
            out.push(self.event(WatchEventKind::Completion, now_ms));
        }
    }

    fn event(&self, kind: WatchEventKind, at_ms: u64) -> WatchEvent {
        WatchEvent {
            kind,
            at_ms,
            duration_watched: self.played.total(),
            completed: self.completed,
        }
    }
}

#[cfg(test)]
#[path = "watch_tests.rs"]
mod tests;
