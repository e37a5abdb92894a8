//! The parts of one server-side upload: sign, PUT, retry, complete. Events in,
//! commands out, no I/O, clock passed in. [`crate::upload::Uploader`] makes one of
//! these once an upload exists and routes the part events to it.
//!
//! Parts are planned from the byte count alone, so the same machine serves "upload
//! after recording" and "upload while recording": every time the recording grows
//! past a part boundary, a new part becomes sendable.

use std::collections::BTreeMap;

use crate::classify::{Failure, Verdict, classify};
use crate::policy::Jitter;
use crate::protocol::CompletedPart;
use crate::upload_types::{Command, Event, Phase, UploadConfig};

#[derive(Debug, Clone, PartialEq)]
enum Slot {
    Idle,
    InFlight,
    Backoff { until_ms: u64 },
    Done { etag: String },
}

#[derive(Debug, Clone)]
struct Part {
    slot: Slot,
    /// Signed URL and the time after which it is re-signed instead of used.
    url: Option<(String, u64)>,
}

/// The per-request work the machine may have outstanding besides part PUTs.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Side {
    Idle,
    InFlight,
    Backoff { until_ms: u64 },
}

#[derive(Debug, Clone)]
pub(crate) struct Parts {
    cfg: UploadConfig,
    recorded: u64,
    /// Stop was pressed: sign nothing ahead any more.
    stopping: bool,
    /// No more bytes will come (Stop): every part, the short last one too, exists.
    ended: bool,
    /// Send was pressed: complete once every part is stored.
    finished: bool,
    parts: BTreeMap<u32, Part>,
    /// A URL signed ahead for the part being filled, so it goes up the moment it
    /// is full, with no sign round trip (and none after Stop).
    ahead: Option<(u32, String, u64)>,
    sign: Side,
    complete: Side,
    throttle_until: u64,
    offline: bool,
    /// Failures in a row of each part since bytes last progressed. Counted per
    /// part, so parallel parts dropping together count as one failure each, not
    /// as several of one.
    part_failures: BTreeMap<u32, u32>,
    /// Failures in a row of sign, list and complete requests.
    side_failures: u32,
    /// Waiting for the server's part list before completing again.
    relisting: bool,
    phase: Phase,
    jitter: Jitter,
}

impl Parts {
    /// `seed` drives the jitter; pass a random one in production, a fixed one in tests.
    pub fn new(cfg: UploadConfig, seed: u64) -> Self {
        assert!(
            cfg.part_size > 0 && cfg.parallelism > 0,
            "invalid upload config"
        );
        Self {
            cfg,
            recorded: 0,
            stopping: false,
            ended: false,
            finished: false,
            parts: BTreeMap::new(),
            ahead: None,
            sign: Side::Idle,
            complete: Side::Idle,
            throttle_until: 0,
            offline: false,
            part_failures: BTreeMap::new(),
            side_failures: 0,
            relisting: false,
            phase: Phase::Uploading,
            jitter: Jitter::new(seed),
        }
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Take what is known of the recording before the server's list, without
    /// acting on it: the list then decides which parts, the tail too, still go.
    pub fn know(&mut self, recorded: u64, ended: bool, finished: bool) {
        self.recorded = self.recorded.max(recorded);
        self.ended |= ended || finished;
        self.finished |= finished;
    }

    /// Bytes the server has confirmed.
    pub fn confirmed_bytes(&self) -> u64 {
        self.parts
            .iter()
            .filter(|(_, p)| matches!(p.slot, Slot::Done { .. }))
            .map(|(n, _)| self.range(*n).1)
            .sum()
    }

    /// Failures in a row since bytes last progressed.
    pub fn failures_in_a_row(&self) -> u32 {
        let parts = self.part_failures.values().copied().max().unwrap_or(0);
        parts.max(self.side_failures)
    }

    /// Feed one event; get back what to do now.
    pub fn handle(&mut self, event: Event, now_ms: u64) -> Vec<Command> {
        if matches!(self.phase, Phase::Done | Phase::Failed) {
            return Vec::new();
        }
        let mut out = Vec::new();
        match event {
            Event::Recorded { total } => self.recorded = self.recorded.max(total),
            Event::Stopping => self.stopping = true,
            Event::RecordingStopped => self.ended = true,
            Event::RecordingFinished => {
                self.ended = true;
                self.finished = true;
            }
            Event::Signed { parts } => {
                self.sign = Side::Idle;
                for s in parts {
                    if let Some(p) = self.parts.get_mut(&s.part_number) {
                        // Re-sign a margin before expiry, but never more than half
                        // the URL's life, so short TTLs still get used.
                        // Trust the URL's life over its absolute expiry: the device
                        // clock may disagree with the server's.
                        // An already-expired URL still gets one try: its 403 counts as a failure.
                        let life = (s.expires_in_ms)
                            .unwrap_or(s.expires_at_ms.saturating_sub(now_ms))
                            .max(1_000);
                        let margin = self.cfg.resign_margin_ms.min(life / 2);
                        p.url = Some((s.url, now_ms + life - margin));
                    } else if Some(s.part_number) == self.next_part() {
                        let life = (s.expires_in_ms)
                            .unwrap_or(s.expires_at_ms.saturating_sub(now_ms))
                            .max(1_000);
                        let margin = self.cfg.resign_margin_ms.min(life / 2);
                        self.ahead = Some((s.part_number, s.url, now_ms + life - margin));
                    }
                }
            }
            Event::SignFailed { failure } => {
                self.sign = Side::Idle;
                let until = self.on_failure(None, &failure, now_ms, &mut out);
                if let Some(until_ms) = until {
                    self.sign = Side::Backoff { until_ms };
                }
            }
            Event::PartUploaded { part, etag } => {
                if let Some(p) = self.parts.get_mut(&part)
                    && p.slot == Slot::InFlight
                {
                    p.slot = Slot::Done { etag };
                    p.url = None;
                    // Bytes progressed: every count starts over.
                    self.part_failures.clear();
                    self.side_failures = 0;
                }
            }
            Event::PartFailed { part, failure } => {
                let in_flight = self
                    .parts
                    .get(&part)
                    .is_some_and(|p| p.slot == Slot::InFlight);
                if in_flight {
                    if let Some(p) = self.parts.get_mut(&part) {
                        p.slot = Slot::Idle;
                        if classify(&failure) == Verdict::Resign {
                            p.url = None;
                        }
                    }
                    if let Some(until_ms) = self.on_failure(Some(part), &failure, now_ms, &mut out)
                        && let Some(p) = self.parts.get_mut(&part)
                    {
                        p.slot = Slot::Backoff { until_ms };
                    }
                }
            }
            Event::ServerHas { parts } => {
                self.relisting = false;
                self.reconcile(parts);
            }
            Event::Tick => {}
            Event::Online => self.offline = false,
            Event::Completed => {
                self.phase = Phase::Done;
                return out;
            }
            // Setup is the uploader's, not this upload's.
            Event::Abort | Event::Created { .. } | Event::CreateFailed { .. } => {}
            Event::CompleteFailed { failure } | Event::ListFailed { failure } => {
                self.complete = Side::Idle;
                self.phase = Phase::Uploading;
                self.relisting = false;
                if let Some(until_ms) = self.on_failure(None, &failure, now_ms, &mut out) {
                    self.complete = Side::Backoff { until_ms };
                }
            }
        }
        if self.phase != Phase::Failed {
            self.drive(now_ms, &mut out);
        }
        out
    }

    /// Apply the verdict on a failure. Returns the backoff deadline when the
    /// failed request should be retried later.
    fn on_failure(
        &mut self,
        part: Option<u32>,
        failure: &Failure,
        now: u64,
        out: &mut Vec<Command>,
    ) -> Option<u64> {
        let verdict = classify(failure);
        if let Verdict::Fatal { status, message } = verdict {
            self.fail(Some(status), message, out);
            return None;
        }
        if verdict == Verdict::WaitOnline {
            if !self.offline {
                self.offline = true;
                out.push(Command::WaitOnline);
            }
            return None;
        }
        let count = match part {
            Some(n) => self.part_failures.entry(n).or_insert(0),
            None => &mut self.side_failures,
        };
        *count += 1;
        let count = *count;
        if count >= self.cfg.retry.max_attempts {
            let msg = format!("The upload failed {count} times in a row without progress.");
            self.fail(None, msg, out);
            return None;
        }
        let delay = self.cfg.retry.delay_ms(count, self.jitter.next_unit());
        match verdict {
            Verdict::Throttle { retry_after_ms } => {
                let wait = retry_after_ms.unwrap_or(delay).min(self.cfg.retry.cap_ms);
                self.throttle_until = self.throttle_until.max(now + wait);
                None
            }
            // A fresh signature needs no wait; the sign request itself is the pause.
            Verdict::Resign => None,
            Verdict::Relist => {
                self.relisting = true;
                out.push(Command::ListParts);
                None
            }
            _ => Some(now + delay),
        }
    }

    fn fail(&mut self, status: Option<u16>, message: String, out: &mut Vec<Command>) {
        self.phase = Phase::Failed;
        out.push(Command::Fail { status, message });
    }

    fn drive(&mut self, now: u64, out: &mut Vec<Command>) {
        let planned = self.planned_parts();
        if planned > self.cfg.max_parts as u64 {
            let msg = "The recording is too long for one upload.".to_string();
            return self.fail(None, msg, out);
        }
        if self.finished && self.recorded == 0 {
            return self.fail(None, "Nothing was recorded.".into(), out);
        }
        self.plan();
        if self.offline {
            return;
        }
        let mut wake: Option<u64> = None;
        let mut soonest = |t: u64| wake = Some(wake.map_or(t, |w: u64| w.min(t)));
        if self.throttle_until > now {
            out.push(Command::WakeAt {
                at_ms: self.throttle_until,
            });
            return;
        }
        // Parts whose backoff is over become sendable again.
        for p in self.parts.values_mut() {
            if let Slot::Backoff { until_ms } = p.slot {
                if until_ms <= now {
                    p.slot = Slot::Idle;
                } else {
                    soonest(until_ms);
                }
            }
        }
        let mut in_flight = self
            .parts
            .values()
            .filter(|p| p.slot == Slot::InFlight)
            .count();
        let mut need_sign = Vec::new();
        let idle: Vec<u32> = (self.parts.iter())
            .filter(|(_, p)| p.slot == Slot::Idle)
            .map(|(n, _)| *n)
            .collect();
        for n in idle {
            let (offset, len) = self.range(n);
            let tail = self.is_tail(n);
            let p = self.parts.get_mut(&n).expect("planned part");
            match &p.url {
                _ if tail => {
                    if in_flight < self.cfg.parallelism {
                        in_flight += 1;
                        p.slot = Slot::InFlight;
                        out.push(Command::PutTail {
                            part: n,
                            offset,
                            len,
                        });
                    }
                }
                Some((url, use_until)) if *use_until > now => {
                    if in_flight < self.cfg.parallelism {
                        in_flight += 1;
                        p.slot = Slot::InFlight;
                        let url = url.clone();
                        out.push(Command::Put {
                            part: n,
                            offset,
                            len,
                            url,
                        });
                    }
                }
                _ => need_sign.push((n, len)),
            }
        }
        // Sign the part being filled ahead of time, with a sign that goes anyway
        // or while nothing else waits on one.
        if let Some(next) = self.next_part() {
            let fresh = self
                .ahead
                .as_ref()
                .is_some_and(|(n, _, until)| *n == next && *until > now);
            if !fresh && need_sign.len() < self.cfg.parallelism * 2 {
                need_sign.push((next, self.cfg.part_size));
            }
        }
        self.side_request(now, &mut soonest, need_sign, out);
        if let Some(at_ms) = wake {
            out.push(Command::WakeAt { at_ms });
        }
    }

    fn side_request(
        &mut self,
        now: u64,
        soonest: &mut impl FnMut(u64),
        mut need_sign: Vec<(u32, u64)>,
        out: &mut Vec<Command>,
    ) {
        if let Side::Backoff { until_ms } = self.sign {
            if until_ms <= now {
                self.sign = Side::Idle;
            } else {
                soonest(until_ms);
            }
        }
        if !need_sign.is_empty() && self.sign == Side::Idle {
            need_sign.truncate(self.cfg.parallelism * 2);
            self.sign = Side::InFlight;
            let (parts, sizes) = need_sign.into_iter().unzip();
            out.push(Command::Sign { parts, sizes });
        }
        let all_done = self
            .parts
            .values()
            .all(|p| matches!(p.slot, Slot::Done { .. }));
        if !(self.finished && all_done) || self.relisting {
            return;
        }
        if let Side::Backoff { until_ms } = self.complete {
            if until_ms > now {
                return soonest(until_ms);
            }
            self.complete = Side::Idle;
        }
        if self.complete == Side::Idle {
            self.complete = Side::InFlight;
            self.phase = Phase::Completing;
            let parts = (self.parts.iter())
                .filter_map(|(n, p)| match &p.slot {
                    Slot::Done { etag } => Some(CompletedPart {
                        part_number: *n,
                        etag: etag.clone(),
                    }),
                    _ => None,
                })
                .collect();
            out.push(Command::Complete {
                parts,
                total_bytes: self.recorded,
            });
        }
    }
}

#[path = "upload_parts_plan.rs"]
mod plan;

#[cfg(test)]
#[path = "upload_parts_tests.rs"]
pub(crate) mod tests;
