//! The browser itself, for every module: its window, its clock and timers, `online`,
//! an object the page may lack, and a fresh id. A leaf: it uses nothing else of this crate.

use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::Closure;

pub fn window() -> web_sys::Window {
    web_sys::window().expect("a browser window")
}

/// Milliseconds since the epoch, the clock every decision in core is handed.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// A `performance.mark`: a step `scripts/bench` times (see `Host::mark`).
pub fn mark(name: &str) {
    if let Some(p) = window().performance() {
        let _ = p.mark(name);
    }
}

/// A browser API object, or `None` where the page cannot have it. Insecure (http)
/// pages have no `navigator.mediaDevices`, `navigator.storage` or
/// `crypto.randomUUID`; web-sys getters would hand back `undefined` as if it were one.
pub fn present<T: JsCast>(on: &JsValue, name: &str) -> Option<T> {
    js_sys::Reflect::get(on, &name.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
        .map(JsCast::unchecked_into)
}

/// A random id (a UUID where the page may make one).
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

/// Resolve at `at_ms` (a [`now_ms`] time), at once if it has passed.
pub async fn sleep_until(at_ms: u64) {
    let wait = at_ms.saturating_sub(now_ms()) as i32;
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let w = window();
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, wait);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

/// Call `then` once the browser is online (at once if it already is).
pub fn when_online(then: impl FnOnce() + 'static) {
    let w = window();
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
