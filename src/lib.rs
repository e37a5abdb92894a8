//! vidreply browser component: capture and upload (Leptos CSR, wasm32).
#![forbid(unsafe_code)]

pub mod api;
pub mod app;
pub mod context;
pub mod journal;
pub mod recorder;
pub mod session;
pub mod upload;

/// Mount the standalone app into `<body>`.
pub fn mount() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
