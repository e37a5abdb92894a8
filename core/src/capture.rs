//! Capture decisions: how long a recording has really run (pauses excluded), when
//! it must stop, what the 3-2-1 countdown shows, and the video bitrate for a
//! resolution. The clock is passed in.

/// Recorded time, excluding pauses. All times are milliseconds on one clock.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RecordClock {
    started_ms: f64,
    paused_at_ms: Option<f64>,
    paused_total_ms: f64,
}

impl RecordClock {
    pub fn start(now_ms: f64) -> Self {
        Self {
            started_ms: now_ms,
            paused_at_ms: None,
            paused_total_ms: 0.0,
        }
    }

    pub fn is_paused(&self) -> bool {
        self.paused_at_ms.is_some()
    }

    /// Pause; pausing twice is the same as once.
    pub fn pause(&mut self, now_ms: f64) {
        if self.paused_at_ms.is_none() {
            self.paused_at_ms = Some(now_ms.max(self.started_ms));
        }
    }

    /// Resume; resuming when not paused does nothing.
    pub fn resume(&mut self, now_ms: f64) {
        if let Some(at) = self.paused_at_ms.take() {
            self.paused_total_ms += (now_ms - at).max(0.0);
        }
    }

    /// Time recorded so far: never negative, never counting a pause, never going back.
    pub fn elapsed_ms(&self, now_ms: f64) -> f64 {
        let until = self.paused_at_ms.unwrap_or(now_ms).max(self.started_ms);
        (until - self.started_ms - self.paused_total_ms).max(0.0)
    }

    /// Time left before `limit_ms`, and whether the recording must stop now.
    pub fn remaining_ms(&self, now_ms: f64, limit_ms: u64) -> f64 {
        (limit_ms as f64 - self.elapsed_ms(now_ms)).max(0.0)
    }

    pub fn must_stop(&self, now_ms: f64, limit_ms: u64) -> bool {
        self.remaining_ms(now_ms, limit_ms) <= 0.0
    }
}

/// The number the countdown shows `elapsed_ms` after it began, or `None` once it is over.
pub fn countdown_shows(seconds: u32, elapsed_ms: f64) -> Option<u32> {
    let left = f64::from(seconds) * 1000.0 - elapsed_ms.max(0.0);
    (left > 0.0).then(|| (left / 1000.0).ceil() as u32)
}

/// `m:ss` (or `h:mm:ss`) for a duration in milliseconds, rounded down.
pub fn clock_text(ms: f64) -> String {
    let s = (ms.max(0.0) / 1000.0).floor() as u64;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// A sensible video bitrate (bits/s) for a resolution: enough for a talking head
/// to look sharp, small enough for a 4G uplink.
pub fn video_bitrate(width: u32, height: u32) -> u32 {
    match u64::from(width) * u64::from(height) {
        0..=172_800 => 600_000,         // up to 480×360
        172_801..=409_600 => 1_200_000, // up to 640×640 / 854×480
        409_601..=921_600 => 2_500_000, // up to 1280×720
        _ => 4_000_000,                 // 1080p and above
    }
}

/// Audio bitrate to ask for alongside any video bitrate (Opus or AAC).
pub const AUDIO_BITRATE: u32 = 96_000;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pauses_are_not_counted() {
        let mut c = RecordClock::start(1_000.0);
        assert_eq!(c.elapsed_ms(3_000.0), 2_000.0);
        c.pause(3_000.0);
        assert!(c.is_paused());
        assert_eq!(c.elapsed_ms(10_000.0), 2_000.0);
        c.resume(10_000.0);
        assert_eq!(c.elapsed_ms(11_000.0), 3_000.0);
        c.pause(11_000.0);
        c.pause(12_000.0); // twice is once
        c.resume(13_000.0);
        c.resume(14_000.0); // not paused: nothing
        assert_eq!(c.elapsed_ms(15_000.0), 5_000.0);
    }

    #[test]
    fn the_limit_stops_the_recording_and_pauses_extend_it() {
        let mut c = RecordClock::start(0.0);
        assert!(!c.must_stop(59_999.0, 60_000));
        c.pause(30_000.0);
        c.resume(40_000.0);
        assert!(!c.must_stop(60_000.0, 60_000));
        assert_eq!(c.remaining_ms(60_000.0, 60_000), 10_000.0);
        assert!(c.must_stop(70_000.0, 60_000));
        assert_eq!(c.remaining_ms(80_000.0, 60_000), 0.0);
    }

    #[test]
    fn countdown_counts_three_two_one_then_ends() {
        assert_eq!(countdown_shows(3, 0.0), Some(3));
        assert_eq!(countdown_shows(3, 999.0), Some(3));
        assert_eq!(countdown_shows(3, 1_000.0), Some(2));
        assert_eq!(countdown_shows(3, 2_500.0), Some(1));
        assert_eq!(countdown_shows(3, 3_000.0), None);
        assert_eq!(countdown_shows(0, 0.0), None);
    }

    #[test]
    fn clock_text_reads_like_a_stopwatch() {
        assert_eq!(clock_text(0.0), "0:00");
        assert_eq!(clock_text(59_999.0), "0:59");
        assert_eq!(clock_text(65_000.0), "1:05");
        assert_eq!(clock_text(3_725_000.0), "1:02:05");
        assert_eq!(clock_text(-5.0), "0:00");
    }

    #[test]
    fn bitrate_grows_with_resolution() {
        assert_eq!(video_bitrate(320, 240), 600_000);
        assert_eq!(video_bitrate(640, 480), 1_200_000);
        assert_eq!(video_bitrate(480, 640), 1_200_000);
        assert_eq!(video_bitrate(1280, 720), 2_500_000);
        assert_eq!(video_bitrate(1920, 1080), 4_000_000);
    }

    proptest! {
        /// Whatever the sequence of pauses and resumes, elapsed time never goes back,
        /// never exceeds wall time, and equals wall time minus the paused spans.
        #[test]
        fn elapsed_is_wall_time_minus_pauses(steps in prop::collection::vec((any::<bool>(), 0u32..5_000), 0..40)) {
            let mut c = RecordClock::start(0.0);
            let (mut now, mut last, mut paused_ms, mut paused) = (0.0f64, 0.0f64, 0.0f64, false);
            for (pause, dt) in steps {
                let dt = f64::from(dt);
                if paused { paused_ms += dt; }
                now += dt;
                let e = c.elapsed_ms(now);
                prop_assert!(e >= last && e <= now);
                prop_assert_eq!(e, now - paused_ms);
                last = e;
                if pause { c.pause(now); paused = true } else { c.resume(now); paused = false }
            }
        }
    }
}
