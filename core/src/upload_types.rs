//! The upload machine's vocabulary: its settings, the events it takes and the
//! commands it gives.

use crate::classify::Failure;
use crate::policy::RetryPolicy;
use crate::protocol::{CompletedPart, MAX_PARTS, SignedPart, UploadedPart};

/// Upload settings; all of them are named settings with defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadConfig {
    /// Every part but the last is exactly this many bytes.
    pub part_size: u64,
    /// Part PUTs in flight at once (browsers open at most 6 per host).
    pub parallelism: usize,
    pub retry: RetryPolicy,
    /// A signed URL this close to expiry is re-signed before use.
    pub resign_margin_ms: u64,
    pub max_parts: u32,
}

impl Default for UploadConfig {
    fn default() -> Self {
        Self {
            part_size: 5 * 1024 * 1024,
            parallelism: 4,
            retry: RetryPolicy::default(),
            resign_margin_ms: 5_000,
            max_parts: MAX_PARTS,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The recording has grown to `total` bytes.
    Recorded {
        total: u64,
    },
    /// No more bytes will come.
    RecordingFinished,
    Signed {
        parts: Vec<SignedPart>,
    },
    SignFailed {
        failure: Failure,
    },
    PartUploaded {
        part: u32,
        etag: String,
    },
    PartFailed {
        part: u32,
        failure: Failure,
    },
    /// What the server already holds (ListParts, deduped), when resuming. A part
    /// counts as confirmed only if its size is exactly the planned size.
    ServerHas {
        parts: Vec<UploadedPart>,
    },
    /// Time has passed (a timer asked for with [`Command::WakeAt`] fired).
    Tick,
    /// The browser came back online.
    Online,
    Completed,
    CompleteFailed {
        failure: Failure,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Ask the server for fresh URLs for these parts, each holding the bytes at the
    /// same place in `sizes` (URLs are signed for a part's exact length).
    Sign { parts: Vec<u32>, sizes: Vec<u64> },
    /// PUT bytes `offset..offset+len` of the recording to `url`.
    Put {
        part: u32,
        offset: u64,
        len: u64,
        url: String,
    },
    /// Send [`Event::Tick`] at this time (unix ms).
    WakeAt { at_ms: u64 },
    /// Send [`Event::Online`] when the browser is online again.
    WaitOnline,
    /// Ask the server which parts it holds; answer with [`Event::ServerHas`]
    /// (or [`Event::CompleteFailed`] if the listing fails).
    ListParts,
    /// Every part is stored: complete the upload.
    Complete {
        parts: Vec<CompletedPart>,
        total_bytes: u64,
    },
    /// The upload cannot go on. The recording must be kept.
    Fail {
        status: Option<u16>,
        message: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Uploading,
    Completing,
    Done,
    Failed,
}
