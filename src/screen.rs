//! What the status line says on each of the recorder's screens (announced to screen
//! readers through the page's aria-live region), and the timer's texts. The screens
//! themselves, and which follows which, are core's ([`vidreply_core::recorder`]).

use vidreply_core::capture::clock_text;
use vidreply_core::recorder::Screen;

use crate::i18n::I18n;

pub fn status(screen: &Screen, i: &I18n, agent: bool) -> String {
    match screen {
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

/// "1:05" and "3:55" for the timer beside the preview.
pub fn timer_texts(elapsed_ms: f64, limit_ms: u64) -> (String, String) {
    (
        clock_text(elapsed_ms),
        clock_text((limit_ms as f64 - elapsed_ms).max(0.0)),
    )
}
