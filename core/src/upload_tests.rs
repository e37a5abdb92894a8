//! The uploader's setup: create, resume, start over, collect, pause and restart.

use super::*;
use crate::classify::{Failure, envelope};
use crate::protocol::MAX_PARTS;
use crate::upload_parts::tests::{assert_gave_up_without_status, part_failed, signed, wake_at};

pub(crate) fn session(id: &str, part_size: u64) -> UploadSession {
    UploadSession {
        upload_id: id.into(),
        part_size,
        max_parts: MAX_PARTS,
        max_bytes: 1 << 40,
        max_duration_ms: None,
        expires_at: 4_000_000_000,
        parallelism: 2,
        retry: policy(),
    }
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        base_ms: 100,
        cap_ms: 2_000,
        max_attempts: 4,
        jitter: true,
    }
}

fn server(status: u16, code: &str) -> Failure {
    Failure::Status {
        status,
        body: envelope(code, "what the server says"),
        retry_after_ms: None,
    }
}

#[test]
fn a_new_recording_creates_its_upload_at_once_and_keeps_it() {
    let mut u = Uploader::new(None, policy(), 1);
    assert_eq!(
        u.handle(Event::Recorded { total: 0 }, 0),
        vec![Command::Create]
    );
    assert!(!u.uploading());
    let up = session("up1", 10);
    let c = u.handle(Event::Created { upload: up.clone() }, 5);
    // Part 1 is signed ahead while it fills, so it goes the moment it is full.
    assert_eq!(
        c,
        vec![
            Command::SaveUpload { upload: up },
            Command::Sign {
                parts: vec![1],
                sizes: vec![10]
            }
        ]
    );
    assert!(u.uploading());
    assert!(
        u.handle(Event::Recorded { total: 25 }, 10).is_empty(),
        "one sign at a time"
    );
    let c = u.handle(signed(&[1], u64::MAX / 2), 10);
    assert_eq!(
        c,
        vec![
            Command::Put {
                part: 1,
                offset: 0,
                len: 10,
                url: "https://s3/part1".into()
            },
            Command::Sign {
                parts: vec![2, 3],
                sizes: vec![10, 10]
            }
        ]
    );
}

#[test]
fn a_journal_upload_is_listed_and_only_the_rest_is_sent() {
    let mut u = Uploader::new(Some(session("up1", 10)), policy(), 1);
    assert_eq!(
        u.handle(Event::Recorded { total: 25 }, 0),
        vec![Command::ListParts]
    );
    assert!(u.handle(Event::RecordingFinished, 0).is_empty());
    let held = vec![crate::protocol::UploadedPart {
        part_number: 1,
        etag: "e1".into(),
        size: 10,
    }];
    let first = u.handle(Event::ServerHas { parts: held }, 0);
    // Only the missing full part is signed; the short tail goes through the API at once.
    assert_eq!(
        first,
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
    assert_eq!(u.confirmed_bytes(), 10);
    let mut put = Vec::new();
    let mut c = u.handle(signed(&[1, 2, 3], u64::MAX / 2), 0);
    c.extend(
        first
            .into_iter()
            .filter(|c| !matches!(c, Command::Sign { .. })),
    );
    while let Some(cmd) = c.pop() {
        match cmd {
            Command::Put { part, len, .. } | Command::PutTail { part, len, .. } => {
                put.push((part, len))
            }
            Command::Sign { parts, .. } => c.extend(u.handle(signed(&parts, u64::MAX / 2), 0)),
            other => panic!("{other:?}"),
        }
    }
    put.sort();
    assert_eq!(
        put,
        vec![(2, 10), (3, 5)],
        "part 1 is on the server already"
    );
}

#[test]
fn a_failed_create_backs_off_under_the_policy_then_succeeds() {
    let mut u = Uploader::new(None, policy(), 3);
    u.handle(Event::Recorded { total: 0 }, 0);
    let c = u.handle(
        Event::CreateFailed {
            failure: server(503, "storage_unavailable"),
        },
        1_000,
    );
    let at = wake_at(&c);
    assert!(
        (1_000..=1_100).contains(&at),
        "first ceiling is the base: {at}"
    );
    assert_eq!(u.failures_in_a_row(), 1);
    assert!(u.handle(Event::Tick, at - 1).len() <= 1, "not before");
    assert_eq!(u.handle(Event::Tick, at), vec![Command::Create]);
    let c = u.handle(
        Event::CreateFailed {
            failure: Failure::Network,
        },
        2_000,
    );
    assert!(wake_at(&c) <= 2_200, "second ceiling doubles");
    assert_eq!(u.handle(Event::Tick, 2_200), vec![Command::Create]);
    let c = u.handle(
        Event::Created {
            upload: session("up", 10),
        },
        2_300,
    );
    assert!(
        matches!(&c[..], [Command::SaveUpload { .. }, Command::Sign { .. }]),
        "{c:?}"
    );
    assert_eq!(u.failures_in_a_row(), 0);
}

#[test]
fn an_upload_that_is_gone_or_another_links_is_replaced() {
    for (status, code) in [(404, "not_found"), (410, "gone"), (403, "forbidden")] {
        let mut u = Uploader::new(Some(session("old", 10)), policy(), 1);
        assert_eq!(
            u.handle(Event::Recorded { total: 5 }, 0),
            vec![Command::ListParts]
        );
        let c = u.handle(
            Event::ListFailed {
                failure: server(status, code),
            },
            0,
        );
        assert_eq!(c, vec![Command::Create], "{code}");
        assert_eq!(u.upload(), None, "{code}");
    }
}

#[test]
fn an_upload_already_complete_is_collected() {
    let mut u = Uploader::new(Some(session("up", 10)), policy(), 1);
    u.handle(Event::RecordingFinished, 0);
    u.handle(Event::Recorded { total: 5 }, 0);
    let c = u.handle(
        Event::ListFailed {
            failure: server(409, "conflict"),
        },
        0,
    );
    assert_eq!(c, vec![Command::Collect]);
    assert_eq!(u.phase(), Phase::Completing);
    // Being completed elsewhere: ask again after a pause, not at once.
    let c = u.handle(
        Event::CompleteFailed {
            failure: server(409, "conflict"),
        },
        10,
    );
    let at = wake_at(&c);
    assert_eq!(u.handle(Event::Tick, at), vec![Command::Collect]);
    assert!(u.handle(Event::Completed, at).is_empty());
    assert_eq!(u.phase(), Phase::Done);
}

#[test]
fn a_refusal_while_recording_waits_for_send_then_is_told() {
    let mut u = Uploader::new(None, policy(), 1);
    u.handle(Event::Recorded { total: 5 }, 0);
    let refused = server(401, "token_expired");
    let c = u.handle(
        Event::CreateFailed {
            failure: refused.clone(),
        },
        0,
    );
    assert!(c.is_empty(), "nothing is lost: the journal keeps recording");
    assert!(u.handle(Event::Tick, 60_000).is_empty());
    assert_eq!(
        u.handle(Event::RecordingFinished, 70_000),
        vec![Command::Create]
    );
    let c = u.handle(Event::CreateFailed { failure: refused }, 70_000);
    assert_eq!(
        c,
        vec![Command::Fail {
            status: Some(401),
            message: "what the server says".into()
        }]
    );
    assert_eq!(u.phase(), Phase::Failed);
}

#[test]
fn after_send_setup_gives_up_after_the_policys_attempts() {
    let mut u = Uploader::new(None, policy(), 1);
    u.handle(Event::Recorded { total: 5 }, 0);
    u.handle(Event::RecordingFinished, 0);
    let mut now = 0;
    for _ in 1..policy().max_attempts {
        let c = u.handle(
            Event::CreateFailed {
                failure: Failure::Network,
            },
            now,
        );
        now = wake_at(&c);
        assert_eq!(u.handle(Event::Tick, now), vec![Command::Create]);
    }
    let c = u.handle(
        Event::CreateFailed {
            failure: Failure::Network,
        },
        now,
    );
    assert_gave_up_without_status(&c);
}

#[test]
fn while_recording_setup_never_gives_up_and_offline_does_not_count() {
    let mut u = Uploader::new(None, policy(), 1);
    u.handle(Event::Recorded { total: 5 }, 0);
    let mut now = 0;
    for _ in 0..20 {
        let c = u.handle(
            Event::CreateFailed {
                failure: Failure::Network,
            },
            now,
        );
        now = wake_at(&c);
        assert!(now <= now + policy().cap_ms);
        assert_eq!(u.handle(Event::Tick, now), vec![Command::Create]);
    }
    let before = u.failures_in_a_row();
    let c = u.handle(
        Event::CreateFailed {
            failure: Failure::Offline,
        },
        now,
    );
    assert_eq!(c, vec![Command::WaitOnline]);
    assert_eq!(u.failures_in_a_row(), before);
    assert_eq!(u.handle(Event::Online, now + 5), vec![Command::Create]);
}

#[test]
fn parts_giving_up_mid_recording_pause_then_resume_the_same_upload() {
    let mut u = Uploader::new(None, policy(), 1);
    u.handle(Event::Recorded { total: 10 }, 0);
    u.handle(
        Event::Created {
            upload: session("up", 10),
        },
        0,
    );
    let epoch = u.epoch();
    let max = policy().max_attempts;
    let mut c = u.handle(signed(&[1], u64::MAX / 2), 0);
    let mut now = 0;
    for attempt in 1..=max {
        assert!(
            matches!(&c[..], [Command::Put { part: 1, .. }, ..]),
            "{c:?}"
        );
        let failed = u.handle(part_failed(1, Failure::Network), now);
        assert!(!failed.iter().any(|c| matches!(c, Command::Fail { .. })));
        let at = wake_at(&failed);
        if attempt == max {
            assert!(!u.uploading(), "paused");
            assert_eq!(at, now + RESTART_AFTER_MS);
        }
        now = at;
        c = u.handle(Event::Tick, now);
    }
    assert_eq!(c, vec![Command::ListParts], "the same upload, listed again");
    assert_eq!(u.upload().map(|u| u.upload_id.as_str()), Some("up"));
    let at = now;
    let c = u.handle(Event::ServerHas { parts: vec![] }, at);
    assert!(matches!(&c[..], [Command::Sign { .. }]), "{c:?}");
    assert_ne!(
        u.epoch(),
        epoch,
        "the paused machine's late answers are stale"
    );
}

#[test]
fn abort_during_create_discards_the_upload_when_it_answers() {
    let mut u = Uploader::new(None, policy(), 1);
    u.handle(Event::Recorded { total: 5 }, 0);
    assert!(u.handle(Event::Abort, 0).is_empty());
    let c = u.handle(
        Event::Created {
            upload: session("late", 10),
        },
        0,
    );
    assert_eq!(
        c,
        vec![Command::Discard {
            upload_id: Some("late".into())
        }]
    );
    assert_eq!(u.phase(), Phase::Discarded);
    assert!(u.handle(Event::Tick, 10).is_empty());
}

#[test]
fn a_throttled_create_waits_what_the_server_asks() {
    let mut u = Uploader::new(None, policy(), 1);
    u.handle(Event::Recorded { total: 5 }, 0);
    let failure = Failure::Status {
        status: 429,
        body: envelope("rate_limited", "slow down"),
        retry_after_ms: Some(1_500),
    };
    let c = u.handle(Event::CreateFailed { failure }, 100);
    assert_eq!(c, vec![Command::WakeAt { at_ms: 1_600 }]);
}
