//! A journal, a clock and a page for running the whole upload loop natively.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use futures::executor::{LocalPool, LocalSpawner};
use futures::future::{LocalBoxFuture, ready};
use futures::task::LocalSpawnExt;

use super::fakes::FakeApi;
use super::*;

#[derive(Default)]
pub struct Disk {
    pub metas: BTreeMap<String, RecordingMeta>,
    pub chunks: BTreeMap<(String, u32), Vec<u8>>,
    /// Every range read: its offset, length and the chunks it read.
    pub reads: Vec<(u64, u64, Vec<u32>)>,
    /// How many range reads came before each read of the whole recording.
    pub wholes: Vec<usize>,
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
        let reads = self.0.borrow().reads.len();
        self.0.borrow_mut().wholes.push(reads);
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

    pub fn assert_sent(&self) {
        let done = self.done.borrow();
        assert!(matches!(&*done, Some(Ok(_))), "{done:?}");
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
