//! One recording's life, from the first chunk to "Sent": journal every chunk,
//! upload full parts while recording, send only the tail on Send, resume from
//! the journal after a failure or a reload. All decisions are core's; this loop
//! only carries them out.

use std::rc::Rc;

use futures::StreamExt;
use futures::channel::mpsc::{UnboundedSender, unbounded};
use vidreply_core::protocol::{UploadSession, UploadedPart, Video};
use vidreply_core::{Command, Event, Failure, UploadConfig, Uploader, Verdict, classify};
use wasm_bindgen_futures::spawn_local;
use web_sys::Blob;

use crate::api::Api;
use crate::journal::{Journal, RecordingMeta};
use crate::upload::{Progress, SendError, now_ms, sleep_until, when_online};

/// Pause before a machine that gave up mid-recording is replaced.
const RESTART_AFTER_MS: u64 = 5_000;
/// Failed create/list requests in a row after Send before the person is told.
const MAX_SETUP_FAILURES: u32 = 8;

enum Msg {
    Chunk(Blob),
    Stopped {
        duration_ms: f64,
    },
    Send,
    Abort,
    /// An outcome for the machine of this generation (older machines' are dropped).
    Up(u32, Event),
    Created(Result<UploadSession, Failure>),
    Listed(Result<Vec<UploadedPart>, Failure>),
    CreateAgain,
    /// Start a fresh machine on the same upload (after one gave up mid-recording).
    Restart,
    Completed(Video),
    /// XHR upload progress of one part in flight.
    PartProgress {
        part: u32,
        sent: f64,
    },
    /// Hand back the whole recording once every chunk before this message is stored.
    Review(Box<dyn FnOnce(Blob)>),
}

/// What the page hears back.
#[derive(Clone)]
pub struct Callbacks {
    pub progress: Rc<dyn Fn(Progress)>,
    pub done: Rc<dyn Fn(Result<Video, SendError>)>,
    /// The server made (or kept) the upload: its id and limits.
    pub created: Rc<dyn Fn(&UploadSession)>,
}

/// A handle to the running loop; cheap to clone.
#[derive(Clone)]
pub struct Session {
    tx: UnboundedSender<Msg>,
}

impl Session {
    /// Run the loop for a recording: a new one (the upload is created at once, so
    /// parts go up while recording) or one found in the journal (after a failure,
    /// a reload or a closed tab), whose upload is reused if the server still has it.
    pub fn open(api: Api, journal: Journal, meta: RecordingMeta, cb: Callbacks) -> Self {
        let (tx, rx) = unbounded();
        let mut state = Loop {
            api,
            journal,
            meta,
            cb,
            tx: tx.clone(),
            machine: None,
            upload: None,
            send: false,
            create_failures: 0,
            setting_up: false,
            aborted: false,
            generation: 0,
            in_flight: Default::default(),
            send_mark: None,
        };
        spawn_local(async move {
            state.reload().await;
            state.begin();
            state.run(rx).await;
        });
        Self { tx }
    }

    pub fn chunk(&self, blob: Blob) {
        let _ = self.tx.unbounded_send(Msg::Chunk(blob));
    }
    pub fn stopped(&self, duration_ms: f64) {
        let _ = self.tx.unbounded_send(Msg::Stopped { duration_ms });
    }
    pub fn send(&self) {
        let _ = self.tx.unbounded_send(Msg::Send);
    }
    /// Retake or discard a recording no session is running for (found in the journal).
    pub fn discard(api: Api, journal: Journal, meta: RecordingMeta) {
        spawn_local(async move { discard_recording(&api, &journal, &meta).await });
    }

    /// The recording so far, from the journal, after every chunk sent before this call.
    pub fn review(&self, then: impl FnOnce(Blob) + 'static) {
        let _ = self.tx.unbounded_send(Msg::Review(Box::new(then)));
    }
    /// Retake or discard: abort the server-side upload and clear the journal.
    pub fn abort(&self) {
        let _ = self.tx.unbounded_send(Msg::Abort);
    }
}

/// Abort the server-side upload (as the journal last knew it) and forget the recording.
async fn discard_recording(api: &Api, journal: &Journal, meta: &RecordingMeta) {
    let stored = journal.list().await.unwrap_or_default();
    let meta = stored.iter().find(|m| m.id == meta.id).unwrap_or(meta);
    if let Some(u) = &meta.upload {
        let _ = api.abort(&u.upload_id).await;
    }
    let _ = journal.remove(&meta.id).await;
}

#[path = "session_exec.rs"]
mod exec;

struct Loop {
    api: Api,
    journal: Journal,
    meta: RecordingMeta,
    cb: Callbacks,
    tx: UnboundedSender<Msg>,
    machine: Option<Uploader>,
    upload: Option<UploadSession>,
    send: bool,
    create_failures: u32,
    /// A create or list request is under way; don't start another.
    setting_up: bool,
    /// Retake or Discard was pressed while a create was under way.
    aborted: bool,
    /// Bumped for every new machine, so a replaced machine's late answers are ignored.
    generation: u32,
    /// Bytes of parts in flight, for the progress bar.
    in_flight: std::collections::BTreeMap<u32, f64>,
    /// When Send was pressed and how much was sent by then, for the ETA.
    send_mark: Option<(f64, u64)>,
}

impl Loop {
    fn post(&self, fut: impl std::future::Future<Output = Msg> + 'static) {
        let tx = self.tx.clone();
        spawn_local(async move {
            let _ = tx.unbounded_send(fut.await);
        });
    }

    /// The journal is the truth: take its latest word on this recording (bytes,
    /// upload id). A recording whose tab closed mid-way is finished as it stands.
    async fn reload(&mut self) {
        let stored = self.journal.list().await.unwrap_or_default();
        if let Some(m) = stored.into_iter().find(|m| m.id == self.meta.id) {
            self.meta = m;
        }
    }

    /// Reuse the journal's upload if the server still has it, else create one.
    fn begin(&mut self) {
        if self.setting_up {
            return;
        }
        self.setting_up = true;
        let api = self.api.clone();
        match self.meta.upload.as_ref().map(|u| u.upload_id.clone()) {
            Some(id) => {
                self.post(async move { Msg::Listed(api.list_parts(&id).await.map(|r| r.parts)) })
            }
            _ => self.create(),
        }
    }

    fn create(&mut self) {
        self.setting_up = true;
        let api = self.api.clone();
        let mime = self.meta.mime_type.clone();
        self.post(async move { Msg::Created(api.create_upload(&mime).await) });
    }

    async fn run(mut self, mut rx: futures::channel::mpsc::UnboundedReceiver<Msg>) {
        while let Some(msg) = rx.next().await {
            let cmds = match msg {
                Msg::Chunk(blob) => {
                    self.meta.chunk_count += 1;
                    self.meta.total_bytes += blob.size();
                    self.meta.duration_ms = js_sys::Date::now() - self.meta.created_at_ms;
                    if let Err(e) = self
                        .journal
                        .append(&self.meta, self.meta.chunk_count - 1, &blob)
                        .await
                    {
                        return self.fail(e.to_string());
                    }
                    self.feed(Event::Recorded {
                        total: self.meta.total_bytes as u64,
                    })
                }
                Msg::Stopped { duration_ms } => {
                    self.meta.duration_ms = duration_ms;
                    self.meta.finished = true;
                    let _ = self.journal.save(&self.meta).await;
                    Vec::new()
                }
                Msg::Send => {
                    self.send = true;
                    if self.machine.is_none() {
                        self.begin();
                    }
                    self.feed(Event::RecordingFinished)
                }
                Msg::Abort => {
                    // A create still under way is aborted when it answers.
                    self.aborted = true;
                    if !self.setting_up {
                        return self.discard().await;
                    }
                    Vec::new()
                }
                Msg::PartProgress { part, sent } => {
                    self.in_flight.insert(part, sent);
                    Vec::new()
                }
                Msg::Up(generation, _) if generation != self.generation => Vec::new(),
                Msg::Up(_, ev) => {
                    if let Event::PartUploaded { part, .. } | Event::PartFailed { part, .. } = &ev {
                        self.in_flight.remove(part);
                    }
                    self.feed(ev)
                }
                Msg::Review(then) => {
                    match self.journal.blob(&self.meta).await {
                        Ok(b) => then(b),
                        Err(e) => return self.fail(e.to_string()),
                    }
                    Vec::new()
                }
                Msg::Created(Ok(upload)) => {
                    self.setting_up = false;
                    self.meta.upload = Some(upload.clone());
                    (self.cb.created)(&upload);
                    if self.aborted {
                        return self.discard().await;
                    }
                    let _ = self.journal.save(&self.meta).await;
                    self.machine_for(upload, Vec::new())
                }
                Msg::Created(Err(f)) => {
                    self.setting_up = false;
                    self.create_failures += 1;
                    match classify(&f) {
                        // Nothing is lost: the journal keeps recording; Send tries again.
                        Verdict::Fatal { message, .. } if self.send => return self.fail(message),
                        Verdict::Fatal { .. } => {}
                        _ if self.send && self.create_failures >= MAX_SETUP_FAILURES => {
                            return self.fail("The server could not be reached.".into());
                        }
                        _ => self.later(self.setup_backoff_ms(), || Msg::CreateAgain),
                    }
                    Vec::new()
                }
                Msg::Restart => {
                    if self.machine.is_none() {
                        self.begin();
                    }
                    Vec::new()
                }
                Msg::CreateAgain => {
                    if self.machine.is_none() && !self.setting_up {
                        self.create();
                    }
                    Vec::new()
                }
                Msg::Listed(Ok(parts)) => {
                    self.setting_up = false;
                    let Some(upload) = self.meta.upload.clone() else {
                        continue;
                    };
                    self.machine_for(upload, parts)
                }
                // The upload is gone or expired on the server: start a new one.
                Msg::Listed(Err(f)) => {
                    self.setting_up = false;
                    if self.aborted {
                        return self.discard().await;
                    }
                    match self.listing_failed(f) {
                        Ok(cmds) => cmds,
                        Err(message) => return self.fail(message),
                    }
                }
                Msg::Completed(video) => {
                    let _ = self.journal.remove(&self.meta.id).await;
                    (self.cb.done)(Ok(video));
                    return;
                }
            };
            for cmd in cmds {
                match cmd {
                    Command::Fail { status, message } if self.send => {
                        return self.fail_with(status, message);
                    }
                    // While recording, giving up is not an option: keep journaling and
                    // try again later on the same upload; Send decides for real.
                    Command::Fail { .. } => self.pause_uploading(),
                    cmd => self.execute(cmd),
                }
            }
            self.report_progress();
        }
    }

    async fn discard(&self) {
        discard_recording(&self.api, &self.journal, &self.meta).await;
    }

    fn report_progress(&mut self) {
        let Some(m) = &self.machine else { return };
        let total = self.meta.total_bytes as u64;
        let sent = (m.confirmed_bytes() + self.in_flight.values().sum::<f64>() as u64).min(total);
        let now = js_sys::Date::now();
        if self.send && self.send_mark.is_none() {
            self.send_mark = Some((now, sent));
        }
        let eta_ms = self.send_mark.and_then(|(t0, s0)| {
            let (dt, ds) = (now - t0, sent.saturating_sub(s0) as f64);
            (dt > 1000.0 && ds > 0.0).then(|| ((total - sent) as f64 / (ds / dt)) as u64)
        });
        (self.cb.progress)(Progress {
            sent,
            total,
            eta_ms,
        });
    }

    fn pause_uploading(&mut self) {
        self.machine = None;
        self.later(RESTART_AFTER_MS, || Msg::Restart);
    }

    /// Once the browser is online, wait `after_ms`, then send `msg` to the loop.
    fn later(&self, after_ms: u64, msg: fn() -> Msg) {
        let tx = self.tx.clone();
        when_online(move || {
            spawn_local(async move {
                sleep_until(now_ms() + after_ms).await;
                let _ = tx.unbounded_send(msg());
            })
        });
    }

    /// Linear backoff for failed create/list requests, at most 30 s.
    fn setup_backoff_ms(&self) -> u64 {
        1000 * u64::from(self.create_failures.min(30))
    }

    fn machine_for(
        &mut self,
        upload: UploadSession,
        server_parts: Vec<UploadedPart>,
    ) -> Vec<Command> {
        let cfg = UploadConfig {
            part_size: upload.part_size,
            max_parts: upload.max_parts,
            parallelism: upload.parallelism.clamp(1, 6) as usize,
            retry: upload.retry,
            ..UploadConfig::default()
        };
        let seed = (js_sys::Math::random() * u64::MAX as f64) as u64;
        self.generation += 1;
        self.machine = Some(Uploader::new(cfg, seed));
        self.upload = Some(upload);
        let mut cmds = self.feed(Event::Recorded {
            total: self.meta.total_bytes as u64,
        });
        cmds.extend(self.feed(Event::ServerHas {
            parts: server_parts,
        }));
        if self.send {
            cmds.extend(self.feed(Event::RecordingFinished));
        }
        cmds
    }

    fn feed(&mut self, ev: Event) -> Vec<Command> {
        match &mut self.machine {
            Some(m) => m.handle(ev, now_ms()),
            None => Vec::new(),
        }
    }

    fn fail(self, message: String) {
        self.fail_with(None, message)
    }

    fn fail_with(self, status: Option<u16>, message: String) {
        (self.cb.done)(Err(SendError { status, message }));
    }
}
