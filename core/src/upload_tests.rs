use super::*;
use proptest::prelude::*;

const MIB: u64 = 1024 * 1024;

fn cfg(part_size: u64, parallelism: usize) -> UploadConfig {
    UploadConfig {
        part_size,
        parallelism,
        retry: RetryPolicy {
            base_ms: 100,
            cap_ms: 2_000,
            max_attempts: 5,
            jitter: true,
        },
        resign_margin_ms: 1_000,
        max_parts: MAX_PARTS,
    }
}

fn status(s: u16, body: &str) -> Failure {
    Failure::Status {
        status: s,
        body: body.into(),
        retry_after_ms: None,
    }
}

fn signed(parts: &[u32], expires_at_ms: u64) -> Event {
    Event::Signed {
        parts: parts
            .iter()
            .map(|&n| SignedPart {
                part_number: n,
                url: format!("https://s3/part{n}"),
                expires_at_ms,
            })
            .collect(),
    }
}

fn puts(cmds: &[Command]) -> Vec<(u32, u64, u64)> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Put {
                part, offset, len, ..
            } => Some((*part, *offset, *len)),
            _ => None,
        })
        .collect()
}

#[test]
fn plans_parts_and_completes_in_order() {
    let mut u = Uploader::new(cfg(5 * MIB, 2), 1);
    assert_eq!(
        u.handle(Event::Recorded { total: 12 * MIB }, 0),
        vec![Command::Sign { parts: vec![1, 2] }]
    );
    let c = u.handle(signed(&[1, 2], 60_000), 0);
    assert_eq!(puts(&c), vec![(1, 0, 5 * MIB), (2, 5 * MIB, 5 * MIB)]);
    // The tail is planned only when the recording finishes.
    let c = u.handle(Event::RecordingFinished, 0);
    assert_eq!(c, vec![Command::Sign { parts: vec![3] }]);
    let c = u.handle(signed(&[3], 60_000), 0);
    assert!(puts(&c).is_empty(), "parallelism 2 is respected");
    let c = u.handle(
        Event::PartUploaded {
            part: 2,
            etag: "b".into(),
        },
        0,
    );
    assert_eq!(puts(&c), vec![(3, 10 * MIB, 2 * MIB)]);
    u.handle(
        Event::PartUploaded {
            part: 3,
            etag: "c".into(),
        },
        0,
    );
    let c = u.handle(
        Event::PartUploaded {
            part: 1,
            etag: "a".into(),
        },
        0,
    );
    let expected: Vec<CompletedPart> = [(1, "a"), (2, "b"), (3, "c")]
        .iter()
        .map(|(n, e)| CompletedPart {
            part_number: *n,
            etag: e.to_string(),
        })
        .collect();
    assert_eq!(
        c,
        vec![Command::Complete {
            parts: expected,
            total_bytes: 12 * MIB
        }]
    );
    assert_eq!(u.phase(), Phase::Completing);
    assert!(u.handle(Event::Completed, 0).is_empty());
    assert_eq!(u.phase(), Phase::Done);
    assert_eq!(u.confirmed_bytes(), 12 * MIB);
}

#[test]
fn tus_style_script_500_503_expired_then_success() {
    let mut u = Uploader::new(cfg(100, 1), 7);
    u.handle(Event::Recorded { total: 50 }, 0);
    assert_eq!(
        u.handle(Event::RecordingFinished, 0),
        vec![Command::Sign { parts: vec![1] }]
    );
    assert_eq!(puts(&u.handle(signed(&[1], 600_000), 0)), vec![(1, 0, 50)]);

    // 500: back off, bounded by the first ceiling.
    let c = u.handle(
        Event::PartFailed {
            part: 1,
            failure: status(500, ""),
        },
        1_000,
    );
    let Some(Command::WakeAt { at_ms }) = c.last().cloned() else {
        panic!("{c:?}")
    };
    assert!((1_000..=1_100).contains(&at_ms), "{at_ms}");
    assert!(puts(&c).is_empty(), "no retry before the backoff is over");
    assert_eq!(puts(&u.handle(Event::Tick, at_ms)), vec![(1, 0, 50)]);

    // 503: second failure in a row, ceiling doubles.
    let c = u.handle(
        Event::PartFailed {
            part: 1,
            failure: status(503, ""),
        },
        2_000,
    );
    let Some(Command::WakeAt { at_ms }) = c.last().cloned() else {
        panic!("{c:?}")
    };
    assert!((2_000..=2_200).contains(&at_ms), "{at_ms}");
    assert_eq!(u.failures_in_a_row(), 2);
    assert_eq!(puts(&u.handle(Event::Tick, at_ms)), vec![(1, 0, 50)]);

    // 403 "Request has expired": re-sign at once.
    let expired = status(403, "<Error><Message>Request has expired</Message></Error>");
    let c = u.handle(
        Event::PartFailed {
            part: 1,
            failure: expired,
        },
        3_000,
    );
    assert_eq!(c, vec![Command::Sign { parts: vec![1] }]);
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
    let mut u = Uploader::new(cfg(100, 1), 1);
    u.handle(Event::Recorded { total: 10 }, 0);
    u.handle(Event::RecordingFinished, 0);
    u.handle(signed(&[1], 600_000), 0);
    let c = u.handle(
        Event::PartFailed {
            part: 1,
            failure: status(404, ""),
        },
        0,
    );
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
    let mut u = Uploader::new(cfg(100, 1), 3);
    u.handle(Event::Recorded { total: 10 }, 0);
    u.handle(Event::RecordingFinished, 0);
    u.handle(signed(&[1], u64::MAX / 2), 0);
    let mut now = 0;
    for attempt in 1..5 {
        let c = u.handle(
            Event::PartFailed {
                part: 1,
                failure: Failure::Network,
            },
            now,
        );
        assert_eq!(u.failures_in_a_row(), attempt);
        let Some(Command::WakeAt { at_ms }) = c.last().cloned() else {
            panic!("{c:?}")
        };
        now = at_ms;
        assert_eq!(puts(&u.handle(Event::Tick, now)).len(), 1);
    }
    let c = u.handle(
        Event::PartFailed {
            part: 1,
            failure: Failure::Network,
        },
        now,
    );
    assert!(
        matches!(&c[..], [Command::Fail { status: None, .. }]),
        "{c:?}"
    );
}

#[test]
fn offline_waits_for_online_without_counting() {
    let mut u = Uploader::new(cfg(100, 1), 3);
    u.handle(Event::Recorded { total: 10 }, 0);
    u.handle(Event::RecordingFinished, 0);
    u.handle(signed(&[1], 600_000), 0);
    let c = u.handle(
        Event::PartFailed {
            part: 1,
            failure: Failure::Offline,
        },
        5,
    );
    assert_eq!(c, vec![Command::WaitOnline]);
    assert!(u.handle(Event::Tick, 100).is_empty());
    assert_eq!(u.failures_in_a_row(), 0);
    assert_eq!(puts(&u.handle(Event::Online, 200)), vec![(1, 0, 10)]);
}

#[test]
fn throttle_pauses_whole_queue_for_retry_after() {
    let mut u = Uploader::new(cfg(10, 2), 3);
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
    let mut u = Uploader::new(cfg(10, 1), 3);
    u.handle(Event::Recorded { total: 20 }, 0);
    u.handle(signed(&[1, 2], 5_000), 0);
    // Part 2's URL expires within the margin: sign again instead of sending.
    let c = u.handle(
        Event::PartUploaded {
            part: 1,
            etag: "a".into(),
        },
        4_500,
    );
    assert!(c.contains(&Command::Sign { parts: vec![2] }), "{c:?}");
}

#[test]
fn empty_recording_is_an_error_not_a_silent_success() {
    let mut u = Uploader::new(cfg(10, 1), 3);
    let c = u.handle(Event::RecordingFinished, 0);
    assert!(matches!(&c[..], [Command::Fail { .. }]), "{c:?}");
}

/// A simulated world: requests resolve in random order, with random failures and expiries.
fn simulate(seed: u64, total: u64, part_size: u64, parallelism: usize, fail_pct: u64, ttl: u64) {
    let mut rng = crate::policy::Jitter::new(seed);
    let mut roll = |n: u64| (rng.next_unit() * n as f64) as u64;
    let mut c = cfg(part_size, parallelism);
    c.retry.max_attempts = 60;
    let cap = c.retry.cap_ms;
    let mut u = Uploader::new(c, seed);
    let mut now = 0u64;
    let mut pending: Vec<Command> = Vec::new();
    let mut confirmed = std::collections::BTreeSet::new();
    let mut wake: Option<u64> = None;
    let mut waiting_online = false;
    let mut recorded = 0u64;
    let mut urls: std::collections::HashMap<String, u64> = Default::default();
    for _step in 0..20_000 {
        let mut events = Vec::new();
        let idle = pending.is_empty() && wake.is_none() && !waiting_online;
        if recorded < total && (idle || roll(3) == 0) {
            recorded = (recorded + 1 + roll(part_size * 2)).min(total);
            events.push(Event::Recorded { total: recorded });
            if recorded == total {
                events.push(Event::RecordingFinished);
            }
        } else if !pending.is_empty() {
            let cmd = pending.swap_remove(roll(pending.len() as u64) as usize);
            let fail = roll(100) < fail_pct;
            let failure = match roll(5) {
                0 => Failure::Network,
                1 => status(500, ""),
                2 => status(503, ""),
                3 => Failure::Status {
                    status: 429,
                    body: String::new(),
                    retry_after_ms: Some(roll(500)),
                },
                _ => Failure::Offline,
            };
            events.push(match cmd {
                Command::Sign { parts } if !fail => Event::Signed {
                    parts: parts
                        .iter()
                        .map(|&n| {
                            let url = format!("u{n}-{now}");
                            urls.insert(url.clone(), now + ttl);
                            SignedPart {
                                part_number: n,
                                url,
                                expires_at_ms: now + ttl,
                            }
                        })
                        .collect(),
                },
                Command::Sign { .. } => Event::SignFailed { failure },
                Command::Put { part, url, .. } if urls[&url] < now => Event::PartFailed {
                    part,
                    failure: status(403, "Request has expired"),
                },
                Command::Put { part, .. } if !fail => {
                    confirmed.insert(part);
                    Event::PartUploaded {
                        part,
                        etag: format!("e{part}"),
                    }
                }
                Command::Put { part, .. } => Event::PartFailed { part, failure },
                Command::Complete { .. } if !fail => Event::Completed,
                Command::Complete { .. } => Event::CompleteFailed { failure },
                other => panic!("not a request: {other:?}"),
            });
        } else if waiting_online {
            waiting_online = false;
            events.push(Event::Online);
        } else if let Some(at) = wake.take() {
            now = now.max(at);
            events.push(Event::Tick);
        } else if u.phase() == Phase::Done {
            assert_eq!(u.confirmed_bytes(), total);
            return;
        } else {
            panic!("stuck in {:?} with nothing to do: {u:#?}", u.phase());
        }
        now += roll(50);
        for ev in events {
            let progressed = matches!(ev, Event::PartUploaded { .. });
            for cmd in u.handle(ev, now) {
                match &cmd {
                    Command::Put {
                        part, offset, len, ..
                    } => {
                        assert!(
                            !confirmed.contains(part),
                            "part {part} re-sent after confirmation"
                        );
                        assert_eq!(*offset, (*part as u64 - 1) * part_size);
                        assert!(*len == part_size || offset + len == total);
                        pending.push(cmd);
                    }
                    Command::Complete { parts, total_bytes } => {
                        assert_eq!(*total_bytes, total);
                        let nums: Vec<u32> = parts.iter().map(|p| p.part_number).collect();
                        let want: Vec<u32> = (1..=total.div_ceil(part_size) as u32).collect();
                        assert_eq!(nums, want, "every part once, in order");
                        pending.push(cmd);
                    }
                    Command::Sign { .. } => pending.push(cmd),
                    Command::WakeAt { at_ms } => {
                        assert!(*at_ms <= now + cap, "backoff above cap");
                        wake = Some(wake.map_or(*at_ms, |w| w.min(*at_ms)));
                    }
                    Command::WaitOnline => waiting_online = true,
                    Command::Fail { message, .. } => panic!("failed: {message}"),
                }
            }
            if progressed {
                assert_eq!(u.failures_in_a_row(), 0, "attempts reset on progress");
            }
        }
    }
    panic!("did not finish");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn random_orders_failures_and_expiries_always_complete(
        seed: u64,
        total in 1u64..5_000,
        part_size in 1u64..700,
        parallelism in 1usize..7,
        fail_pct in 0u64..40,
        ttl in 1_500u64..5_000,
    ) {
        simulate(seed, total, part_size, parallelism, fail_pct, ttl);
    }
}
