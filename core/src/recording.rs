//! What the browser's journal keeps about one recording, and which stored chunks
//! hold a given byte range, so a part reads only its own bytes.

use serde::{Deserialize, Serialize};

use crate::protocol::UploadSession;

/// What the journal knows about one recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingMeta {
    pub id: String,
    pub conversation_id: String,
    pub mime_type: String,
    pub created_at_ms: f64,
    pub duration_ms: f64,
    pub chunk_count: u32,
    pub total_bytes: f64,
    /// The size of each stored chunk, in order. Journals from before it was kept
    /// have none; their parts are cut from the whole recording.
    #[serde(default)]
    pub chunk_sizes: Vec<u64>,
    /// True once the person pressed Stop; false if the tab closed mid-recording.
    pub finished: bool,
    /// When the capture link this was recorded through stops working (unix ms).
    #[serde(default)]
    pub link_expires_at_ms: Option<f64>,
    /// The server-side upload these bytes go to, once created.
    #[serde(default)]
    pub upload: Option<UploadSession>,
}

impl RecordingMeta {
    /// A recording that starts at `created_at_ms`, with nothing recorded yet.
    pub fn new(
        id: impl Into<String>,
        conversation_id: impl Into<String>,
        mime_type: impl Into<String>,
        created_at_ms: f64,
    ) -> Self {
        Self {
            id: id.into(),
            conversation_id: conversation_id.into(),
            mime_type: mime_type.into(),
            created_at_ms,
            duration_ms: 0.0,
            chunk_count: 0,
            total_bytes: 0.0,
            chunk_sizes: Vec::new(),
            finished: false,
            link_expires_at_ms: None,
            upload: None,
        }
    }

    /// Count one more stored chunk of `size` bytes.
    pub fn add_chunk(&mut self, size: u64) {
        self.chunk_count += 1;
        self.total_bytes += size as f64;
        self.chunk_sizes.push(size);
    }

    /// The chunks holding bytes `offset..offset+len`, when every chunk's size is known.
    pub fn slices(&self, offset: u64, len: u64) -> Option<Vec<ChunkSlice>> {
        (self.chunk_sizes.len() == self.chunk_count as usize)
            .then(|| chunk_slices(&self.chunk_sizes, offset, len))
    }

    /// Nothing can send this recording any more: its upload expired on the server
    /// (or, never created, a day passed) and its capture link expired too. While
    /// the link works, an expired upload is simply replaced by a new one on Send.
    pub fn is_stale(&self, now_ms: f64) -> bool {
        let upload_expired = match &self.upload {
            Some(u) => (u.expires_at as f64) * 1000.0 < now_ms,
            None => now_ms - self.created_at_ms > 86_400_000.0,
        };
        let link_expired = self.link_expires_at_ms.is_none_or(|t| t < now_ms);
        upload_expired && link_expired
    }
}

/// The bytes `start..end` of stored chunk number `seq` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkSlice {
    pub seq: u32,
    pub start: u64,
    pub end: u64,
}

/// Which chunks (of these sizes, in order) hold bytes `offset..offset+len`, and
/// which slice of each. Empty chunks and chunks outside the range are left out.
pub fn chunk_slices(sizes: &[u64], offset: u64, len: u64) -> Vec<ChunkSlice> {
    let end = offset.saturating_add(len);
    let mut out = Vec::new();
    if len == 0 {
        return out;
    }
    let mut at = 0u64;
    for (seq, &size) in sizes.iter().enumerate() {
        let (from, to) = (at, at + size);
        at = to;
        if to <= offset || size == 0 {
            continue;
        }
        if from >= end {
            break;
        }
        out.push(ChunkSlice {
            seq: seq as u32,
            start: offset.max(from) - from,
            end: end.min(to) - from,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn s(seq: u32, start: u64, end: u64) -> ChunkSlice {
        ChunkSlice { seq, start, end }
    }

    #[test]
    fn a_part_reads_only_the_chunks_it_overlaps() {
        let sizes = [10, 10, 0, 10, 10];
        assert_eq!(chunk_slices(&sizes, 0, 10), vec![s(0, 0, 10)]);
        assert_eq!(chunk_slices(&sizes, 5, 10), vec![s(0, 5, 10), s(1, 0, 5)]);
        // The empty chunk in the middle is skipped.
        assert_eq!(chunk_slices(&sizes, 15, 10), vec![s(1, 5, 10), s(3, 0, 5)]);
        assert_eq!(chunk_slices(&sizes, 30, 10), vec![s(4, 0, 10)]);
        assert_eq!(chunk_slices(&sizes, 40, 5), vec![]);
        assert_eq!(chunk_slices(&sizes, 3, 0), vec![]);
    }

    #[test]
    fn old_journals_without_sizes_have_no_slices() {
        let mut m = RecordingMeta::new("r", "c", "video/webm", 0.0);
        m.add_chunk(4);
        assert_eq!(m.slices(0, 4), Some(vec![s(0, 0, 4)]));
        m.chunk_sizes.clear();
        assert_eq!(m.slices(0, 4), None);
    }

    proptest! {
        #[test]
        fn slices_rebuild_exactly_the_range(sizes in proptest::collection::vec(0u64..50, 0..40),
                                            offset in 0u64..2_000, len in 0u64..2_000) {
            let whole: Vec<u8> = sizes.iter().enumerate()
                .flat_map(|(i, &n)| std::iter::repeat_n(i as u8, n as usize)).collect();
            let mut starts = vec![0u64];
            for n in &sizes {
                starts.push(starts.last().unwrap() + n);
            }
            let got: Vec<u8> = chunk_slices(&sizes, offset, len).iter()
                .flat_map(|c| {
                    let base = starts[c.seq as usize];
                    whole[(base + c.start) as usize..(base + c.end) as usize].to_vec()
                })
                .collect();
            let (from, to) = ((offset as usize).min(whole.len()), ((offset + len) as usize).min(whole.len()));
            prop_assert_eq!(got, whole[from..to].to_vec());
        }
    }
}
