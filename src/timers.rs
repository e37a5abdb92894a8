//! Things that happen on a clock while recording: the 3-2-1 countdown, the
//! elapsed/remaining timer with auto-stop at the limit, and the poster frame.

use std::time::Duration;

use leptos::prelude::*;
use vidreply_core::capture::{clock_text, countdown_shows};
use wasm_bindgen_futures::spawn_local;

use crate::ctl::Ctl;
use crate::screen::Screen;

/// How often the timer and the countdown are redrawn.
pub const TICK: Duration = Duration::from_millis(200);
/// The poster is taken this far into the recording (or at Stop if sooner).
pub const POSTER_AT: Duration = Duration::from_millis(1000);

fn now() -> f64 {
    js_sys::Date::now()
}

/// Show 3, 2, 1, then start recording, unless cancelled or the camera went away.
pub fn countdown(ctl: Ctl, seconds: u32) {
    ctl.countdown_run.update(|n| *n += 1);
    let run = ctl.countdown_run.get_untracked();
    let began = now();
    ctl.screen.set(Screen::Countdown(seconds));
    let step = move || {
        let live = ctl.countdown_run.get_untracked() == run
            && matches!(ctl.screen.get_untracked(), Screen::Countdown(_));
        if !live {
            return false;
        }
        match countdown_shows(seconds, now() - began) {
            Some(n) => {
                if ctl.screen.get_untracked() != Screen::Countdown(n) {
                    ctl.screen.set(Screen::Countdown(n));
                }
                true
            }
            None => {
                ctl.begin();
                false
            }
        }
    };
    repeat(step);
}

/// Call `step` every [`TICK`] until it returns false.
fn repeat(mut step: impl FnMut() -> bool + 'static) {
    spawn_local(async move {
        loop {
            crate::upload::sleep_until(crate::upload::now_ms() + TICK.as_millis() as u64).await;
            if !step() {
                break;
            }
        }
    });
}

/// Keep `elapsed` current and stop at the limit.
pub fn tick_while_recording(ctl: Ctl) {
    let handle = set_interval_with_handle(
        move || {
            let Some(elapsed) = ctl
                .recording
                .with_value(|r| r.as_ref().map(|r| r.elapsed_ms()))
            else {
                return;
            };
            ctl.elapsed.set(elapsed);
            let limit = ctl.limit_ms();
            if elapsed >= limit as f64 {
                let limit = clock_text(limit as f64);
                ctl.notice
                    .set(Some(ctl.tr("limit-reached", &[("limit", limit.into())])));
                ctl.finish(Screen::Review);
            }
        },
        TICK,
    );
    if let Ok(h) = handle
        && let Some(old) = ctl.ticker.try_update_value(|t| t.replace(h)).flatten()
    {
        old.clear();
    }
}

/// Take the poster from the live camera about a second in.
pub fn take_poster(ctl: Ctl) {
    spawn_local(async move {
        crate::upload::sleep_until(crate::upload::now_ms() + POSTER_AT.as_millis() as u64).await;
        if !ctl.screen.with_untracked(Screen::is_recording) {
            return;
        }
        let Some(video) = ctl.preview.get_untracked() else {
            return;
        };
        if let Some(jpeg) = crate::poster::capture(&video).await {
            ctl.poster.set_value(Some(jpeg));
            send_poster(ctl);
        }
    });
}

/// Send the poster once both it and the upload exist (best effort: processing
/// makes one from the video when none arrives).
pub fn send_poster(ctl: Ctl) {
    let (Some(jpeg), Some(upload)) = (ctl.poster.get_value(), ctl.upload_id.get_untracked()) else {
        return;
    };
    ctl.poster.set_value(None);
    let api = ctl.api.get_value();
    spawn_local(async move {
        for _ in 0..3 {
            if api.put_poster(&upload, &jpeg).await.is_ok() {
                return;
            }
            crate::upload::sleep_until(crate::upload::now_ms() + 2_000).await;
        }
    });
}
