//! The whole upload loop, natively: a recording is journaled, uploaded while it
//! grows, sent, completed, across scripted failures and reloads.

use std::cell::RefCell;

use proptest::prelude::*;

use super::*;
use crate::classify::envelope;

#[path = "upload_drive_fakes.rs"]
mod fakes;
#[path = "upload_drive_world.rs"]
mod world;
use fakes::Req;
use world::World;

const ID: &str = "rec1";

fn meta() -> RecordingMeta {
    RecordingMeta::new(ID, "conv", "video/webm", 1_000.0)
}

fn server(status: u16, code: &str) -> Failure {
    Failure::Status {
        status,
        body: envelope(code, code),
        retry_after_ms: None,
    }
}

/// What storage answers a PUT with when it is briefly unwell (S3 XML, not our envelope).
fn storage_503() -> Failure {
    Failure::Status {
        status: 503,
        body: "<Error><Code>SlowDown</Code></Error>".into(),
        retry_after_ms: None,
    }
}

fn send(w: &mut World, s: &Session<Vec<u8>>) {
    s.stopped(9_000.0);
    s.send();
    w.run();
}

#[test]
fn parts_go_up_while_recording_and_only_the_tail_after_send() {
    let mut w = World::new(10);
    let s = w.open(meta());
    w.record(&s, 10, 7);
    assert_eq!(w.api.calls(Req::Create), 1);
    let before_send = w.api.calls(Req::Put);
    assert_eq!(before_send, 7, "70 bytes make 7 full parts while recording");
    send(&mut w, &s);
    assert_eq!(
        w.api.calls(Req::Put),
        before_send,
        "nothing left but complete"
    );
    w.assert_sent();
    w.assert_nothing_lost(ID);
    let last = *w.progress.borrow().last().unwrap();
    assert_eq!((last.sent, last.total, last.percent()), (70, 70, 100));
}

#[test]
fn each_part_reads_only_the_chunks_that_hold_it() {
    let mut w = World::new(10);
    let s = w.open(meta());
    w.record(&s, 9, 4);
    send(&mut w, &s);
    w.assert_nothing_lost(ID);
    let reads = w.journal.0.borrow().reads.clone();
    assert_eq!(reads.len(), 4, "three full parts and the tail");
    for (offset, len, seqs) in reads {
        // Chunk k holds bytes 4k..4k+4: exactly those overlapping the part are read.
        let want: Vec<u32> = (0..9u32)
            .filter(|k| 4 * (*k as u64) < offset + len && 4 * (*k as u64) + 4 > offset)
            .collect();
        assert_eq!(seqs, want, "part at {offset}+{len}");
    }
}

#[test]
fn the_review_reads_the_journal_after_the_tail_part() {
    // In the browser a read waits for the one before it: the whole recording
    // (every chunk) read first held the tail back; the review can wait instead.
    let mut w = World::new(10);
    let s = w.open(meta());
    w.record(&s, 9, 4);
    let seen = Rc::new(RefCell::new(None));
    s.stopped(9_000.0);
    let into = seen.clone();
    s.review(move |b| *into.borrow_mut() = Some(b));
    w.run();
    let d = w.journal.0.borrow();
    assert_eq!(d.reads.len(), 4, "three full parts and the tail");
    assert_eq!(d.wholes, vec![4], "one review, after every part's read");
    assert_eq!(seen.borrow().as_deref(), Some(&w.recorded[..]));
}

#[test]
fn server_errors_then_success_on_every_request() {
    let mut w = World::new(10);
    w.api.script(
        Req::Create,
        [server(503, "storage_unavailable"), Failure::Network],
    );
    w.api.script(Req::Sign, [server(500, "internal")]);
    w.api.script(
        Req::Put,
        [Failure::Network, storage_503(), Failure::Offline],
    );
    w.api
        .script(Req::Complete, [server(502, "genesys_unavailable")]);
    let s = w.open(meta());
    w.record(&s, 5, 9);
    send(&mut w, &s);
    w.assert_sent();
    assert_eq!(w.api.calls(Req::Create), 3);
    w.assert_nothing_lost(ID);
}

#[test]
fn part_puts_failing_past_the_policy_while_recording_pause_and_resume() {
    let mut w = World::new(10);
    w.api.script(Req::Put, vec![Failure::Network; 6]);
    let s = w.open(meta());
    w.record(&s, 3, 10);
    assert_eq!(w.api.calls(Req::Create), 1, "the same upload throughout");
    assert!(w.api.calls(Req::List) >= 1, "listed again after the pause");
    assert!(w.done.borrow().is_none(), "recording goes on");
    w.record(&s, 2, 10);
    send(&mut w, &s);
    w.assert_sent();
    w.assert_nothing_lost(ID);
}

#[test]
fn after_send_failures_past_the_policy_keep_the_recording() {
    let mut w = World::new(10);
    let s = w.open(meta());
    w.record(&s, 2, 10);
    w.api.script(Req::Complete, vec![Failure::Network; 20]);
    send(&mut w, &s);
    assert!(matches!(&*w.done.borrow(), Some(Err(_))));
    w.assert_nothing_lost(ID);
}

#[test]
fn a_reload_mid_upload_resumes_from_the_journal() {
    let mut w = World::new(10);
    let s = w.open(meta());
    w.record(&s, 4, 8);
    let sent_before = w.api.calls(Req::Put);
    assert_eq!(sent_before, 3);
    w.reload();
    let stored = w.journal.0.borrow().metas[ID].clone();
    assert_eq!(stored.chunk_count, 4);
    assert_eq!(stored.upload.as_ref().unwrap().upload_id, "up1");
    let s = w.open(stored);
    send(&mut w, &s);
    w.assert_sent();
    assert_eq!(
        w.api.calls(Req::Create),
        1,
        "the journal's upload is reused"
    );
    assert_eq!(
        w.api.calls(Req::Put) - sent_before,
        1,
        "only the tail is sent"
    );
    w.assert_nothing_lost(ID);
}

#[test]
fn an_upload_gone_on_resume_is_replaced_and_everything_sent_again() {
    for (status, code) in [(404, "not_found"), (410, "gone"), (403, "forbidden")] {
        let mut w = World::new(10);
        let s = w.open(meta());
        w.record(&s, 3, 10);
        w.reload();
        w.api.script(Req::List, [server(status, code)]);
        let stored = w.journal.0.borrow().metas[ID].clone();
        let s = w.open(stored);
        send(&mut w, &s);
        assert!(matches!(&*w.done.borrow(), Some(Ok(_))), "{code}");
        assert_eq!(w.api.calls(Req::Create), 2, "{code}");
        assert_eq!(w.api.calls(Req::Put), 6, "{code}: all three parts again");
        w.assert_nothing_lost(ID);
    }
}

#[test]
fn an_upload_completed_before_a_reload_is_collected() {
    let mut w = World::new(10);
    let s = w.open(meta());
    w.record(&s, 2, 10);
    // The tab closes between complete's answer and forgetting the recording.
    let kept = w.journal.0.borrow().clone_recording(ID);
    send(&mut w, &s);
    let first = w.done.borrow_mut().take().unwrap().unwrap();
    w.reload();
    w.journal.0.borrow_mut().restore(kept);
    let stored = w.journal.0.borrow().metas[ID].clone();
    let s = w.open(stored);
    send(&mut w, &s);
    let again = w.done.borrow().clone().unwrap().unwrap();
    assert_eq!(again.video_id, first.video_id);
    assert!(w.journal.bytes(ID).is_empty());
}

#[test]
fn discard_during_create_aborts_the_upload_when_it_answers() {
    let mut w = World::new(10);
    let s = w.open(meta());
    s.abort();
    w.run();
    assert!(w.api.0.borrow().uploads["up1"].gone);
    assert!(w.journal.0.borrow().metas.is_empty());
    assert!(w.done.borrow().is_none());
}

fn failure(kind: u8) -> Failure {
    match kind % 5 {
        0 => Failure::Network,
        1 => Failure::Offline,
        2 => server(503, "storage_unavailable"),
        3 => Failure::Status {
            status: 429,
            body: envelope("rate_limited", "slow"),
            retry_after_ms: Some(50),
        },
        _ => storage_503(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn whatever_fails_no_recorded_byte_is_lost(
        chunks in proptest::collection::vec(1usize..30, 1..20),
        part_size in 5u64..40,
        script in proptest::collection::vec((0u8..5, any::<u8>()), 0..30),
        reload_at in proptest::option::of(0usize..20),
        gone_on_resume: bool,
    ) {
        let mut w = World::new(part_size);
        for (req, kind) in script {
            let req = [Req::Create, Req::List, Req::Sign, Req::Put, Req::Complete][req as usize];
            w.api.script(req, [failure(kind)]);
        }
        let mut s = w.open(meta());
        for (i, size) in chunks.iter().enumerate() {
            w.record(&s, 1, *size);
            if reload_at == Some(i) {
                w.reload();
                if gone_on_resume {
                    w.api.script(Req::List, [server(410, "gone")]);
                }
                let stored = w.journal.0.borrow().metas[ID].clone();
                s = w.open(stored);
                w.run();
            }
            w.assert_nothing_lost(ID);
        }
        send(&mut w, &s);
        prop_assert!(w.done.borrow().is_some(), "the loop always answers");
        w.assert_nothing_lost(ID);
    }
}
