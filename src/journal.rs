//! The recording journal in IndexedDB: every chunk is stored the moment it
//! arrives, with the recording's metadata (and upload id) in the same
//! transaction, so a crash, a reload or a closed tab loses nothing.
//!
//! Chunks read back from IndexedDB are disk-backed Blobs, so the page never has
//! to hold the whole recording in memory.
//!
//! Where IndexedDB cannot store Blobs (WebKit in an ephemeral session: Safari's
//! private browsing, webkit.org/b/156347), chunks are stored as their bytes instead;
//! such a database lives in memory anyway. [`Journal::open`] finds out which.

use rexie::{KeyRange, ObjectStore, Rexie, TransactionMode};
use vidreply_core::upload_drive::JournalStore;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Blob;

const DB: &str = "vidreply-journal";
const RECORDINGS: &str = "recordings";
const CHUNKS: &str = "chunks";

pub use vidreply_core::recording::RecordingMeta;

#[derive(Debug, Clone, thiserror::Error)]
#[error("the recording could not be saved in this browser: {0}")]
pub struct JournalError(String);

impl From<rexie::Error> for JournalError {
    fn from(e: rexie::Error) -> Self {
        JournalError(e.to_string())
    }
}

impl From<serde_wasm_bindgen::Error> for JournalError {
    fn from(e: serde_wasm_bindgen::Error) -> Self {
        JournalError(e.to_string())
    }
}

#[derive(Clone)]
pub struct Journal {
    db: std::rc::Rc<Rexie>,
    /// Chunks are stored as Blobs; false: as ArrayBuffers (see the module docs).
    blobs: bool,
}

fn chunk_key(id: &str, seq: u32) -> JsValue {
    js_sys::Array::of2(&JsValue::from_str(id), &JsValue::from(seq)).into()
}

/// Chunks `first..=last` of a recording.
fn chunk_range_of(id: &str, first: u32, last: u32) -> Result<KeyRange, JournalError> {
    KeyRange::bound(
        &chunk_key(id, first),
        &chunk_key(id, last),
        Some(false),
        Some(false),
    )
    .map_err(|e| JournalError(format!("{e:?}")))
}

fn chunk_range(id: &str) -> Result<KeyRange, JournalError> {
    chunk_range_of(id, 0, u32::MAX)
}

/// A stored chunk as a Blob, whichever way it was stored.
fn as_blob(v: JsValue) -> Result<Blob, JournalError> {
    if let Some(bytes) = v.dyn_ref::<js_sys::ArrayBuffer>() {
        return Blob::new_with_buffer_source_sequence(&js_sys::Array::of1(bytes))
            .map_err(|e| JournalError(format!("{e:?}")));
    }
    v.dyn_into::<Blob>()
        .map_err(|_| JournalError("a stored chunk is unreadable".into()))
}

fn join(parts: &js_sys::Array, mime_type: &str) -> Result<Blob, JournalError> {
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type(mime_type);
    Blob::new_with_blob_sequence_and_options(parts, &bag)
        .map_err(|e| JournalError(format!("{e:?}")))
}

impl Journal {
    pub async fn open() -> Result<Self, JournalError> {
        let db = Rexie::builder(DB)
            .version(1)
            .add_object_store(ObjectStore::new(RECORDINGS))
            .add_object_store(ObjectStore::new(CHUNKS))
            .build()
            .await?;
        let mut journal = Self {
            db: std::rc::Rc::new(db),
            blobs: true,
        };
        journal.blobs = journal.can_store_blobs().await;
        Ok(journal)
    }

    /// As [`Journal::open`], storing chunks as bytes whatever the browser can do (tests).
    #[doc(hidden)]
    pub async fn open_storing_bytes() -> Result<Self, JournalError> {
        Ok(Self {
            blobs: false,
            ..Self::open().await?
        })
    }

    /// Whether chunks are stored as Blobs (false: as their bytes).
    pub fn stores_blobs(&self) -> bool {
        self.blobs
    }

    /// Store and delete a one-byte Blob under a key no recording uses.
    async fn can_store_blobs(&self) -> bool {
        let Ok(blob) = Blob::new_with_str_sequence(&js_sys::Array::of1(&"?".into())) else {
            return false;
        };
        let key = chunk_key("", u32::MAX);
        let attempt = async {
            let tx = self.db.transaction(&[CHUNKS], TransactionMode::ReadWrite)?;
            let store = tx.store(CHUNKS)?;
            store.put(&blob, Some(&key)).await?;
            store.delete(key.clone()).await?;
            Ok::<_, rexie::Error>(tx.done().await?.is_committed())
        };
        matches!(attempt.await, Ok(true))
    }

    async fn put_meta(
        &self,
        meta: &RecordingMeta,
        chunk: Option<(u32, JsValue)>,
    ) -> Result<(), JournalError> {
        let tx = self
            .db
            .transaction(&[RECORDINGS, CHUNKS], TransactionMode::ReadWrite)?;
        if let Some((seq, chunk)) = chunk {
            tx.store(CHUNKS)?
                .put(&chunk, Some(&chunk_key(&meta.id, seq)))
                .await?;
        }
        let value = serde_wasm_bindgen::to_value(meta)?;
        tx.store(RECORDINGS)?
            .put(&value, Some(&JsValue::from_str(&meta.id)))
            .await?;
        if !tx.done().await?.is_committed() {
            return Err(JournalError("the browser did not keep the chunk".into()));
        }
        Ok(())
    }

    /// Save the metadata (recording start, Stop, upload created).
    pub async fn save(&self, meta: &RecordingMeta) -> Result<(), JournalError> {
        self.put_meta(meta, None).await
    }

    /// Store chunk `seq` and the metadata that counts it, atomically.
    pub async fn append(
        &self,
        meta: &RecordingMeta,
        seq: u32,
        chunk: &Blob,
    ) -> Result<(), JournalError> {
        let value: JsValue = if self.blobs {
            chunk.into()
        } else {
            // Read before the transaction starts: it would end while we wait.
            wasm_bindgen_futures::JsFuture::from(chunk.array_buffer())
                .await
                .map_err(|e| JournalError(format!("reading a chunk: {e:?}")))?
        };
        self.put_meta(meta, Some((seq, value))).await
    }

    /// Chunks of a recording in `range`, in order.
    async fn read(&self, range: KeyRange) -> Result<Vec<Blob>, JournalError> {
        let tx = self.db.transaction(&[CHUNKS], TransactionMode::ReadOnly)?;
        let values = tx.store(CHUNKS)?.get_all(Some(range), None).await?;
        // A chunk that cannot be read back would shift every later byte: refuse.
        values.into_iter().map(as_blob).collect()
    }

    /// Every chunk of a recording, in order.
    pub async fn chunks(&self, id: &str) -> Result<Vec<Blob>, JournalError> {
        self.read(chunk_range(id)?).await
    }

    /// The whole recording as one (disk-backed) Blob.
    pub async fn blob(&self, meta: &RecordingMeta) -> Result<Blob, JournalError> {
        let parts = js_sys::Array::new();
        for c in self.chunks(&meta.id).await? {
            parts.push(&c);
        }
        join(&parts, &meta.mime_type)
    }

    /// Bytes `offset..offset+len` of the recording, reading only the chunks that
    /// hold them (journals from before chunk sizes were kept: cut from the whole).
    pub async fn range(
        &self,
        meta: &RecordingMeta,
        offset: u64,
        len: u64,
    ) -> Result<Blob, JournalError> {
        let slice = |b: &Blob, start: u64, end: u64| {
            b.slice_with_f64_and_f64(start as f64, end as f64)
                .map_err(|e| JournalError(format!("{e:?}")))
        };
        let Some(slices) = meta.slices(offset, len) else {
            return slice(&self.blob(meta).await?, offset, offset + len);
        };
        let (Some(first), Some(last)) = (slices.first(), slices.last()) else {
            return join(&js_sys::Array::new(), &meta.mime_type);
        };
        let chunks = self
            .read(chunk_range_of(&meta.id, first.seq, last.seq)?)
            .await?;
        if chunks.len() != slices.len() {
            return Err(JournalError("a stored chunk is missing".into()));
        }
        let parts = js_sys::Array::new();
        for (c, s) in chunks.iter().zip(&slices) {
            parts.push(&slice(c, s.start, s.end)?.into());
        }
        join(&parts, &meta.mime_type)
    }

    /// Recordings kept in this browser, oldest first.
    pub async fn list(&self) -> Result<Vec<RecordingMeta>, JournalError> {
        let tx = self
            .db
            .transaction(&[RECORDINGS], TransactionMode::ReadOnly)?;
        let values = tx.store(RECORDINGS)?.get_all(None, None).await?;
        let mut out: Vec<RecordingMeta> = values
            .into_iter()
            .filter_map(|v| serde_wasm_bindgen::from_value(v).ok())
            .collect();
        out.sort_by(|a, b| a.created_at_ms.total_cmp(&b.created_at_ms));
        Ok(out)
    }

    /// Forget a recording: only after the server confirmed it, or on Retake.
    pub async fn remove(&self, id: &str) -> Result<(), JournalError> {
        let tx = self
            .db
            .transaction(&[RECORDINGS, CHUNKS], TransactionMode::ReadWrite)?;
        tx.store(CHUNKS)?.delete(chunk_range(id)?.into()).await?;
        tx.store(RECORDINGS)?.delete(JsValue::from_str(id)).await?;
        tx.done().await?;
        Ok(())
    }
}

/// The upload loop's view of the journal.
impl JournalStore for Journal {
    type Blob = Blob;

    fn size(blob: &Blob) -> u64 {
        blob.size() as u64
    }
    async fn append(&self, meta: &RecordingMeta, seq: u32, chunk: &Blob) -> Result<(), String> {
        Journal::append(self, meta, seq, chunk)
            .await
            .map_err(|e| e.to_string())
    }
    async fn save_meta(&self, meta: &RecordingMeta) -> Result<(), String> {
        self.save(meta).await.map_err(|e| e.to_string())
    }
    async fn recordings(&self) -> Result<Vec<RecordingMeta>, String> {
        self.list().await.map_err(|e| e.to_string())
    }
    async fn forget(&self, id: &str) -> Result<(), String> {
        self.remove(id).await.map_err(|e| e.to_string())
    }
    async fn range(&self, meta: &RecordingMeta, offset: u64, len: u64) -> Result<Blob, String> {
        Journal::range(self, meta, offset, len)
            .await
            .map_err(|e| e.to_string())
    }
    async fn whole(&self, meta: &RecordingMeta) -> Result<Blob, String> {
        self.blob(meta).await.map_err(|e| e.to_string())
    }
}
