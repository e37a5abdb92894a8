//! vidreply browser component: capture, upload and watch (Leptos CSR, wasm32).
#![forbid(unsafe_code)]

pub mod agent;
pub mod api;
pub mod app;
pub mod browser;
pub mod camera;
pub mod capture;
pub mod context;
pub mod controls;
pub mod ctl;
pub mod devices;
pub mod fallback;
pub mod hooks;
pub mod i18n;
pub mod journal;
pub mod meter;
pub mod notices;
pub mod options;
pub mod poster;
pub mod recorder;
pub mod screen;
pub mod session;
pub mod style;
pub mod watch;
pub mod widget;

/// Mount the standalone app into `<body>` (called by `src/main.rs`; the widget's
/// JavaScript `mount(element, options)` is [`widget::mount`]).
pub fn mount() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
