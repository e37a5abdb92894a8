//! One recording's life, from the first chunk to "Sent": journal every chunk,
//! feed the [`Uploader`], carry out its commands, report progress. The loop makes
//! no decision of its own.
//!
//! The network, the journal and the clock come in as traits ([`UploadApi`],
//! [`JournalStore`], [`Host`]), as tus-js-client's `BaseUpload` takes an
//! `HttpStack` and a `UrlStorage`: the browser runs this loop over fetch and
//! IndexedDB, and native tests run the very same loop over scripted fakes.

use std::collections::BTreeMap;
use std::future::Future;
use std::rc::Rc;

use futures::StreamExt;
use futures::channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures::future::LocalBoxFuture;

use crate::classify::Failure;
use crate::policy::RetryPolicy;
use crate::protocol::{CompleteUploadRequest, SignedPart, UploadSession, UploadedPart, Video};
use crate::recording::RecordingMeta;
use crate::upload::{Command, Event, Uploader};

/// The server's upload API and storage's part PUTs.
pub trait UploadApi: Clone + 'static {
    /// What a part's bytes are sent from (a `Blob` in the browser).
    type Bytes: 'static;
    fn create_upload(
        &self,
        mime_type: &str,
    ) -> impl Future<Output = Result<UploadSession, Failure>>;
    fn list_parts(
        &self,
        upload_id: &str,
    ) -> impl Future<Output = Result<Vec<UploadedPart>, Failure>>;
    /// Sign part URLs, each for a body of exactly the size at its place in `sizes`.
    fn sign_parts(
        &self,
        upload_id: &str,
        parts: Vec<u32>,
        sizes: Vec<u64>,
    ) -> impl Future<Output = Result<Vec<SignedPart>, Failure>>;
    /// PUT part `part` to its signed URL; answers storage's ETag.
    fn put_part(
        &self,
        part: u32,
        url: &str,
        bytes: &Self::Bytes,
        on_progress: Box<dyn Fn(f64)>,
    ) -> impl Future<Output = Result<String, Failure>>;
    fn complete_upload(
        &self,
        upload_id: &str,
        req: &CompleteUploadRequest,
    ) -> impl Future<Output = Result<Video, Failure>>;
    fn abort_upload(&self, upload_id: &str) -> impl Future<Output = Result<(), Failure>>;
}

/// The recording journal: chunks and what is known about each recording.
pub trait JournalStore: Clone + 'static {
    /// A chunk, a range of the recording, or all of it (a `Blob` in the browser).
    type Blob: 'static;
    fn size(blob: &Self::Blob) -> u64;
    /// Store chunk `seq` and the metadata that counts it, atomically.
    fn append(
        &self,
        meta: &RecordingMeta,
        seq: u32,
        chunk: &Self::Blob,
    ) -> impl Future<Output = Result<(), String>>;
    fn save_meta(&self, meta: &RecordingMeta) -> impl Future<Output = Result<(), String>>;
    fn recordings(&self) -> impl Future<Output = Result<Vec<RecordingMeta>, String>>;
    fn forget(&self, id: &str) -> impl Future<Output = Result<(), String>>;
    /// Bytes `offset..offset+len` of the recording, reading only the chunks that hold them.
    fn range(
        &self,
        meta: &RecordingMeta,
        offset: u64,
        len: u64,
    ) -> impl Future<Output = Result<Self::Blob, String>>;
    /// The whole recording.
    fn whole(&self, meta: &RecordingMeta) -> impl Future<Output = Result<Self::Blob, String>>;
}

/// Time, timers, connectivity and tasks.
pub trait Host: Clone + 'static {
    fn now_ms(&self) -> u64;
    fn sleep_until(&self, at_ms: u64) -> LocalBoxFuture<'static, ()>;
    /// Resolves once the device is online (at once if it is).
    fn online(&self) -> LocalBoxFuture<'static, ()>;
    fn spawn(&self, task: LocalBoxFuture<'static, ()>);
    /// A random seed for the retry jitter.
    fn seed(&self) -> u64;
    /// Note that a step of the way from Stop to "Sent" happened now (a
    /// `performance.mark` in the browser, read by `scripts/bench`). Names are
    /// `vr:<step>` or `vr:<step>#<part>`.
    fn mark(&self, _name: &str) {}
}

/// Progress the page shows: bytes confirmed by the server out of bytes recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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

/// Why sending stopped; the recording is still in the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct SendError {
    pub status: Option<u16>,
    pub message: String,
}

/// What the page hears back.
#[derive(Clone)]
pub struct Callbacks {
    pub progress: Rc<dyn Fn(Progress)>,
    pub done: Rc<dyn Fn(Result<Video, SendError>)>,
    /// The server made (or kept) the upload: its id and limits.
    pub created: Rc<dyn Fn(&UploadSession)>,
}

enum Msg<B> {
    Chunk(B),
    Stopped {
        duration_ms: f64,
    },
    Send,
    Abort,
    /// An answer for the machine of this epoch (older ones are dropped).
    Up(u32, Event),
    Completed(Video),
    /// Upload progress of one part in flight.
    PartProgress {
        part: u32,
        sent: f64,
    },
    /// Hand back the whole recording once every chunk before this message is stored.
    Review(Box<dyn FnOnce(B)>),
}

/// A handle to the running loop; cheap to clone.
pub struct Session<B> {
    tx: UnboundedSender<Msg<B>>,
}

impl<B> Clone for Session<B> {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
        }
    }
}

impl<B: 'static> Session<B> {
    /// Run the loop for a recording: a new one (the upload is created at once, so
    /// parts go up while recording) or one found in the journal (after a failure,
    /// a reload or a closed tab), whose upload is reused if the server still has it.
    pub fn open<A, J, H>(api: A, journal: J, host: H, meta: RecordingMeta, cb: Callbacks) -> Self
    where
        A: UploadApi<Bytes = B>,
        J: JournalStore<Blob = B>,
        H: Host,
    {
        let (tx, rx) = unbounded();
        let state = Loop {
            machine: Uploader::new(None, RetryPolicy::default(), 1),
            api,
            journal,
            host: host.clone(),
            meta,
            cb,
            tx: tx.clone(),
            send: false,
            in_flight: BTreeMap::new(),
            send_mark: None,
        };
        host.spawn(Box::pin(state.run(rx)));
        Self { tx }
    }

    fn post(&self, msg: Msg<B>) {
        let _ = self.tx.unbounded_send(msg);
    }
    pub fn chunk(&self, blob: B) {
        self.post(Msg::Chunk(blob));
    }
    pub fn stopped(&self, duration_ms: f64) {
        self.post(Msg::Stopped { duration_ms });
    }
    pub fn send(&self) {
        self.post(Msg::Send);
    }
    /// The recording so far, from the journal, after every chunk sent before this call.
    pub fn review(&self, then: impl FnOnce(B) + 'static) {
        self.post(Msg::Review(Box::new(then)));
    }
    /// Retake or discard: abort the server-side upload and clear the journal.
    pub fn abort(&self) {
        self.post(Msg::Abort);
    }
}

/// Retake or discard a recording no loop runs for: abort its server-side upload
/// (as the journal last knew it) and forget it.
pub async fn discard_recording<A: UploadApi, J: JournalStore>(
    api: &A,
    journal: &J,
    meta: &RecordingMeta,
) {
    let stored = journal.recordings().await.unwrap_or_default();
    let meta = stored.iter().find(|m| m.id == meta.id).unwrap_or(meta);
    if let Some(u) = &meta.upload {
        let _ = api.abort_upload(&u.upload_id).await;
    }
    let _ = journal.forget(&meta.id).await;
}

#[path = "upload_drive_exec.rs"]
mod exec;

struct Loop<A: UploadApi, J, H> {
    api: A,
    journal: J,
    host: H,
    meta: RecordingMeta,
    cb: Callbacks,
    tx: UnboundedSender<Msg<A::Bytes>>,
    machine: Uploader,
    send: bool,
    /// Bytes of parts in flight, for the progress bar.
    in_flight: BTreeMap<u32, f64>,
    /// When Send was pressed and how much was sent by then, for the ETA.
    send_mark: Option<(u64, u64)>,
}

impl<A, J, H> Loop<A, J, H>
where
    A: UploadApi,
    J: JournalStore<Blob = A::Bytes>,
    H: Host,
{
    async fn run(mut self, mut rx: UnboundedReceiver<Msg<A::Bytes>>) {
        // The journal is the truth: take its latest word on this recording (bytes,
        // upload). A recording whose tab closed mid-way is finished as it stands.
        let stored = self.journal.recordings().await.unwrap_or_default();
        if let Some(m) = stored.into_iter().find(|m| m.id == self.meta.id) {
            self.meta = m;
        }
        let upload = self.meta.upload.clone();
        self.machine = Uploader::new(upload, RetryPolicy::default(), self.host.seed());
        let total = self.meta.total_bytes as u64;
        let cmds = self.feed(Event::Recorded { total });
        if !self.execute(cmds).await {
            return;
        }
        while let Some(msg) = rx.next().await {
            let cmds = match msg {
                Msg::Chunk(blob) => {
                    self.meta.add_chunk(J::size(&blob));
                    self.meta.duration_ms = self.host.now_ms() as f64 - self.meta.created_at_ms;
                    let seq = self.meta.chunk_count - 1;
                    if let Err(e) = self.journal.append(&self.meta, seq, &blob).await {
                        return self.fail(None, e);
                    }
                    self.host.mark("vr:journaled");
                    let total = self.meta.total_bytes as u64;
                    self.feed(Event::Recorded { total })
                }
                Msg::Stopped { duration_ms } => {
                    self.meta.duration_ms = duration_ms;
                    self.meta.finished = true;
                    let _ = self.journal.save_meta(&self.meta).await;
                    self.host.mark("vr:finished");
                    Vec::new()
                }
                Msg::Send => {
                    self.host.mark("vr:send");
                    self.send = true;
                    self.feed(Event::RecordingFinished)
                }
                Msg::Abort => self.feed(Event::Abort),
                Msg::PartProgress { part, sent } => {
                    self.in_flight.insert(part, sent);
                    Vec::new()
                }
                Msg::Up(epoch, _) if epoch != self.machine.epoch() => Vec::new(),
                Msg::Up(_, ev) => {
                    if let Event::PartUploaded { part, .. } | Event::PartFailed { part, .. } = &ev {
                        self.in_flight.remove(part);
                    }
                    self.feed(ev)
                }
                Msg::Review(then) => {
                    self.host.mark("vr:review");
                    match self.journal.whole(&self.meta).await {
                        Ok(b) => then(b),
                        Err(e) => return self.fail(None, e),
                    }
                    self.host.mark("vr:reviewed");
                    Vec::new()
                }
                Msg::Completed(video) => {
                    let _ = self.journal.forget(&self.meta.id).await;
                    (self.cb.done)(Ok(video));
                    return;
                }
            };
            if !self.execute(cmds).await {
                return;
            }
            self.report_progress();
        }
    }

    fn feed(&mut self, ev: Event) -> Vec<Command> {
        self.machine.handle(ev, self.host.now_ms())
    }

    fn report_progress(&mut self) {
        if !self.machine.uploading() {
            return;
        }
        let m = &self.machine;
        let total = self.meta.total_bytes as u64;
        let sent = (m.confirmed_bytes() + self.in_flight.values().sum::<f64>() as u64).min(total);
        let now = self.host.now_ms();
        if self.send && self.send_mark.is_none() {
            self.send_mark = Some((now, sent));
        }
        let eta_ms = self.send_mark.and_then(|(t0, s0)| {
            let (dt, ds) = (
                now.saturating_sub(t0) as f64,
                sent.saturating_sub(s0) as f64,
            );
            (dt > 1000.0 && ds > 0.0).then(|| ((total - sent) as f64 / (ds / dt)) as u64)
        });
        (self.cb.progress)(Progress {
            sent,
            total,
            eta_ms,
        });
    }

    fn fail(self, status: Option<u16>, message: String) {
        (self.cb.done)(Err(SendError { status, message }));
    }
}

#[cfg(test)]
#[path = "upload_drive_tests.rs"]
mod tests;
