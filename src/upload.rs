//! Small browser helpers for the upload shell: time, timers, `online`; and the
//! upload's progress and errors as the page sees them (core's).

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

pub use vidreply_core::upload_drive::{Progress, SendError};

pub async fn sleep_until(at_ms: u64) {
    let wait = at_ms.saturating_sub(now_ms()) as i32;
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let w = web_sys::window().expect("window");
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, wait);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

/// Call `then` once the browser is online (at once if it already is).
pub fn when_online(then: impl FnOnce() + 'static) {
    let w = web_sys::window().expect("window");
    if w.navigator().on_line() {
        return then();
    }
    let cb = Closure::once_into_js(then);
    let opts = web_sys::AddEventListenerOptions::new();
    opts.set_once(true);
    let _ = w.add_event_listener_with_callback_and_add_event_listener_options(
        "online",
        cb.unchecked_ref(),
        &opts,
    );
}
