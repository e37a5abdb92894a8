//! The recorder's screens and what the status line says on each (announced to
//! screen readers through the page's aria-live region).

use vidreply_core::capture::clock_text;

use crate::i18n::I18n;
use crate::upload::Progress;

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
    pub fn status(&self, i: &I18n, agent: bool) -> String {
        match self {
            Screen::Intro if agent => i.t("intro-agent"),
            Screen::Intro => i.t("intro"),
            Screen::Opening => i.t("opening"),
            Screen::Preview => i.t("preview"),
            Screen::Countdown(n) => i.tr("countdown", &[("seconds", u64::from(*n).into())]),
            Screen::Recording => i.t("recording"),
            Screen::Paused => i.t("paused"),
            Screen::Review => i.t("review"),
            Screen::Interrupted => i.t("interrupted"),
            Screen::Resume => i.t("resume"),
            Screen::Sending(p) => {
                let percent = ("percent", p.percent().into());
                match p.eta_ms {
                    Some(ms) if ms >= 1000 => i.tr(
                        "sending-eta",
                        &[percent, ("seconds", ms.div_ceil(1000).into())],
                    ),
                    _ => i.tr("sending", &[percent]),
                }
            }
            Screen::Sent => i.t("sent"),
            Screen::Failed { message, .. } | Screen::BadLink(message) => message.clone(),
        }
    }

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

/// "1:05" and "3:55" for the timer beside the preview.
pub fn timer_texts(elapsed_ms: f64, limit_ms: u64) -> (String, String) {
    (
        clock_text(elapsed_ms),
        clock_text((limit_ms as f64 - elapsed_ms).max(0.0)),
    )
}
