//! Which parts exist and which bytes each holds, and taking the server's word on
//! which of them it has.

use std::collections::BTreeMap;

use super::{Part, Parts, Slot};
use crate::protocol::{UploadedPart, etag_eq};

impl Parts {
    /// Take the server's word: parts it holds at the planned size are confirmed;
    /// confirmed parts it does not hold (or holds with another ETag) go again.
    pub(super) fn reconcile(&mut self, server: Vec<UploadedPart>) {
        self.plan();
        let held: BTreeMap<u32, UploadedPart> =
            server.into_iter().map(|p| (p.part_number, p)).collect();
        let numbers: Vec<u32> = self.parts.keys().copied().collect();
        for n in numbers {
            let (_, len) = self.range(n);
            let p = self.parts.get_mut(&n).expect("planned part");
            let on_server = held.get(&n).filter(|sp| sp.size == len);
            match (&p.slot, on_server) {
                (Slot::Idle, Some(sp)) => {
                    p.slot = Slot::Done {
                        etag: sp.etag.clone(),
                    }
                }
                (Slot::Done { etag }, sp) if sp.is_none_or(|sp| !etag_eq(etag, &sp.etag)) => {
                    p.slot = Slot::Idle;
                }
                _ => continue,
            }
            p.url = None;
        }
    }

    /// Add every part that the recorded bytes now fill (all of them once finished).
    pub(super) fn plan(&mut self) {
        let planned = self.planned_parts().min(self.cfg.max_parts as u64 + 1);
        for n in 1..=planned as u32 {
            if self.parts.contains_key(&n) {
                continue;
            }
            // A full part takes the URL signed ahead for it (signed for a full part).
            let full = self.range(n).1 == self.cfg.part_size;
            let ahead = self.ahead.take_if(|(a, ..)| *a == n && full);
            let url = ahead.map(|(_, url, until)| (url, until));
            self.parts.insert(
                n,
                Part {
                    slot: Slot::Idle,
                    url,
                },
            );
        }
    }

    /// The part being filled while recording, which a URL may be signed for ahead.
    pub(super) fn next_part(&self) -> Option<u32> {
        let next = self.planned_parts() + 1;
        let recording = !self.ended && !self.stopping;
        (recording && next <= u64::from(self.cfg.max_parts)).then_some(next as u32)
    }

    /// Byte range `(offset, len)` of part `n` (1-based).
    pub(super) fn range(&self, n: u32) -> (u64, u64) {
        let ps = self.cfg.part_size;
        let offset = (n as u64 - 1) * ps;
        (offset, ps.min(self.recorded.saturating_sub(offset)))
    }

    /// The recording's last part, shorter than a part: it goes through the
    /// server's API, needing no signed URL.
    pub(super) fn is_tail(&self, n: u32) -> bool {
        let ps = self.cfg.part_size;
        self.ended
            && u64::from(n) == self.recorded.div_ceil(ps)
            && !self.recorded.is_multiple_of(ps)
    }

    /// How many parts exist now: full parts while recording, all of them once it ended.
    pub(super) fn planned_parts(&self) -> u64 {
        let ps = self.cfg.part_size;
        if self.ended {
            self.recorded.div_ceil(ps)
        } else {
            self.recorded / ps
        }
    }
}
