//! The upload shell: carries out core's [`Command`]s with `fetch` and timers and
//! feeds the outcomes back as [`Event`]s. No decisions are made here.

use std::cell::RefCell;
use std::rc::Rc;

use futures::StreamExt;
use futures::channel::mpsc::{UnboundedSender, unbounded};
use vidreply_core::protocol::{CompleteUploadRequest, UploadSession, Video};
use vidreply_core::{Command, Event, Phase, UploadConfig, Uploader};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen_futures::spawn_local;
use web_sys::Blob;

use crate::api::{Api, put_part};

pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Progress the page shows: bytes confirmed by the server out of bytes recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub confirmed: u64,
    pub total: u64,
}

impl Progress {
    /// Whole percent confirmed; 0 before anything is known.
    pub fn percent(&self) -> u64 {
        (self.confirmed * 100).checked_div(self.total).unwrap_or(0)
    }
}

/// Why sending stopped; the recording is still in the page.
#[derive(Debug, Clone, PartialEq)]
pub struct SendError {
    pub status: Option<u16>,
    pub message: String,
}

async fn sleep_until(at_ms: u64) {
    let wait = at_ms.saturating_sub(now_ms()) as i32;
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let w = web_sys::window().expect("window");
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, wait);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

fn wait_online(tx: UnboundedSender<Event>) {
    let w = web_sys::window().expect("window");
    if w.navigator().on_line() {
        let _ = tx.unbounded_send(Event::Online);
        return;
    }
    let cb = Closure::once_into_js(move || {
        let _ = tx.unbounded_send(Event::Online);
    });
    let opts = web_sys::AddEventListenerOptions::new();
    opts.set_once(true);
    let _ = w.add_event_listener_with_callback_and_add_event_listener_options(
        "online",
        cb.unchecked_ref(),
        &opts,
    );
}

/// Upload a finished recording through the state machine and complete it.
pub async fn send_recording(
    api: &Api,
    session: &UploadSession,
    recording: &Blob,
    duration_ms: u64,
    on_progress: impl Fn(Progress),
) -> Result<Video, SendError> {
    let cfg = UploadConfig {
        part_size: session.part_size,
        max_parts: session.max_parts,
        ..UploadConfig::default()
    };
    let seed = (js_sys::Math::random() * u64::MAX as f64) as u64;
    let mut machine = Uploader::new(cfg, seed);
    let total = recording.size() as u64;
    let (tx, mut rx) = unbounded::<Event>();
    let video: Rc<RefCell<Option<Video>>> = Rc::default();
    let mut pending = machine.handle(Event::Recorded { total }, now_ms());
    pending.extend(machine.handle(Event::RecordingFinished, now_ms()));
    loop {
        for cmd in pending.drain(..) {
            if let Command::Fail { status, message } = cmd {
                return Err(SendError { status, message });
            }
            execute(cmd, api, session, recording, duration_ms, &tx, &video);
        }
        on_progress(Progress {
            confirmed: machine.confirmed_bytes(),
            total,
        });
        if machine.phase() == Phase::Done {
            let v = video.borrow_mut().take();
            return v.ok_or_else(|| SendError {
                status: None,
                message: "The server did not return the video.".into(),
            });
        }
        let Some(event) = rx.next().await else {
            return Err(SendError {
                status: None,
                message: "The upload stopped unexpectedly.".into(),
            });
        };
        pending = machine.handle(event, now_ms());
    }
}

fn execute(
    cmd: Command,
    api: &Api,
    session: &UploadSession,
    recording: &Blob,
    duration_ms: u64,
    tx: &UnboundedSender<Event>,
    video: &Rc<RefCell<Option<Video>>>,
) {
    let tx = tx.clone();
    let upload_id = session.upload_id.clone();
    match cmd {
        Command::Sign { parts } => {
            let api = api.clone();
            spawn_local(async move {
                let ev = match api.sign(&upload_id, parts).await {
                    Ok(r) => Event::Signed { parts: r.parts },
                    Err(failure) => Event::SignFailed { failure },
                };
                let _ = tx.unbounded_send(ev);
            });
        }
        Command::Put {
            part,
            offset,
            len,
            url,
        } => {
            let slice = recording
                .slice_with_f64_and_f64(offset as f64, (offset + len) as f64)
                .expect("Blob.slice");
            spawn_local(async move {
                let ev = match put_part(&url, &slice).await {
                    Ok(etag) => Event::PartUploaded { part, etag },
                    Err(failure) => Event::PartFailed { part, failure },
                };
                let _ = tx.unbounded_send(ev);
            });
        }
        Command::WakeAt { at_ms } => spawn_local(async move {
            sleep_until(at_ms).await;
            let _ = tx.unbounded_send(Event::Tick);
        }),
        Command::WaitOnline => wait_online(tx),
        Command::Complete { parts, total_bytes } => {
            let api = api.clone();
            let video = video.clone();
            let req = CompleteUploadRequest {
                parts,
                total_bytes: Some(total_bytes),
                duration_ms: Some(duration_ms),
            };
            spawn_local(async move {
                let ev = match api.complete(&upload_id, &req).await {
                    Ok(v) => {
                        *video.borrow_mut() = Some(v);
                        Event::Completed
                    }
                    Err(failure) => Event::CompleteFailed { failure },
                };
                let _ = tx.unbounded_send(ev);
            });
        }
        Command::Fail { .. } => unreachable!("handled by the caller"),
    }
}
