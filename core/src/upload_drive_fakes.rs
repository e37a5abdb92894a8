//! A scripted server, journal and clock for running the whole upload loop natively.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use futures::executor::{LocalPool, LocalSpawner};
use futures::future::{LocalBoxFuture, Ready, ready};
use futures::task::LocalSpawnExt;

use super::*;
use crate::classify::envelope;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Req {
    Create,
    List,
    Sign,
    Put,
    Complete,
}

#[derive(Default)]
pub struct Up {
    pub parts: BTreeMap<u32, Vec<u8>>,
    pub video: Option<(Video, Vec<u8>)>,
    pub gone: bool,
}

#[derive(Default)]
pub struct Server {
    pub uploads: BTreeMap<String, Up>,
    /// Failures to answer with, per request kind, in order.
    pub script: BTreeMap<Req, VecDeque<Failure>>,
    pub calls: Vec<Req>,
    pub part_size: u64,
}

fn refused(status: u16, code: &str) -> Failure {
    Failure::Status {
        status,
        body: envelope(code, code),
        retry_after_ms: None,
    }
}

fn etag(bytes: &[u8]) -> String {
    let h = bytes
        .iter()
        .fold(17u64, |h, b| h.wrapping_mul(31).wrapping_add(*b as u64));
    format!("\"{h:x}\"")
}

#[derive(Clone, Default)]
pub struct FakeApi(pub Rc<RefCell<Server>>);

impl FakeApi {
    pub fn new(part_size: u64) -> Self {
        let api = Self::default();
        api.0.borrow_mut().part_size = part_size;
        api
    }

    pub fn script(&self, req: Req, failures: impl IntoIterator<Item = Failure>) {
        let mut s = self.0.borrow_mut();
        s.script.entry(req).or_default().extend(failures);
    }

    pub fn calls(&self, req: Req) -> usize {
        self.0.borrow().calls.iter().filter(|r| **r == req).count()
    }

    /// The bytes of the one video the server made.
    pub fn video(&self) -> Option<Vec<u8>> {
        let s = self.0.borrow();
        s.uploads
            .values()
            .find_map(|u| u.video.as_ref().map(|v| v.1.clone()))
    }

    fn answer<T>(
        &self,
        req: Req,
        then: impl FnOnce(&mut Server) -> Result<T, Failure>,
    ) -> Ready<Result<T, Failure>> {
        let mut s = self.0.borrow_mut();
        s.calls.push(req);
        if let Some(f) = s.script.get_mut(&req).and_then(VecDeque::pop_front) {
            return ready(Err(f));
        }
        ready(then(&mut s))
    }
}

fn open_upload<'a>(s: &'a mut Server, id: &str) -> Result<&'a mut Up, Failure> {
    match s.uploads.get_mut(id) {
        Some(u) if !u.gone => Ok(u),
        _ => Err(refused(404, "not_found")),
    }
}

impl UploadApi for FakeApi {
    type Bytes = Vec<u8>;

    fn create_upload(&self, _mime: &str) -> impl Future<Output = Result<UploadSession, Failure>> {
        self.answer(Req::Create, |s| {
            let id = format!("up{}", s.uploads.len() + 1);
            s.uploads.insert(id.clone(), Up::default());
            Ok(UploadSession {
                upload_id: id,
                part_size: s.part_size,
                max_parts: crate::protocol::MAX_PARTS,
                max_bytes: 1 << 40,
                max_duration_ms: None,
                expires_at: 4_000_000_000,
                parallelism: 2,
                retry: RetryPolicy {
                    base_ms: 10,
                    cap_ms: 100,
                    max_attempts: 4,
                    jitter: true,
                },
            })
        })
    }

    fn list_parts(&self, id: &str) -> impl Future<Output = Result<Vec<UploadedPart>, Failure>> {
        self.answer(Req::List, |s| {
            let up = open_upload(s, id)?;
            if up.video.is_some() {
                return Err(refused(409, "conflict"));
            }
            Ok((up.parts.iter())
                .map(|(n, b)| UploadedPart {
                    part_number: *n,
                    etag: etag(b),
                    size: b.len() as u64,
                })
                .collect())
        })
    }

    fn sign_parts(
        &self,
        id: &str,
        parts: Vec<u32>,
        sizes: Vec<u64>,
    ) -> impl Future<Output = Result<Vec<SignedPart>, Failure>> {
        self.answer(Req::Sign, |s| {
            open_upload(s, id)?;
            Ok((parts.iter().zip(sizes))
                .map(|(n, size)| SignedPart {
                    part_number: *n,
                    url: format!("{id}/{n}/{size}"),
                    expires_at_ms: u64::MAX / 2,
                    expires_in_ms: Some(600_000),
                })
                .collect())
        })
    }

    fn put_part(
        &self,
        url: &str,
        bytes: &Vec<u8>,
        on_progress: Box<dyn Fn(f64)>,
    ) -> impl Future<Output = Result<String, Failure>> {
        on_progress(bytes.len() as f64 / 2.0);
        self.answer(Req::Put, |s| {
            let mut it = url.split('/');
            let (id, n, size) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
            assert_eq!(
                size.parse::<usize>().unwrap(),
                bytes.len(),
                "PUT of another size than signed"
            );
            let up = open_upload(s, id)?;
            up.parts.insert(n.parse().unwrap(), bytes.clone());
            Ok(etag(bytes))
        })
    }

    fn complete_upload(
        &self,
        id: &str,
        req: &CompleteUploadRequest,
    ) -> impl Future<Output = Result<Video, Failure>> {
        self.answer(Req::Complete, |s| {
            let up = open_upload(s, id)?;
            if let Some((v, _)) = &up.video {
                return Ok(v.clone());
            }
            let mut bytes = Vec::new();
            for p in &req.parts {
                match up.parts.get(&p.part_number) {
                    Some(b) if etag(b) == p.etag => bytes.extend_from_slice(b),
                    _ => return Err(refused(409, "part_missing")),
                }
            }
            assert_eq!(req.total_bytes, Some(bytes.len() as u64));
            let video = Video {
                video_id: format!("v-{id}"),
                media_url: format!("/v/{id}"),
                mime_type: "video/webm".into(),
                size: bytes.len() as u64,
                duration: None,
                status: "processing".into(),
                failure: None,
            };
            up.video = Some((video.clone(), bytes));
            Ok(video)
        })
    }

    fn abort_upload(&self, id: &str) -> impl Future<Output = Result<(), Failure>> {
        if let Some(u) = self.0.borrow_mut().uploads.get_mut(id) {
            u.gone = true;
        }
        ready(Ok(()))
    }
}

#[derive(Default)]
pub struct Disk {
    pub metas: BTreeMap<String, RecordingMeta>,
    pub chunks: BTreeMap<(String, u32), Vec<u8>>,
    /// Every range read: its offset, length and the chunks it read.
    pub reads: Vec<(u64, u64, Vec<u32>)>,
}

/// One recording's meta and chunks, as a tab would leave them.
pub type Kept = (RecordingMeta, Vec<((String, u32), Vec<u8>)>);

impl Disk {
    pub fn clone_recording(&self, id: &str) -> Kept {
        let chunks = self.chunks.iter().filter(|((r, _), _)| r == id);
        let chunks = chunks.map(|(k, v)| (k.clone(), v.clone())).collect();
        (self.metas[id].clone(), chunks)
    }

    pub fn restore(&mut self, (meta, chunks): Kept) {
        self.metas.insert(meta.id.clone(), meta);
        self.chunks.extend(chunks);
    }
}

#[derive(Clone, Default)]
pub struct FakeJournal(pub Rc<RefCell<Disk>>);

impl FakeJournal {
    /// Every byte the journal holds for a recording, in order.
    pub fn bytes(&self, id: &str) -> Vec<u8> {
        let d = self.0.borrow();
        (d.chunks.iter())
            .filter(|((r, _), _)| r == id)
            .flat_map(|(_, b)| b.clone())
            .collect()
    }
}

impl JournalStore for FakeJournal {
    type Blob = Vec<u8>;

    fn size(blob: &Vec<u8>) -> u64 {
        blob.len() as u64
    }

    fn append(
        &self,
        meta: &RecordingMeta,
        seq: u32,
        chunk: &Vec<u8>,
    ) -> impl Future<Output = Result<(), String>> {
        let mut d = self.0.borrow_mut();
        d.chunks.insert((meta.id.clone(), seq), chunk.clone());
        d.metas.insert(meta.id.clone(), meta.clone());
        ready(Ok(()))
    }

    fn save_meta(&self, meta: &RecordingMeta) -> impl Future<Output = Result<(), String>> {
        self.0
            .borrow_mut()
            .metas
            .insert(meta.id.clone(), meta.clone());
        ready(Ok(()))
    }

    fn recordings(&self) -> impl Future<Output = Result<Vec<RecordingMeta>, String>> {
        ready(Ok(self.0.borrow().metas.values().cloned().collect()))
    }

    fn forget(&self, id: &str) -> impl Future<Output = Result<(), String>> {
        let mut d = self.0.borrow_mut();
        d.metas.remove(id);
        d.chunks.retain(|(r, _), _| r != id);
        ready(Ok(()))
    }

    fn range(
        &self,
        meta: &RecordingMeta,
        offset: u64,
        len: u64,
    ) -> impl Future<Output = Result<Vec<u8>, String>> {
        let slices = meta.slices(offset, len).expect("chunk sizes are journaled");
        let mut d = self.0.borrow_mut();
        let mut out = Vec::new();
        for c in &slices {
            let chunk = &d.chunks[&(meta.id.clone(), c.seq)];
            out.extend_from_slice(&chunk[c.start as usize..c.end as usize]);
        }
        d.reads
            .push((offset, len, slices.iter().map(|c| c.seq).collect()));
        ready(Ok(out))
    }

    fn whole(&self, meta: &RecordingMeta) -> impl Future<Output = Result<Vec<u8>, String>> {
        ready(Ok(self.bytes(&meta.id)))
    }
}

/// A clock whose timers fire at once, moving time forward to when they were due.
#[derive(Clone)]
pub struct FakeHost {
    pub now: Rc<Cell<u64>>,
    pub spawner: LocalSpawner,
}

impl Host for FakeHost {
    fn now_ms(&self) -> u64 {
        self.now.get()
    }
    fn sleep_until(&self, at_ms: u64) -> LocalBoxFuture<'static, ()> {
        let now = self.now.clone();
        Box::pin(async move { now.set(now.get().max(at_ms)) })
    }
    fn online(&self) -> LocalBoxFuture<'static, ()> {
        Box::pin(ready(()))
    }
    fn spawn(&self, task: LocalBoxFuture<'static, ()>) {
        self.spawner.spawn_local(task).expect("spawn");
    }
    fn seed(&self) -> u64 {
        7
    }
}

/// One browser page (a pool of tasks) over a server and a journal that outlive it.
pub struct World {
    pub pool: LocalPool,
    pub api: FakeApi,
    pub journal: FakeJournal,
    pub host: FakeHost,
    pub done: Rc<RefCell<Option<Result<Video, SendError>>>>,
    pub progress: Rc<RefCell<Vec<Progress>>>,
    pub recorded: Vec<u8>,
}

impl World {
    pub fn new(part_size: u64) -> Self {
        let pool = LocalPool::new();
        let host = FakeHost {
            now: Rc::new(Cell::new(1_000)),
            spawner: pool.spawner(),
        };
        Self {
            pool,
            api: FakeApi::new(part_size),
            journal: FakeJournal::default(),
            host,
            done: Default::default(),
            progress: Default::default(),
            recorded: Vec::new(),
        }
    }

    pub fn open(&mut self, meta: RecordingMeta) -> Session<Vec<u8>> {
        let (done, progress) = (self.done.clone(), self.progress.clone());
        let cb = Callbacks {
            progress: Rc::new(move |p| progress.borrow_mut().push(p)),
            done: Rc::new(move |r| *done.borrow_mut() = Some(r)),
            created: Rc::new(|_| {}),
        };
        let (api, journal, host) = (self.api.clone(), self.journal.clone(), self.host.clone());
        Session::open(api, journal, host, meta, cb)
    }

    /// Record `n` chunks of `size` bytes, running the page after each.
    pub fn record(&mut self, s: &Session<Vec<u8>>, n: usize, size: usize) {
        for _ in 0..n {
            let chunk: Vec<u8> = (0..size).map(|i| (self.recorded.len() + i) as u8).collect();
            self.recorded.extend_from_slice(&chunk);
            s.chunk(chunk);
            self.host.now.set(self.host.now.get() + 1_000);
            self.run();
        }
    }

    pub fn run(&mut self) {
        self.pool.run_until_stalled();
    }

    /// The tab closes: every task of the page is gone; server and journal stay.
    pub fn reload(&mut self) {
        self.pool = LocalPool::new();
        self.host.spawner = self.pool.spawner();
    }

    /// The one rule: every recorded byte is on the server or still in the journal.
    pub fn assert_nothing_lost(&self, id: &str) {
        match &*self.done.borrow() {
            Some(Ok(v)) => {
                assert_eq!(self.api.video().as_deref(), Some(&self.recorded[..]));
                assert_eq!(v.size, self.recorded.len() as u64);
                assert!(
                    self.journal.bytes(id).is_empty(),
                    "forgotten once confirmed"
                );
            }
            _ => assert_eq!(self.journal.bytes(id), self.recorded, "kept in the journal"),
        }
    }
}
