//! Property tests: the upload machine in a simulated world of random orders,
//! failures, expiries and resumes.

use super::*;
use crate::protocol::SignedPart;

/// A simulated world: requests resolve in random order, with random failures and expiries.
fn simulate(seed: u64, total: u64, part_size: u64, parallelism: usize, fail_pct: u64, ttl: u64) {
    let mut rng = crate::policy::Jitter::new(seed);
    let mut roll = |n: u64| (rng.next_unit() * n as f64) as u64;
    let mut c = cfg(part_size, parallelism);
    c.retry.max_attempts = 60;
    let cap = c.retry.cap_ms;
    let mut u = Parts::new(c, seed);
    let mut now = 0u64;
    let mut pending: Vec<Command> = Vec::new();
    let mut confirmed = std::collections::BTreeSet::new();
    let mut wake: Option<u64> = None;
    let mut waiting_online = false;
    let mut recorded = 0u64;
    // Each URL: when it expires, and how many bytes it was signed for.
    let mut urls: std::collections::HashMap<String, (u64, u64)> = Default::default();
    for _step in 0..20_000 {
        let mut events = Vec::new();
        let idle = pending.is_empty() && wake.is_none() && !waiting_online;
        if recorded < total && (idle || roll(3) == 0) {
            // Stop pressed before the last chunk comes, now and then.
            if roll(4) == 0 {
                events.push(Event::Stopping);
            }
            recorded = (recorded + 1 + roll(part_size * 2)).min(total);
            events.push(Event::Recorded { total: recorded });
            if recorded == total {
                // Stop, and (now or later) Send: the tail may go before Send.
                if roll(2) == 0 {
                    events.push(Event::RecordingStopped);
                }
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
                Command::Sign { parts, sizes } if !fail => Event::Signed {
                    parts: parts
                        .iter()
                        .zip(&sizes)
                        .map(|(&n, &size)| {
                            let url = format!("u{n}-{now}");
                            urls.insert(url.clone(), (now + ttl, size));
                            SignedPart {
                                part_number: n,
                                url,
                                expires_at_ms: now + ttl,
                                expires_in_ms: None,
                            }
                        })
                        .collect(),
                },
                Command::Sign { .. } => Event::SignFailed { failure },
                Command::Put { len, ref url, .. } if urls[url].1 != len => {
                    panic!(
                        "a PUT of {len} bytes to a URL signed for {} bytes",
                        urls[url].1
                    )
                }
                Command::Put { part, url, .. } if urls[&url].0 < now => Event::PartFailed {
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
                Command::PutTail { part, .. } if !fail => {
                    confirmed.insert(part);
                    Event::PartUploaded {
                        part,
                        etag: format!("e{part}"),
                    }
                }
                Command::PutTail { part, .. } => Event::PartFailed { part, failure },
                // Now and then storage loses a confirmed part; complete says so.
                Command::Complete { .. } if fail && !confirmed.is_empty() && roll(4) == 0 => {
                    let lost = *confirmed
                        .iter()
                        .nth(roll(confirmed.len() as u64) as usize)
                        .unwrap();
                    confirmed.remove(&lost);
                    Event::CompleteFailed {
                        failure: status(409, &crate::classify::envelope("part_missing", "lost")),
                    }
                }
                Command::Complete { .. } if !fail => Event::Completed,
                Command::Complete { .. } => Event::CompleteFailed { failure },
                Command::ListParts if !fail => Event::ServerHas {
                    parts: confirmed
                        .iter()
                        .map(|&n| crate::protocol::UploadedPart {
                            part_number: n,
                            etag: format!("e{n}"),
                            size: part_size.min(total - (n as u64 - 1) * part_size),
                        })
                        .collect(),
                },
                Command::ListParts => Event::CompleteFailed { failure },
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
                    Command::PutTail { part, offset, len } => {
                        assert!(
                            !confirmed.contains(part),
                            "part {part} re-sent after confirmation"
                        );
                        assert_eq!(*offset, (*part as u64 - 1) * part_size);
                        assert!(*len < part_size && offset + len == total, "only the tail");
                        pending.push(cmd);
                    }
                    Command::Complete { parts, total_bytes } => {
                        assert_eq!(*total_bytes, total);
                        let nums: Vec<u32> = parts.iter().map(|p| p.part_number).collect();
                        let want: Vec<u32> = (1..=total.div_ceil(part_size) as u32).collect();
                        assert_eq!(nums, want, "every part once, in order");
                        pending.push(cmd);
                    }
                    Command::Sign { .. } | Command::ListParts => pending.push(cmd),
                    Command::WakeAt { at_ms } => {
                        assert!(*at_ms <= now + cap, "backoff above cap");
                        wake = Some(wake.map_or(*at_ms, |w| w.min(*at_ms)));
                    }
                    Command::WaitOnline => waiting_online = true,
                    Command::Fail { message, .. } => panic!("failed: {message}"),
                    other => panic!("not the parts machine's to give: {other:?}"),
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

proptest! {
    #[test]
    fn reconciled_parts_are_never_sent_again(total in 1u64..200, part_size in 1u64..40,
                                            have in proptest::collection::vec(any::<bool>(), 0..200)) {
        let mut u = Parts::new(cfg(part_size, 3), 9);
        // As the uploader starts a journal's upload: what is known, then the server's list.
        u.know(total, true, true);
        let n = total.div_ceil(part_size) as u32;
        let server: Vec<_> = (1..=n)
            .filter(|i| have.get(*i as usize).copied().unwrap_or(false))
            .map(|i| uploaded(i, part_size.min(total - (i as u64 - 1) * part_size)))
            .collect();
        let on_server: std::collections::BTreeSet<u32> = server.iter().map(|p| p.part_number).collect();
        let mut cmds = u.handle(Event::ServerHas { parts: server }, 0);
        let all: Vec<u32> = (1..=n).collect();
        let mut sent = std::collections::BTreeSet::new();
        cmds.extend(u.handle(signed(&all, u64::MAX / 2), 0));
        while let Some(cmd) = cmds.pop() {
            match cmd {
                Command::Put { part, .. } | Command::PutTail { part, .. } => {
                    prop_assert!(!on_server.contains(&part));
                    prop_assert!(sent.insert(part));
                    cmds.extend(u.handle(Event::PartUploaded { part, etag: "x".into() }, 0));
                }
                Command::Complete { parts, .. } => {
                    prop_assert_eq!(parts.len() as u32, n);
                    prop_assert_eq!(sent.len() + on_server.len(), n as usize);
                }
                Command::Sign { .. } | Command::WakeAt { .. } => {}
                other => prop_assert!(false, "unexpected {:?}", other),
            }
        }
        prop_assert_eq!(u.phase(), Phase::Completing);
    }
}
