//! The uploader: every decision about getting one recording to the server, from
//! making (or resuming) its upload to the last part and complete. Events in,
//! commands out, no I/O, clock passed in.
//!
//! The shell owns the bytes and the network ([`crate::upload_drive`] runs the loop
//! over injected ones). It reports what happened as [`Event`]s and carries out the
//! [`Command`]s it gets back.
//!
//! Setup: a new recording gets its upload at once, so parts go up while recording.
//! A recording found in the journal lists its upload first and sends only what the
//! server lacks; an upload that is gone (or another link's) is replaced by a new
//! one, and one already complete is collected. While recording the uploader never
//! gives up: if the parts give up, it pauses and starts again on the same upload.
//! After Send, as many failures in a row as the retry policy allows end it, and the
//! recording stays in the journal.

use crate::classify::{Failure, Resume, Verdict, classify, classify_resume};
use crate::policy::{Jitter, RetryPolicy};
use crate::protocol::{UploadSession, UploadedPart};
use crate::upload_parts::Parts;
pub use crate::upload_types::{Command, Event, Phase, UploadConfig};

/// Pause before uploading that gave up mid-recording starts again on the same upload.
pub const RESTART_AFTER_MS: u64 = 5_000;

/// A request that gets an upload to send parts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Create,
    /// List the parts of the known upload.
    List,
    /// Ask complete for the video of an upload completed before.
    Collect,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setup {
    /// Parts are being sent (or paused, see [`Uploader::parts`]).
    Ready,
    /// Ask at `at_ms` (at once when that has passed).
    Due {
        step: Step,
        at_ms: u64,
    },
    InFlight(Step),
    WaitOnline(Step),
    /// The server refused while recording; Send asks again.
    Blocked(Step),
}

#[derive(Debug, Clone)]
pub struct Uploader {
    /// Governs setup requests; the server's own policy once an upload exists.
    retry: RetryPolicy,
    upload: Option<UploadSession>,
    /// The machine for the current upload's parts, once it is ready.
    parts: Option<Parts>,
    setup: Setup,
    /// Failed setup requests in a row.
    setup_failures: u32,
    recorded: u64,
    /// Stop was pressed: no more bytes.
    ended: bool,
    /// Send was pressed.
    finished: bool,
    aborted: bool,
    /// Set once it ended: done, failed or discarded.
    end: Option<Phase>,
    epoch: u32,
    jitter: Jitter,
}

impl Uploader {
    /// `upload` is the one the journal kept for this recording, if any. `retry`
    /// governs setup until an upload brings the server's own policy.
    pub fn new(upload: Option<UploadSession>, retry: RetryPolicy, seed: u64) -> Self {
        let step = if upload.is_some() {
            Step::List
        } else {
            Step::Create
        };
        Self {
            retry: upload.as_ref().map_or(retry, |u| u.retry),
            upload,
            parts: None,
            setup: Setup::Due { step, at_ms: 0 },
            setup_failures: 0,
            recorded: 0,
            ended: false,
            finished: false,
            aborted: false,
            end: None,
            epoch: 0,
            jitter: Jitter::new(seed),
        }
    }

    pub fn phase(&self) -> Phase {
        match (self.end, &self.parts, self.setup) {
            (Some(end), ..) => end,
            (None, Some(p), _) => p.phase(),
            (None, None, Setup::InFlight(Step::Collect)) => Phase::Completing,
            _ => Phase::Uploading,
        }
    }

    /// The server-side upload parts go to, once known.
    pub fn upload(&self) -> Option<&UploadSession> {
        self.upload.as_ref()
    }

    /// Parts are being planned and sent (setup is over).
    pub fn uploading(&self) -> bool {
        self.parts.is_some()
    }

    /// Changes whenever the parts machine is replaced: answers to requests made
    /// under another epoch are stale and must not be fed back.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// Bytes the server has confirmed.
    pub fn confirmed_bytes(&self) -> u64 {
        self.parts.as_ref().map_or(0, Parts::confirmed_bytes)
    }

    /// Failures in a row since bytes last progressed.
    pub fn failures_in_a_row(&self) -> u32 {
        let parts = self.parts.as_ref().map_or(0, Parts::failures_in_a_row);
        parts.max(self.setup_failures)
    }

    /// Feed one event; get back what to do now.
    pub fn handle(&mut self, event: Event, now_ms: u64) -> Vec<Command> {
        if self.end.is_some() {
            return Vec::new();
        }
        let mut out = Vec::new();
        let asked = match self.setup {
            Setup::InFlight(step) => Some(step),
            _ => None,
        };
        let answer = match (&event, asked) {
            (Event::Created { .. } | Event::CreateFailed { .. }, Some(Step::Create))
            | (Event::ServerHas { .. } | Event::ListFailed { .. }, Some(Step::List))
            | (Event::Completed | Event::CompleteFailed { .. }, Some(Step::Collect)) => true,
            // Setup answers nobody waits for any more.
            (Event::Created { .. } | Event::CreateFailed { .. }, _) => return out,
            _ => false,
        };
        if answer && self.aborted {
            if let Event::Created { upload } = event {
                self.upload = Some(upload);
            }
            return self.discard();
        }
        match event {
            Event::Abort if asked.is_some() => self.aborted = true,
            Event::Abort => return self.discard(),
            Event::Created { upload } if answer => {
                out.push(Command::SaveUpload {
                    upload: upload.clone(),
                });
                self.start(upload, Vec::new(), now_ms, &mut out);
            }
            Event::ServerHas { parts } if answer => {
                let upload = self.upload.clone().expect("listing a known upload");
                self.start(upload, parts, now_ms, &mut out);
            }
            Event::Completed if answer => self.end = Some(Phase::Done),
            Event::CreateFailed { failure } => {
                self.setup_failed(Step::Create, classify(&failure), now_ms, &mut out)
            }
            Event::ListFailed { failure } | Event::CompleteFailed { failure } if answer => {
                let step = asked.expect("an answer to a request");
                self.resume_failed(step, &failure, now_ms, &mut out);
            }
            event => {
                match &event {
                    Event::Recorded { total } => self.recorded = self.recorded.max(*total),
                    Event::RecordingStopped => self.ended = true,
                    Event::RecordingFinished => {
                        self.ended = true;
                        self.finished = true;
                        self.ask_now(now_ms);
                    }
                    Event::Online => {
                        if let Setup::WaitOnline(step) = self.setup {
                            self.setup = Setup::Due {
                                step,
                                at_ms: now_ms,
                            };
                        }
                    }
                    _ => {}
                }
                if let Some(parts) = self.parts.as_mut() {
                    let cmds = parts.handle(event, now_ms);
                    self.take(cmds, now_ms, &mut out);
                }
            }
        }
        self.drive_setup(now_ms, &mut out);
        out
    }

    /// Send pressed while setup waits: ask at once (the person is waiting now).
    fn ask_now(&mut self, now: u64) {
        if let Setup::Due { step, .. } | Setup::Blocked(step) = self.setup {
            self.setup = Setup::Due { step, at_ms: now };
        }
    }

    /// Start sending parts to `upload`, given what the server already holds.
    fn start(
        &mut self,
        upload: UploadSession,
        held: Vec<UploadedPart>,
        now: u64,
        out: &mut Vec<Command>,
    ) {
        let mut parts = Parts::new(UploadConfig::for_upload(&upload), self.jitter.next_u64());
        self.retry = upload.retry;
        self.upload = Some(upload);
        self.setup = Setup::Ready;
        self.setup_failures = 0;
        self.epoch += 1;
        parts.know(self.recorded, self.ended, self.finished);
        let cmds = parts.handle(Event::ServerHas { parts: held }, now);
        self.parts = Some(parts);
        self.take(cmds, now, out);
    }

    /// Pass on the parts machine's commands, deciding what its giving up means.
    fn take(&mut self, cmds: Vec<Command>, now: u64, out: &mut Vec<Command>) {
        for cmd in cmds {
            match cmd {
                Command::Fail { .. } if self.finished => {
                    self.end = Some(Phase::Failed);
                    self.parts = None;
                    out.push(cmd);
                    return;
                }
                // While recording, giving up is not an option: keep journaling,
                // pause, then list the same upload and go on; Send decides for real.
                Command::Fail { .. } => {
                    self.parts = None;
                    self.setup = Setup::Due {
                        step: Step::List,
                        at_ms: now + RESTART_AFTER_MS,
                    };
                    return;
                }
                cmd => out.push(cmd),
            }
        }
        if self
            .parts
            .as_ref()
            .is_some_and(|p| p.phase() == Phase::Done)
        {
            self.end = Some(Phase::Done);
        }
    }

    /// A known upload could not be listed (or collected): start over, collect, or
    /// treat it as any failed request.
    fn resume_failed(&mut self, step: Step, failure: &Failure, now: u64, out: &mut Vec<Command>) {
        let next = match (classify_resume(failure), step) {
            (Resume::StartOver, _) => {
                self.upload = None;
                Step::Create
            }
            (Resume::Collect, Step::List) => Step::Collect,
            // Being completed elsewhere: ask again after a pause.
            (Resume::Collect, _) => return self.setup_failed(step, Verdict::Retry, now, out),
            (Resume::As(verdict), _) => return self.setup_failed(step, verdict, now, out),
        };
        self.setup = Setup::Due {
            step: next,
            at_ms: now,
        };
    }

    /// Apply the one classifier's verdict on a failed setup request.
    fn setup_failed(&mut self, step: Step, verdict: Verdict, now: u64, out: &mut Vec<Command>) {
        let wait = match verdict {
            Verdict::Fatal { status, message } if self.finished => {
                return self.fail(Some(status), message, out);
            }
            // Nothing is lost: the journal keeps recording; Send asks again.
            Verdict::Fatal { .. } => {
                self.setup = Setup::Blocked(step);
                return;
            }
            Verdict::WaitOnline => {
                self.setup = Setup::WaitOnline(step);
                out.push(Command::WaitOnline);
                return;
            }
            Verdict::Throttle { retry_after_ms } => retry_after_ms,
            Verdict::Retry | Verdict::Resign | Verdict::Relist => None,
        };
        self.setup_failures += 1;
        let count = self.setup_failures;
        if self.finished && count >= self.retry.max_attempts {
            let msg = format!("The server could not be reached ({count} tries in a row).");
            return self.fail(None, msg, out);
        }
        let delay = self.retry.delay_ms(count, self.jitter.next_unit());
        let wait = wait.unwrap_or(delay).min(self.retry.cap_ms);
        self.setup = Setup::Due {
            step,
            at_ms: now + wait,
        };
    }

    fn drive_setup(&mut self, now: u64, out: &mut Vec<Command>) {
        let Setup::Due { step, at_ms } = self.setup else {
            return;
        };
        if self.end.is_some() {
            return;
        }
        if at_ms > now {
            return out.push(Command::WakeAt { at_ms });
        }
        let step = match step {
            Step::List | Step::Collect if self.upload.is_none() => Step::Create,
            step => step,
        };
        self.setup = Setup::InFlight(step);
        out.push(match step {
            Step::Create => Command::Create,
            Step::List => Command::ListParts,
            Step::Collect => Command::Collect,
        });
    }

    fn fail(&mut self, status: Option<u16>, message: String, out: &mut Vec<Command>) {
        self.end = Some(Phase::Failed);
        self.parts = None;
        out.push(Command::Fail { status, message });
    }

    fn discard(&mut self) -> Vec<Command> {
        self.end = Some(Phase::Discarded);
        self.parts = None;
        vec![Command::Discard {
            upload_id: self.upload.as_ref().map(|u| u.upload_id.clone()),
        }]
    }
}

#[cfg(test)]
#[path = "upload_tests.rs"]
mod tests;
