//! What the recorder does around the recording: find an unsent recording from an
//! earlier visit, warn about low space, and hand over or release the camera when
//! the page (or the Genesys frame) is hidden.

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;

use crate::ctl::Ctl;
use crate::devices::present;
use crate::journal::{Journal, JournalError};
use crate::screen::Screen;

/// Below this much free space the person is warned before recording.
const LOW_SPACE_BYTES: f64 = 200.0 * 1024.0 * 1024.0;
/// About a minute of 2.5 Mb/s video.
const BYTES_PER_MINUTE: f64 = 2.5e6 / 8.0 * 60.0;

/// Free space the browser lets this site use, if it says.
async fn free_space() -> Option<f64> {
    let storage: web_sys::StorageManager = present(&window().navigator(), "storage")?;
    let p = storage.estimate().ok()?;
    let est: web_sys::StorageEstimate = wasm_bindgen_futures::JsFuture::from(p).await.ok()?.into();
    Some(est.get_quota()? - est.get_usage().unwrap_or(0.0))
}

pub async fn warn_if_low_space(ctl: Ctl) {
    if let Some(free) = free_space().await
        && free < LOW_SPACE_BYTES
    {
        let mb = (free / 1e6) as u64;
        let minutes = (free / BYTES_PER_MINUTE) as u64;
        ctl.notice.set(Some(ctl.tr(
            "notice-low-space",
            &[("mb", mb.into()), ("minutes", minutes.into())],
        )));
    }
}

/// When a capture token stops working, from its `exp` claim (unix ms).
pub fn token_expiry_ms(token: &str) -> Option<f64> {
    use base64::Engine;
    let claims = token.split('.').nth(1)?;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(claims)
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&json).ok()?;
    Some(v.get("exp")?.as_f64()? * 1000.0)
}

pub fn new_id() -> String {
    let crypto = window().crypto().ok();
    let has_uuid = crypto
        .as_ref()
        .is_some_and(|c| present::<js_sys::Function>(c, "randomUUID").is_some());
    match crypto {
        Some(c) if has_uuid => c.random_uuid(),
        // Insecure pages lack randomUUID; the id only has to be unique in this journal.
        _ => format!(
            "rec-{}-{}",
            js_sys::Date::now(),
            (js_sys::Math::random() * 1e12) as u64
        ),
    }
}

/// The journal, opened now if its first opening has not finished: a quick Start or a
/// file chosen at once (a slow disk, a loaded phone) must not be refused for it.
pub async fn journal(ctl: Ctl) -> Result<Journal, JournalError> {
    if let Some(j) = ctl.journal.get_value() {
        return Ok(j);
    }
    let j = Journal::open().await?;
    ctl.journal.set_value(Some(j.clone()));
    Ok(j)
}

/// Open the journal; drop recordings whose link expired; offer to resume one left
/// behind for this conversation.
pub fn open_journal(ctl: Ctl) {
    spawn_local(async move {
        let Ok(j) = Journal::open().await else { return };
        ctl.journal.set_value(Some(j.clone()));
        let now = js_sys::Date::now();
        let all = j.list().await.unwrap_or_default();
        for stale in all.iter().filter(|m| m.is_stale(now)) {
            let _ = j.remove(&stale.id).await;
            let when = js_sys::Date::new(&stale.created_at_ms.into())
                .to_locale_string(ctl.i18n.with_value(|i| i.lang()), &JsValue::UNDEFINED);
            let when = String::from(when);
            ctl.notice
                .set(Some(ctl.tr("notice-stale", &[("when", when.into())])));
        }
        let conversation = ctl.opts.with_value(|o| o.conversation_id.clone());
        let found = j
            .list()
            .await
            .unwrap_or_default()
            .into_iter()
            .rev()
            .find(|m| m.conversation_id == conversation);
        if let Some(meta) = found
            && let Ok(blob) = j.blob(&meta).await
            && ctl.screen.get_untracked() == Screen::Intro
        {
            // Offered only if the person has not moved on meanwhile.
            ctl.show_review(blob);
            ctl.current.set_value(Some(meta));
            ctl.screen.set(Screen::Resume);
        }
    });
}

/// Hand the journal the chunk in progress when the page is hidden or closed, and
/// release the camera while hidden (a Genesys frame in the background, a phone
/// switching apps). A running recording is stopped and kept for review.
pub fn watch_visibility(ctl: Ctl) {
    let flush = move || {
        ctl.recording
            .with_value(|r| r.as_ref().map(crate::recorder::Recording::flush));
    };
    let on_hide = window_event_listener(ev::pagehide, move |_| flush());
    let on_hidden = window_event_listener(ev::visibilitychange, move |_| {
        if document().visibility_state() != web_sys::VisibilityState::Hidden {
            return;
        }
        flush();
        let screen = ctl.screen.get_untracked();
        if screen.is_recording() {
            return ctl.finish_with(Screen::Review, true);
        }
        if matches!(
            screen,
            Screen::Opening | Screen::Preview | Screen::Countdown(_)
        ) {
            ctl.countdown_run.update(|n| *n += 1);
            ctl.screen.set(Screen::Intro);
        }
        if ctl.stream.with_untracked(Option::is_some) {
            ctl.release_camera();
            ctl.notice.set(Some(ctl.t("camera-released")));
        }
    });
    on_cleanup(move || {
        on_hide.remove();
        on_hidden.remove();
        ctl.release_camera();
        if let Some(t) = ctl.ticker.try_update_value(Option::take).flatten() {
            t.clear();
        }
    });
}
