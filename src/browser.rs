//! The browser itself, for every module: its window, its clock, an object the page
//! may lack, and a fresh id. A leaf: it uses nothing else of this crate.

use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;

pub fn window() -> web_sys::Window {
    web_sys::window().expect("a browser window")
}

/// Milliseconds since the epoch, the clock every decision in core is handed.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
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
