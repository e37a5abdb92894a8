//! The upload machine's vocabulary: its settings, the events it takes and the
//! commands it gives.

use crate::classify::Failure;
use crate::policy::RetryPolicy;
use crate::protocol::{CompletedPart, MAX_PARTS, SignedPart, UploadSession, UploadedPart};

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

impl UploadConfig {
    /// The settings the server gave an upload (parallelism kept to what browsers allow).
    pub fn for_upload(upload: &UploadSession) -> Self {
        Self {
            part_size: upload.part_size,
            max_parts: upload.max_parts,
            parallelism: upload.parallelism.clamp(1, 6) as usize,
            retry: upload.retry,
            ..Self::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The recording has grown to `total` bytes.
    Recorded {
        total: u64,
    },
    /// Stop was pressed; the recorder's last chunk is still on its way. Nothing
    /// more is signed ahead: the part being filled will be the tail.
    Stopping,
    /// The recorder stopped: no more bytes will come, so the last part can go now.
    /// Complete still waits for [`Event::RecordingFinished`] (the person may retake).
    RecordingStopped,
    /// Send was pressed: no more bytes will come, and the upload must finish.
    RecordingFinished,
    /// Retake or Discard: drop the upload and the recording.
    Abort,
    /// The server made a new upload (answer to [`Command::Create`]).
    Created {
        upload: UploadSession,
    },
    CreateFailed {
        failure: Failure,
    },
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
    /// What the server already holds (answer to [`Command::ListParts`]). A part
    /// counts as confirmed only if its size is exactly the planned size.
    ServerHas {
        parts: Vec<UploadedPart>,
    },
    ListFailed {
        failure: Failure,
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
    /// Ask the server for a new upload; answer with [`Event::Created`] or [`Event::CreateFailed`].
    Create,
    /// Keep this upload with the recording in the journal (and tell the page), so a
    /// reload resumes it.
    SaveUpload { upload: UploadSession },
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
    /// PUT bytes `offset..offset+len`, the recording's last part (shorter than a
    /// part), through the server's API: no signed URL, so no sign round trip
    /// after Stop. Answered like [`Command::Put`].
    PutTail { part: u32, offset: u64, len: u64 },
    /// Send [`Event::Tick`] at this time (unix ms).
    WakeAt { at_ms: u64 },
    /// Send [`Event::Online`] when the browser is online again.
    WaitOnline,
    /// Ask the server which parts of the current upload it holds; answer with
    /// [`Event::ServerHas`] or [`Event::ListFailed`].
    ListParts,
    /// Every part is stored: complete the upload.
    Complete {
        parts: Vec<CompletedPart>,
        total_bytes: u64,
    },
    /// The upload was completed before (by an earlier page): ask complete, with no
    /// parts, for its video; answer with [`Event::Completed`] or [`Event::CompleteFailed`].
    Collect,
    /// Abort this server-side upload (if any) and forget the recording; nothing more follows.
    Discard { upload_id: Option<String> },
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
    /// Retake or Discard ended it.
    Discarded,
}
