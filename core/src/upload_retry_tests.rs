//! The parts machine under failures: backoff, re-signing, waiting online, throttling.

use super::*;
#[test]
fn tus_style_script_500_503_expired_then_success() {
    // One full part: it goes to a signed URL (a short tail would go through the API).
    let mut u = Parts::new(cfg(50, 1), 7);
    assert_eq!(
        u.handle(Event::Recorded { total: 50 }, 0),
        vec![Command::Sign {
            parts: vec![1, 2],
            sizes: vec![50, 50]
        }]
    );
    assert!(u.handle(Event::RecordingFinished, 0).is_empty());
    assert_eq!(puts(&u.handle(signed(&[1], 600_000), 0)), vec![(1, 0, 50)]);

    // 500: back off, bounded by the first ceiling.
    let c = u.handle(part_failed(1, status(500, "")), 1_000);
    let at_ms = wake_at(&c);
    assert!((1_000..=1_100).contains(&at_ms), "{at_ms}");
    assert!(puts(&c).is_empty(), "no retry before the backoff is over");
    assert_eq!(puts(&u.handle(Event::Tick, at_ms)), vec![(1, 0, 50)]);

    // 503: second failure in a row, ceiling doubles.
    let c = u.handle(part_failed(1, status(503, "")), 2_000);
    let at_ms = wake_at(&c);
    assert!((2_000..=2_200).contains(&at_ms), "{at_ms}");
    assert_eq!(u.failures_in_a_row(), 2);
    assert_eq!(puts(&u.handle(Event::Tick, at_ms)), vec![(1, 0, 50)]);

    // 403 "Request has expired": re-sign at once.
    let expired = status(403, "<Error><Message>Request has expired</Message></Error>");
    let c = u.handle(part_failed(1, expired), 3_000);
    assert_eq!(
        c,
        vec![Command::Sign {
            parts: vec![1],
            sizes: vec![50]
        }]
    );
    assert_eq!(
        puts(&u.handle(signed(&[1], 600_000), 3_000)),
        vec![(1, 0, 50)]
    );

    // Success resets the count and completes.
    let c = u.handle(
        Event::PartUploaded {
            part: 1,
            etag: "e".into(),
        },
        3_500,
    );
    assert_eq!(u.failures_in_a_row(), 0);
    assert!(matches!(
        &c[..],
        [Command::Complete {
            total_bytes: 50,
            ..
        }]
    ));
}

#[test]
fn fatal_4xx_fails_once_with_message() {
    let mut u = Parts::new(cfg(100, 1), 1);
    u.handle(Event::Recorded { total: 10 }, 0);
    u.handle(Event::RecordingFinished, 0);
    u.handle(signed(&[1], 600_000), 0);
    let c = u.handle(part_failed(1, status(404, "")), 0);
    assert!(
        matches!(
            &c[..],
            [Command::Fail {
                status: Some(404),
                ..
            }]
        ),
        "{c:?}"
    );
    assert_eq!(u.phase(), Phase::Failed);
    assert!(
        u.handle(Event::Tick, 10).is_empty(),
        "a failed upload stays quiet"
    );
}

#[test]
fn gives_up_after_max_attempts_without_progress() {
    let mut u = Parts::new(cfg(100, 1), 3);
    u.handle(Event::Recorded { total: 10 }, 0);
    u.handle(Event::RecordingFinished, 0);
    u.handle(signed(&[1], u64::MAX / 2), 0);
    let mut now = 0;
    for attempt in 1..5 {
        let c = u.handle(part_failed(1, Failure::Network), now);
        assert_eq!(u.failures_in_a_row(), attempt);
        let at_ms = wake_at(&c);
        now = at_ms;
        assert_eq!(puts(&u.handle(Event::Tick, now)).len(), 1);
    }
    let c = u.handle(part_failed(1, Failure::Network), now);
    assert_gave_up_without_status(&c);
}

#[test]
fn offline_waits_for_online_without_counting() {
    let mut u = Parts::new(cfg(100, 1), 3);
    u.handle(Event::Recorded { total: 10 }, 0);
    u.handle(Event::RecordingFinished, 0);
    u.handle(signed(&[1], 600_000), 0);
    let c = u.handle(part_failed(1, Failure::Offline), 5);
    assert_eq!(c, vec![Command::WaitOnline]);
    assert!(u.handle(Event::Tick, 100).is_empty());
    assert_eq!(u.failures_in_a_row(), 0);
    assert_eq!(puts(&u.handle(Event::Online, 200)), vec![(1, 0, 10)]);
}

#[test]
fn throttle_pauses_whole_queue_for_retry_after() {
    let mut u = Parts::new(cfg(10, 2), 3);
    u.handle(Event::Recorded { total: 40 }, 0);
    u.handle(signed(&[1, 2, 3, 4], 600_000), 0);
    let failure = Failure::Status {
        status: 429,
        body: String::new(),
        retry_after_ms: Some(1_500),
    };
    let c = u.handle(Event::PartFailed { part: 1, failure }, 100);
    assert_eq!(c, vec![Command::WakeAt { at_ms: 1_600 }]);
    // Part 2 finishing does not start anything while throttled.
    let c = u.handle(
        Event::PartUploaded {
            part: 2,
            etag: "x".into(),
        },
        200,
    );
    assert!(puts(&c).is_empty());
    assert_eq!(
        puts(&u.handle(Event::Tick, 1_600)),
        vec![(1, 0, 10), (3, 20, 10)]
    );
}

#[test]
fn url_near_expiry_is_resigned_before_use() {
    let mut u = Parts::new(cfg(10, 1), 3);
    u.handle(Event::Recorded { total: 20 }, 0);
    u.handle(signed(&[1, 2, 3], 5_000), 0);
    // Part 2's URL expires within the margin: sign again instead of sending.
    let c = u.handle(
        Event::PartUploaded {
            part: 1,
            etag: "a".into(),
        },
        4_500,
    );
    assert!(puts(&c).is_empty(), "{c:?}");
    assert!(
        c.iter()
            .any(|c| matches!(c, Command::Sign { parts, .. } if parts.contains(&2))),
        "{c:?}"
    );
}

#[test]
fn parallel_parts_dropping_together_count_once_each() {
    let mut c = cfg(10, 4);
    c.retry.max_attempts = 3;
    let mut u = Parts::new(c, 8);
    u.handle(Event::Recorded { total: 40 }, 0);
    assert_eq!(
        puts(&u.handle(signed(&[1, 2, 3, 4], u64::MAX / 2), 0)).len(),
        4
    );
    // The connection drops under all four at once, twice: still under 3 attempts each.
    let mut now = 0;
    for round in 1..=2 {
        for part in 1..=4 {
            let c = u.handle(
                Event::PartFailed {
                    part,
                    failure: Failure::Network,
                },
                now,
            );
            assert!(
                !c.iter().any(|c| matches!(c, Command::Fail { .. })),
                "round {round}: {c:?}"
            );
        }
        assert_eq!(u.failures_in_a_row(), round);
        now += 10 * 2_000;
        assert_eq!(
            puts(&u.handle(Event::Tick, now)).len(),
            4,
            "all four retried"
        );
    }
    // One part getting through resets every count.
    u.handle(
        Event::PartUploaded {
            part: 1,
            etag: "a".into(),
        },
        now,
    );
    assert_eq!(u.failures_in_a_row(), 0);
}
