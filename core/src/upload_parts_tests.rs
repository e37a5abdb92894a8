use super::*;
use crate::policy::RetryPolicy;
use crate::protocol::{MAX_PARTS, SignedPart};
use proptest::prelude::*;

#[path = "upload_props.rs"]
mod props;
#[path = "upload_retry_tests.rs"]
mod retry;

const MIB: u64 = 1024 * 1024;

pub(super) fn cfg(part_size: u64, parallelism: usize) -> UploadConfig {
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

pub(super) fn status(s: u16, body: &str) -> Failure {
    Failure::Status {
        status: s,
        body: body.into(),
        retry_after_ms: None,
    }
}

pub(crate) fn signed(parts: &[u32], expires_at_ms: u64) -> Event {
    Event::Signed {
        parts: parts
            .iter()
            .map(|&n| SignedPart {
                part_number: n,
                url: format!("https://s3/part{n}"),
                expires_at_ms,
                expires_in_ms: None,
            })
            .collect(),
    }
}

/// A part's PUT failed.
pub(crate) fn part_failed(part: u32, failure: Failure) -> Event {
    Event::PartFailed { part, failure }
}

/// The commands give up, with no HTTP status to show (a network failure).
pub(crate) fn assert_gave_up_without_status(cmds: &[Command]) {
    assert!(
        matches!(cmds, [Command::Fail { status: None, .. }]),
        "{cmds:?}"
    );
}

/// When the commands ask to be woken (the last command must be that).
pub(crate) fn wake_at(cmds: &[Command]) -> u64 {
    match cmds {
        [.., Command::WakeAt { at_ms }] => *at_ms,
        other => panic!("expected a wake-up: {other:?}"),
    }
}

pub(super) fn puts(cmds: &[Command]) -> Vec<(u32, u64, u64)> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Put {
                part, offset, len, ..
            }
            | Command::PutTail { part, offset, len } => Some((*part, *offset, *len)),
            _ => None,
        })
        .collect()
}

#[test]
fn plans_parts_and_completes_in_order() {
    let mut u = Parts::new(cfg(5 * MIB, 2), 1);
    // Parts 1 and 2 are full; part 3, being filled, is signed ahead.
    assert_eq!(
        u.handle(Event::Recorded { total: 12 * MIB }, 0),
        vec![Command::Sign {
            parts: vec![1, 2, 3],
            sizes: vec![5 * MIB, 5 * MIB, 5 * MIB]
        }]
    );
    let c = u.handle(signed(&[1, 2], 60_000), 0);
    assert_eq!(puts(&c), vec![(1, 0, 5 * MIB), (2, 5 * MIB, 5 * MIB)]);
    // The tail is planned only when the recording stops. It needs no signed URL
    // (it goes through the server's API), but parallelism 2 is respected.
    let c = u.handle(Event::RecordingStopped, 0);
    assert!(c.is_empty(), "{c:?}");
    let c = u.handle(
        Event::PartUploaded {
            part: 2,
            etag: "b".into(),
        },
        0,
    );
    assert_eq!(
        c,
        vec![Command::PutTail {
            part: 3,
            offset: 10 * MIB,
            len: 2 * MIB
        }]
    );
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
    assert!(c.is_empty(), "complete waits for Send: {c:?}");
    let c = u.handle(Event::RecordingFinished, 0);
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
fn empty_recording_is_an_error_not_a_silent_success() {
    let mut u = Parts::new(cfg(10, 1), 3);
    let c = u.handle(Event::RecordingFinished, 0);
    assert!(matches!(&c[..], [Command::Fail { .. }]), "{c:?}");
}

pub(super) fn uploaded(n: u32, size: u64) -> crate::protocol::UploadedPart {
    crate::protocol::UploadedPart {
        part_number: n,
        etag: format!("s{n}"),
        size,
    }
}

#[test]
fn resume_sends_only_what_the_server_lacks() {
    let mut u = Parts::new(cfg(10, 4), 5);
    assert_eq!(
        u.handle(Event::Recorded { total: 35 }, 0),
        vec![Command::Sign {
            parts: vec![1, 2, 3, 4],
            sizes: vec![10, 10, 10, 10]
        }]
    );
    // The tail needs no sign: it goes at once.
    assert_eq!(
        puts(&u.handle(Event::RecordingFinished, 0)),
        vec![(4, 30, 5)]
    );
    // Part 2 on the server is short (a torn earlier attempt); 5 does not exist in the plan.
    let server = vec![
        uploaded(1, 10),
        uploaded(2, 7),
        uploaded(3, 10),
        uploaded(5, 10),
    ];
    u.handle(Event::ServerHas { parts: server }, 0);
    assert_eq!(u.confirmed_bytes(), 20);
    let c = u.handle(signed(&[1, 2, 3], 600_000), 0);
    assert_eq!(puts(&c), vec![(2, 10, 10)]);
    assert!(
        !c.iter().any(|c| matches!(c, Command::Sign { .. })),
        "{c:?}"
    );
    u.handle(
        Event::PartUploaded {
            part: 2,
            etag: "n2".into(),
        },
        0,
    );
    let c = u.handle(
        Event::PartUploaded {
            part: 4,
            etag: "n4".into(),
        },
        0,
    );
    let Some(Command::Complete {
        parts,
        total_bytes: 35,
    }) = c.last()
    else {
        panic!("{c:?}")
    };
    let etags: Vec<&str> = parts.iter().map(|p| p.etag.as_str()).collect();
    assert_eq!(etags, vec!["s1", "n2", "s3", "n4"]);
}

#[test]
fn resume_with_everything_on_the_server_completes_at_once() {
    let mut u = Parts::new(cfg(10, 2), 5);
    u.handle(Event::Recorded { total: 20 }, 0);
    u.handle(Event::RecordingFinished, 0);
    let c = u.handle(
        Event::ServerHas {
            parts: vec![uploaded(1, 10), uploaded(2, 10)],
        },
        0,
    );
    assert!(
        matches!(
            &c[..],
            [Command::Complete {
                total_bytes: 20,
                ..
            }]
        ),
        "{c:?}"
    );
}

#[test]
fn short_lived_urls_are_used_not_resigned_forever() {
    let mut u = Parts::new(cfg(10, 1), 3);
    u.handle(Event::Recorded { total: 10 }, 0);
    u.handle(Event::RecordingFinished, 0);
    // A 1 s URL with a 1 s margin in the config: still used at once.
    let c = u.handle(signed(&[1], 1_000), 0);
    assert_eq!(puts(&c), vec![(1, 0, 10)]);
}

#[test]
fn a_device_clock_ahead_of_the_server_still_uses_fresh_urls() {
    let mut u = Parts::new(cfg(10, 1), 3);
    u.handle(Event::Recorded { total: 10 }, 0);
    u.handle(Event::RecordingFinished, 0);
    // By the device clock (10 min ahead) the URL expired already; its life says 5 min.
    let now = 600_000;
    let parts = vec![SignedPart {
        part_number: 1,
        url: "u".into(),
        expires_at_ms: 300_000,
        expires_in_ms: Some(300_000),
    }];
    assert_eq!(
        puts(&u.handle(Event::Signed { parts }, now)),
        vec![(1, 0, 10)]
    );
}

#[test]
fn part_missing_on_complete_relists_and_resends_only_that_part() {
    let mut u = Parts::new(cfg(10, 2), 4);
    u.handle(Event::Recorded { total: 25 }, 0);
    u.handle(Event::RecordingFinished, 0);
    u.handle(signed(&[1, 2], 600_000), 0);
    u.handle(signed(&[3], 600_000), 0);
    for (n, e) in [(1, "a"), (2, "b"), (3, "c")] {
        u.handle(
            Event::PartUploaded {
                part: n,
                etag: e.into(),
            },
            0,
        );
    }
    assert_eq!(u.phase(), Phase::Completing);
    let missing = status(
        409,
        &crate::classify::envelope("part_missing", "Part 2 is not on the server"),
    );
    let c = u.handle(Event::CompleteFailed { failure: missing }, 10);
    assert_eq!(c, vec![Command::ListParts], "ask before completing again");
    // Storage lost part 2; part 3 holds other bytes than we sent.
    let held = vec![uploaded(1, 10), uploaded(3, 5)];
    let held = held.into_iter().map(|mut p| {
        p.etag = if p.part_number == 1 {
            "\"a\"".into()
        } else {
            "zzz".into()
        };
        p
    });
    let c = u.handle(
        Event::ServerHas {
            parts: held.collect(),
        },
        20,
    );
    assert_eq!(
        c,
        vec![
            Command::PutTail {
                part: 3,
                offset: 20,
                len: 5
            },
            Command::Sign {
                parts: vec![2],
                sizes: vec![10]
            }
        ]
    );
    let c = u.handle(signed(&[2], 600_000), 20);
    assert_eq!(puts(&c), vec![(2, 10, 10)]);
    u.handle(
        Event::PartUploaded {
            part: 2,
            etag: "b2".into(),
        },
        30,
    );
    let c = u.handle(
        Event::PartUploaded {
            part: 3,
            etag: "c2".into(),
        },
        30,
    );
    let Some(Command::Complete { parts, .. }) = c.last() else {
        panic!("{c:?}")
    };
    let etags: Vec<&str> = parts.iter().map(|p| p.etag.as_str()).collect();
    assert_eq!(etags, vec!["a", "b2", "c2"]);
}

#[test]
fn after_stop_nothing_waits_on_a_sign() {
    let mut u = Parts::new(cfg(10, 4), 2);
    // Part 1 is signed while it fills.
    let c = u.handle(Event::Recorded { total: 4 }, 0);
    assert_eq!(
        c,
        vec![Command::Sign {
            parts: vec![1],
            sizes: vec![10]
        }]
    );
    assert!(u.handle(signed(&[1], 600_000), 0).is_empty());
    // The last chunk fills part 1: it goes at once with the URL signed ahead.
    let c = u.handle(Event::Recorded { total: 13 }, 10);
    assert_eq!(puts(&c), vec![(1, 0, 10)]);
    // Stop: the 3-byte tail goes through the API, with no sign round trip.
    let c = u.handle(Event::RecordingStopped, 20);
    assert_eq!(
        c,
        vec![Command::PutTail {
            part: 2,
            offset: 10,
            len: 3
        }]
    );
    for part in [1, 2] {
        let etag = format!("e{part}");
        let c = u.handle(Event::PartUploaded { part, etag }, 30);
        assert!(c.is_empty(), "complete waits for Send: {c:?}");
    }
    let c = u.handle(Event::RecordingFinished, 40);
    assert!(
        matches!(
            &c[..],
            [Command::Complete {
                total_bytes: 13,
                ..
            }]
        ),
        "{c:?}"
    );
}

#[test]
fn once_stop_is_pressed_the_part_being_filled_is_not_signed_ahead() {
    let mut u = Parts::new(cfg(10, 4), 2);
    u.handle(Event::Recorded { total: 4 }, 0);
    assert!(u.handle(signed(&[1], 600_000), 0).is_empty());
    assert!(u.handle(Event::Stopping, 5).is_empty());
    // The last chunk fills part 1 and part 2 and starts part 3: part 2 needs a
    // URL, part 3 (the tail to be) does not.
    let c = u.handle(Event::Recorded { total: 23 }, 10);
    assert_eq!(puts(&c), vec![(1, 0, 10)]);
    assert!(
        c.contains(&Command::Sign {
            parts: vec![2],
            sizes: vec![10]
        }),
        "{c:?}"
    );
    let c = u.handle(Event::RecordingStopped, 20);
    assert_eq!(
        c,
        vec![Command::PutTail {
            part: 3,
            offset: 20,
            len: 3
        }]
    );
}
