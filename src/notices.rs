//! What the recorder says around the recording: an unsent recording from an earlier
//! visit, recordings dropped because their link expired, and low space.

use leptos::prelude::*;
use vidreply_core::recorder::Event;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;

use crate::browser::{present, window};
use crate::ctl::Ctl;

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

/// Open the journal; drop recordings whose link expired; offer to resume one left
/// behind for this conversation (if the person has not moved on meanwhile).
pub fn open_journal(ctl: Ctl) {
    spawn_local(async move {
        let Ok(j) = ctl.journal.open().await else {
            return;
        };
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
        {
            ctl.found.set_value(Some((meta, blob)));
            ctl.dispatch(Event::FoundUnsent);
            ctl.found.set_value(None);
        }
    });
}
