//! One recording's upload in the browser: core's upload loop
//! ([`vidreply_core::upload_drive`]) run over fetch ([`Api`]), IndexedDB
//! ([`Journal`]) and the page's timers. Every decision is core's; the loop runs
//! natively in core's tests over scripted fakes of the same three.

use futures::FutureExt;
use futures::future::LocalBoxFuture;
use vidreply_core::recording::RecordingMeta;
use vidreply_core::upload_drive::{self, Host};
use wasm_bindgen_futures::spawn_local;
use web_sys::Blob;

use crate::api::Api;
use crate::browser::{now_ms, sleep_until, when_online};
use crate::journal::Journal;

pub use vidreply_core::upload_drive::Callbacks;

/// The page as the upload loop's host: its clock, timers, `online` and tasks.
#[derive(Clone, Copy)]
struct Page;

impl Host for Page {
    fn now_ms(&self) -> u64 {
        now_ms()
    }
    fn sleep_until(&self, at_ms: u64) -> LocalBoxFuture<'static, ()> {
        sleep_until(at_ms).boxed_local()
    }
    fn online(&self) -> LocalBoxFuture<'static, ()> {
        let (tx, rx) = futures::channel::oneshot::channel();
        when_online(move || {
            let _ = tx.send(());
        });
        rx.map(|_| ()).boxed_local()
    }
    fn spawn(&self, task: LocalBoxFuture<'static, ()>) {
        spawn_local(task);
    }
    fn seed(&self) -> u64 {
        (js_sys::Math::random() * u64::MAX as f64) as u64
    }
    fn mark(&self, name: &str) {
        crate::browser::mark(name);
    }
}

/// A handle to the running loop; cheap to clone.
#[derive(Clone)]
pub struct Session(upload_drive::Session<Blob>);

impl Session {
    /// Run the loop for a recording: a new one (the upload is created at once, so
    /// parts go up while recording) or one found in the journal (after a failure,
    /// a reload or a closed tab), whose upload is reused if the server still has it.
    pub fn open(api: Api, journal: Journal, meta: RecordingMeta, cb: Callbacks) -> Self {
        Self(upload_drive::Session::open(api, journal, Page, meta, cb))
    }

    pub fn chunk(&self, blob: Blob) {
        self.0.chunk(blob);
    }
    /// Stop was pressed: nothing more is signed ahead (the last chunk is still to come).
    pub fn stopping(&self) {
        self.0.stopping();
    }
    pub fn stopped(&self, duration_ms: f64) {
        self.0.stopped(duration_ms);
    }
    pub fn send(&self) {
        self.0.send();
    }
    /// Retake or discard a recording no session is running for (found in the journal).
    pub fn discard(api: Api, journal: Journal, meta: RecordingMeta) {
        spawn_local(async move { upload_drive::discard_recording(&api, &journal, &meta).await });
    }
    /// The recording so far, from the journal, after every chunk sent before this call.
    pub fn review(&self, then: impl FnOnce(Blob) + 'static) {
        self.0.review(then);
    }
    /// Retake or discard: abort the server-side upload and clear the journal.
    pub fn abort(&self) {
        self.0.abort();
    }
}
