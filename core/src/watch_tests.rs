//! Scripted viewings and property tests of the interval union and completion.

use super::*;
use proptest::prelude::*;

const EPS: f64 = 1e-9;

/// Play from `from` to `to` at 1x, sampling every 250 ms, starting at wall `now`;
/// returns the events and the wall time at the end.
fn play(s: &mut WatchSession, from: f64, to: f64, now: u64) -> (Vec<WatchEvent>, u64) {
    let mut out = s.observe(Observation::Playing(from), now);
    let mut t = from;
    let mut w = now;
    while t < to {
        t = (t + 0.25).min(to);
        w += 250;
        out.extend(s.observe(Observation::TimeUpdate(t), w));
    }
    (out, w)
}

fn kinds(events: &[WatchEvent]) -> Vec<WatchEventKind> {
    events.iter().map(|e| e.kind).collect()
}

fn session(duration: f64) -> WatchSession {
    let mut s = WatchSession::new(WatchConfig::default());
    s.observe(Observation::Duration(duration), 0);
    s
}

#[test]
fn no_start_on_load_or_on_a_playing_that_does_not_advance() {
    let mut s = session(100.0);
    assert!(s.observe(Observation::Playing(0.0), 1_000).is_empty());
    assert!(s.observe(Observation::TimeUpdate(0.0), 1_250).is_empty());
    assert!(!s.started());
    let e = s.observe(Observation::TimeUpdate(0.25), 1_500);
    assert_eq!(kinds(&e), [WatchEventKind::Start]);
    // Never twice.
    let (e, _) = play(&mut s, 0.25, 10.0, 1_500);
    assert!(!kinds(&e).contains(&WatchEventKind::Start));
}

#[test]
fn pause_before_start_is_not_reported_and_resume_counts_on() {
    let mut s = session(100.0);
    s.observe(Observation::Playing(0.0), 0);
    assert!(s.observe(Observation::Pause(0.0), 100).is_empty());
    let (_, w) = play(&mut s, 0.0, 10.0, 1_000);
    let e = s.observe(Observation::Pause(10.0), w);
    assert_eq!(kinds(&e), [WatchEventKind::Pause]);
    assert!((e[0].duration_watched - 10.0).abs() < EPS);
    // A long pause credits nothing; resuming continues the same interval.
    let (_, _) = play(&mut s, 10.0, 20.0, w + 600_000);
    assert!((s.duration_watched() - 20.0).abs() < EPS);
    assert_eq!(s.intervals().spans(), &[(0.0, 20.0)]);
}

#[test]
fn seeking_ahead_is_not_watching() {
    let mut s = session(100.0);
    let (_, w) = play(&mut s, 0.0, 10.0, 0);
    s.observe(Observation::Seeking(90.0), w);
    s.observe(Observation::Seeked(90.0), w + 50);
    let (e, _) = play(&mut s, 90.0, 100.0, w + 100);
    assert!((s.duration_watched() - 20.0).abs() < EPS);
    assert!(!kinds(&e).contains(&WatchEventKind::Completion));
    assert!(e.is_empty(), "{e:?}");
}

#[test]
fn a_jump_without_seek_events_is_not_watching() {
    let mut s = session(100.0);
    let (_, w) = play(&mut s, 0.0, 5.0, 0);
    // The position leaps 60 s in a quarter second: no seek event, still a jump.
    s.observe(Observation::TimeUpdate(65.0), w + 250);
    assert!((s.duration_watched() - 5.0).abs() < EPS);
}

#[test]
fn replaying_adds_nothing() {
    let mut s = session(40.0);
    let (_, w) = play(&mut s, 0.0, 20.0, 0);
    s.observe(Observation::Seeking(0.0), w);
    s.observe(Observation::Seeked(0.0), w);
    let (e, _) = play(&mut s, 0.0, 20.0, w);
    assert!((s.duration_watched() - 20.0).abs() < EPS);
    assert!(
        e.iter()
            .all(|e| !matches!(e.kind, WatchEventKind::Progress(75)))
    );
}

#[test]
fn quartiles_and_completion_once_each_in_order() {
    let mut s = session(20.0);
    let (mut e, w) = play(&mut s, 0.0, 20.0, 0);
    e.extend(s.observe(Observation::Ended(20.0), w));
    let (again, _) = play(&mut s, 0.0, 20.0, w + 1_000);
    assert!(again.is_empty(), "{again:?}");
    use WatchEventKind::*;
    assert_eq!(
        kinds(&e),
        [Start, Progress(25), Progress(50), Progress(75), Completion]
    );
    let c = e.last().unwrap();
    assert!(c.completed && (c.duration_watched - 19.0).abs() < 0.25 + EPS);
    let t = c.into_telemetry("e".into(), "s".into(), "v".into(), "c".into());
    assert_eq!(
        (t.event_type.as_str(), t.completion_status.as_str()),
        ("VIDEO_COMPLETION", "completed")
    );
    let p = e[1].into_telemetry("e".into(), "s".into(), "v".into(), "c".into());
    assert_eq!(
        (p.quartile, p.completion_status.as_str()),
        (Some(25), "in_progress")
    );
}

#[test]
fn garbage_times_are_ignored() {
    let mut s = session(10.0);
    for t in [f64::NAN, f64::INFINITY, -1.0] {
        s.observe(Observation::Playing(t), 0);
        s.observe(Observation::TimeUpdate(t), 500);
    }
    assert_eq!(s.duration_watched(), 0.0);
    s.observe(Observation::Duration(f64::NAN), 0);
    let (_, _) = play(&mut s, 0.0, 30.0, 1_000);
    assert!(s.duration_watched() <= 10.0 + EPS);
}

proptest! {
    #[test]
    fn union_of_disjoint_intervals_ignores_order(
        mut spans in prop::collection::vec((0u32..1000, 1u32..50), 1..12),
        seed in any::<u64>(),
    ) {
        // Make them disjoint: lay them end to end with gaps.
        let mut at = 0.0;
        let mut iv = Vec::new();
        for (gap, len) in spans.drain(..) {
            let a = at + f64::from(gap) + 1.0;
            let b = a + f64::from(len);
            iv.push((a, b));
            at = b;
        }
        let total: f64 = iv.iter().map(|(a, b)| b - a).sum();
        let mut fwd = Intervals::default();
        iv.iter().for_each(|&(a, b)| fwd.add(a, b));
        let mut shuffled = iv.clone();
        let n = shuffled.len();
        for i in 0..n {
            shuffled.swap(i, (seed as usize).wrapping_add(i * 7) % n);
        }
        let mut other = Intervals::default();
        shuffled.iter().for_each(|&(a, b)| other.add(a, b));
        prop_assert!((fwd.total() - total).abs() < 1e-6);
        prop_assert_eq!(fwd, other);
    }

    #[test]
    fn overlapping_intervals_make_their_hull(
        start in 0.0f64..100.0,
        lens in prop::collection::vec(0.1f64..20.0, 1..10),
    ) {
        // Each interval starts inside the previous one.
        let mut iv = Intervals::default();
        let (mut a, mut hi) = (start, start);
        for len in lens {
            let b = a + len;
            iv.add(a, b);
            hi = hi.max(b);
            a += len / 2.0;
        }
        prop_assert_eq!(iv.spans(), &[(start, hi)]);
        // Adding any span again adds nothing.
        let before = iv.total();
        iv.add(start, hi);
        iv.add(start + (hi - start) / 3.0, hi);
        prop_assert!((iv.total() - before).abs() < 1e-9);
    }

    /// Random viewings: play, pause, seek and jump in any order.
    #[test]
    fn watched_never_exceeds_duration_or_wall_time(
        duration in 1.0f64..600.0,
        steps in prop::collection::vec((0u8..7, 0.0f64..1.0, 0u64..5_000), 1..200),
    ) {
        let cfg = WatchConfig::default();
        let mut s = WatchSession::new(cfg);
        s.observe(Observation::Duration(duration), 0);
        let mut now = 0u64;
        let mut playing_wall = 0u64;
        let mut playing = false;
        let mut completions = 0;
        let mut starts = 0;
        for (op, pos, dt) in steps {
            now += dt;
            if playing {
                playing_wall += dt;
            }
            let t = pos * duration * 1.2;
            let obs = match op {
                0 => { playing = true; Observation::Playing(t) }
                1 | 2 => Observation::TimeUpdate(t),
                3 => { playing = false; Observation::Pause(t) }
                4 => Observation::Seeking(t),
                5 => Observation::Seeked(t),
                _ => { playing = false; Observation::Ended(t) }
            };
            for e in s.observe(obs, now) {
                match e.kind {
                    WatchEventKind::Completion => {
                        completions += 1;
                        prop_assert!(e.duration_watched >= cfg.completion_ratio * duration - 1e-9);
                    }
                    WatchEventKind::Start => starts += 1,
                    _ => {}
                }
            }
            let w = s.duration_watched();
            prop_assert!(w <= duration + 1e-9, "{} > {}", w, duration);
            // The jitter slack lets one sample credit up to jitter_ms early.
            let bound = (playing_wall + cfg.jitter_ms) as f64 / 1000.0 * cfg.max_rate;
            prop_assert!(w <= bound + 1e-9, "{} watched in {} ms", w, playing_wall);
        }
        prop_assert!(completions <= 1 && starts <= 1);
        prop_assert_eq!(completions == 1, s.completed());
        if s.completed() {
            prop_assert!(s.duration_watched() >= cfg.completion_ratio * duration - 1e-9);
        }
    }

    /// Watching the same span any number of times counts it once.
    #[test]
    fn replaying_a_span_adds_nothing(
        a in 0.0f64..50.0, len in 1.0f64..40.0, times in 1usize..5,
    ) {
        let mut s = session(100.0);
        let mut now = 10_000;
        for _ in 0..times {
            s.observe(Observation::Seeking(a), now);
            s.observe(Observation::Seeked(a), now);
            let (_, w) = play(&mut s, a, a + len, now);
            s.observe(Observation::Pause(a + len), w);
            now = w + 1_000;
        }
        prop_assert!((s.duration_watched() - len).abs() < 1e-6);
    }

    /// Watching straight through, at any completion ratio, reports START, each
    /// quartile and completion exactly once, completion only once the ratio is met.
    #[test]
    fn straight_through_reports_every_milestone_once(
        duration in 1.0f64..120.0, ratio in 0.5f64..1.0,
    ) {
        let mut s = WatchSession::new(WatchConfig { completion_ratio: ratio, ..Default::default() });
        s.observe(Observation::Duration(duration), 0);
        let mut events = s.observe(Observation::Playing(0.0), 0);
        let (mut t, mut w) = (0.0, 0);
        while t < duration {
            t = (t + 0.25f64).min(duration);
            w += 250;
            for e in s.observe(Observation::TimeUpdate(t), w) {
                if e.kind == WatchEventKind::Completion {
                    prop_assert!(e.duration_watched >= ratio * duration - 1e-9);
                    prop_assert!(t >= ratio * duration - 1e-9);
                }
                events.push(e);
            }
        }
        events.extend(s.observe(Observation::Ended(duration), w));
        use WatchEventKind::*;
        let want = [Start, Progress(25), Progress(50), Progress(75), Completion];
        for k in want {
            prop_assert_eq!(events.iter().filter(|e| e.kind == k).count(), 1, "{:?}", k);
        }
        prop_assert!((s.duration_watched() - duration).abs() < 1e-6);
    }
}
