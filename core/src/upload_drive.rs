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
use std::task::Poll;

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
    /// PUT the recording's last, short part through the server's API (no signed
    /// URL); answers its ETag.
    fn put_tail(
        &self,
        upload_id: &str,
        part: u32,
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
    Stopping,
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
    /// A part's bytes were read from the journal (its PUT goes on).
    PartRead,
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
        let (answers_tx, answers) = unbounded();
        let state = Loop {
            machine: Uploader::new(None, RetryPolicy::default(), 1),
            api,
            journal,
            host: host.clone(),
            meta,
            cb,
            tx: answers_tx,
            send: false,
            in_flight: BTreeMap::new(),
            send_mark: None,
            reading: 0,
            review: None,
        };
        host.spawn(Box::pin(state.run(rx, answers)));
        Self { tx }
    }

    fn post(&self, msg: Msg<B>) {
        let _ = self.tx.unbounded_send(msg);
    }
    pub fn chunk(&self, blob: B) {
        self.post(Msg::Chunk(blob));
    }
    /// Stop was pressed (the recorder's last chunk is still to come).
    pub fn stopping(&self) {
        self.post(Msg::Stopping);
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
    /// Where requests' answers come back ([`Msg::Up`], [`Msg::Completed`], progress).
    tx: UnboundedSender<Msg<A::Bytes>>,
    machine: Uploader,
    send: bool,
    /// Bytes of parts in flight, for the progress bar.
    in_flight: BTreeMap<u32, f64>,
    /// When Send was pressed and how much was sent by then, for the ETA.
    send_mark: Option<(u64, u64)>,
    /// Parts being read from the journal, and a review waiting for them: reading
    /// the whole recording first made the tail's read wait behind it (179 ms of a
    /// ten-minute Stop → Sent, every chunk handed back before the tail's few).
    reading: u32,
    review: Option<Box<dyn FnOnce(A::Bytes)>>,
}

impl<A, J, H> Loop<A, J, H>
where
    A: UploadApi,
    J: JournalStore<Blob = A::Bytes>,
    H: Host,
{
    /// `page` carries what the page says (chunks, Stop, Send, review), in order;
    /// `answers` carries what requests answered. Answers go first, so a part's
    /// PUT starts while a long run of chunks (a chosen file's slices) is still
    /// being journaled, instead of after all of them.
    async fn run(
        mut self,
        mut page: UnboundedReceiver<Msg<A::Bytes>>,
        mut answers: UnboundedReceiver<Msg<A::Bytes>>,
    ) {
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
        let mut page_open = true;
        loop {
            let msg = futures::future::poll_fn(|cx| {
                if let Poll::Ready(Some(m)) = answers.poll_next_unpin(cx) {
                    return Poll::Ready(m);
                }
                if page_open {
                    match page.poll_next_unpin(cx) {
                        Poll::Ready(Some(m)) => return Poll::Ready(m),
                        // The page let go of its handles: answers still finish the upload.
                        Poll::Ready(None) => page_open = false,
                        Poll::Pending => {}
                    }
                }
                Poll::Pending
            })
            .await;
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
                Msg::Stopping => self.feed(Event::Stopping),
                Msg::Stopped { duration_ms } => {
                    self.meta.duration_ms = duration_ms;
                    self.meta.finished = true;
                    // The last part goes now, while the person reviews: its chunks
                    // are stored, so it need not wait for the flag (a write of its
                    // own, 50 ms at ten minutes). A tab closed before the flag is
                    // stored leaves a recording that is finished as it stands.
                    let cmds = self.feed(Event::RecordingStopped);
                    if !self.execute(cmds).await {
                        return;
                    }
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
                Msg::Review(then) if self.reading > 0 => {
                    self.review = Some(then);
                    Vec::new()
                }
                Msg::Review(then) => {
                    if let Err(e) = self.review(then).await {
                        return self.fail(None, e);
                    }
                    Vec::new()
                }
                Msg::PartRead => {
                    self.reading = self.reading.saturating_sub(1);
                    match self.review.take().filter(|_| self.reading == 0) {
                        Some(then) => match self.review(then).await {
                            Ok(()) => Vec::new(),
                            Err(e) => return self.fail(None, e),
                        },
                        None => Vec::new(),
                    }
                }
                Msg::Completed(video) => {
                    // "Sent" first: the upload is complete, so the journal's copy is
                    // no longer needed to keep a byte. Should the tab close before
                    // the forget, a reload collects the finished video (Collect).
                    self.host.mark("vr:done");
                    (self.cb.done)(Ok(video));
                    let _ = self.journal.forget(&self.meta.id).await;
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

    fn fail(self, status: Option<u16>, message: String) {
        (self.cb.done)(Err(SendError { status, message }));
    }
}

#[cfg(test)]
#[path = "upload_drive_tests.rs"]
mod tests;
