//! What the recorder shows and tells: its screens, the sending progress, and the
//! events its page hears. [`crate::recorder::next`] decides which screen follows which.

pub use crate::upload_drive::Progress;

#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    Intro,
    Opening,
    Preview,
    /// The 3-2-1 before recording; the number shown.
    Countdown(u32),
    Recording,
    Paused,
    Review,
    /// The camera or microphone went away mid-recording; what was recorded is kept.
    Interrupted,
    /// A recording from an earlier visit was found in the journal.
    Resume,
    Sending(Progress),
    Sent,
    /// `retry_camera` says which way forward the person gets.
    Failed {
        message: String,
        retry_camera: bool,
    },
    BadLink(String),
}

impl Screen {
    /// The camera preview is on screen.
    pub fn shows_preview(&self) -> bool {
        matches!(
            self,
            Screen::Preview | Screen::Countdown(_) | Screen::Recording | Screen::Paused
        )
    }

    /// A finished recording is on screen to watch back.
    pub fn shows_review(&self) -> bool {
        matches!(self, Screen::Review | Screen::Interrupted | Screen::Resume)
    }

    /// A recording is running (paused or not).
    pub fn is_recording(&self) -> bool {
        matches!(self, Screen::Recording | Screen::Paused)
    }

    /// The person may choose a video file instead of recording.
    pub fn offers_file(&self) -> bool {
        matches!(
            self,
            Screen::Intro
                | Screen::Failed {
                    retry_camera: true,
                    ..
                }
        )
    }

    /// The person may pick another camera, microphone or facing (only before recording).
    pub fn offers_devices(&self) -> bool {
        *self == Screen::Preview
    }

    /// A recording is on screen that Send would send.
    pub fn offers_send(&self) -> bool {
        matches!(
            self,
            Screen::Review
                | Screen::Interrupted
                | Screen::Resume
                | Screen::Failed {
                    retry_camera: false,
                    ..
                }
        )
    }

    /// A stable name for the screen (the root's `data-screen`, for styling and tests).
    pub fn name(&self) -> &'static str {
        match self {
            Screen::Intro => "intro",
            Screen::Opening => "opening",
            Screen::Preview => "preview",
            Screen::Countdown(_) => "countdown",
            Screen::Recording => "recording",
            Screen::Paused => "paused",
            Screen::Review => "review",
            Screen::Interrupted => "interrupted",
            Screen::Resume => "resume",
            Screen::Sending(_) => "sending",
            Screen::Sent => "sent",
            Screen::Failed { .. } => "failed",
            Screen::BadLink(_) => "bad-link",
        }
    }
}

/// What the recorder tells its page, in this order over one recording:
/// `recordingstart`, `recordingstop`, `uploadprogress`…, then `sent` or `error`.
#[derive(Debug, Clone, PartialEq)]
pub enum RecorderEvent {
    RecordingStart { mime_type: String },
    RecordingStop { duration_ms: f64 },
    UploadProgress { sent: u64, total: u64, percent: u64 },
    Sent { video_id: String, share_url: String },
    Error { code: String, message: String },
}

impl RecorderEvent {
    /// The DOM event name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::RecordingStart { .. } => "recordingstart",
            Self::RecordingStop { .. } => "recordingstop",
            Self::UploadProgress { .. } => "uploadprogress",
            Self::Sent { .. } => "sent",
            Self::Error { .. } => "error",
        }
    }

    /// The event's `detail`, as JSON.
    pub fn detail(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Self::RecordingStart { mime_type } => json!({ "mimeType": mime_type }),
            Self::RecordingStop { duration_ms } => json!({ "durationMs": duration_ms }),
            Self::UploadProgress {
                sent,
                total,
                percent,
            } => json!({ "sent": sent, "total": total, "percent": percent }),
            Self::Sent {
                video_id,
                share_url,
            } => json!({ "videoId": video_id, "shareUrl": share_url }),
            Self::Error { code, message } => json!({ "code": code, "message": message }),
        }
    }

    pub(crate) fn progress(p: &Progress) -> Self {
        Self::UploadProgress {
            sent: p.sent,
            total: p.total,
            percent: p.percent(),
        }
    }
}
