//! Small browser helpers for the upload shell: time, timers, `online`.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Progress the page shows: bytes confirmed by the server out of bytes recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes confirmed by the server plus bytes of parts on their way.
    pub sent: u64,
    pub total: u64,
    /// Estimated time left, once there is a rate to go by.
    pub eta_ms: Option<u64>,
}

impl Progress {
    /// Whole percent confirmed; 0 before anything is known.
    pub fn percent(&self) -> u64 {
        (self.sent * 100)
            .checked_div(self.total)
            .unwrap_or(0)
            .min(100)
    }
}

/// Why sending stopped; the recording is still in the page.
#[derive(Debug, Clone, PartialEq)]
pub struct SendError {
    pub status: Option<u16>,
    pub message: String,
}

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
