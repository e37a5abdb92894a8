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
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Blob;

const DB: &str = "vidreply-journal";
const RECORDINGS: &str = "recordings";
const CHUNKS: &str = "chunks";

/// What the journal knows about one recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingMeta {
    pub id: String,
    pub conversation_id: String,
    pub mime_type: String,
    pub created_at_ms: f64,
    pub duration_ms: f64,
    pub chunk_count: u32,
    pub total_bytes: f64,
    /// True once the person pressed Stop; false if the tab closed mid-recording.
    pub finished: bool,
    /// When the capture link this was recorded through stops working (unix ms).
    #[serde(default)]
    pub link_expires_at_ms: Option<f64>,
    /// The server-side upload these bytes go to, once created.
    #[serde(default)]
    pub upload: Option<vidreply_core::protocol::UploadSession>,
}

impl RecordingMeta {
    /// A recording that starts now, with nothing recorded yet.
    pub fn new(
        id: impl Into<String>,
        conversation_id: impl Into<String>,
        mime_type: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            conversation_id: conversation_id.into(),
            mime_type: mime_type.into(),
            created_at_ms: js_sys::Date::now(),
            duration_ms: 0.0,
            chunk_count: 0,
            total_bytes: 0.0,
            finished: false,
            link_expires_at_ms: None,
            upload: None,
        }
    }

    /// Nothing can send this recording any more: its upload expired on the server
    /// (or, never created, a day passed) and its capture link expired too. While
    /// the link works, an expired upload is simply replaced by a new one on Send.
    pub fn is_stale(&self, now_ms: f64) -> bool {
        let upload_expired = match &self.upload {
            Some(u) => (u.expires_at as f64) * 1000.0 < now_ms,
            None => now_ms - self.created_at_ms > 86_400_000.0,
        };
        let link_expired = self.link_expires_at_ms.is_none_or(|t| t < now_ms);
        upload_expired && link_expired
    }
}

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

fn chunk_range(id: &str) -> Result<KeyRange, JournalError> {
    KeyRange::bound(
        &chunk_key(id, 0),
        &chunk_key(id, u32::MAX),
        Some(false),
        Some(false),
    )
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

    /// Every chunk of a recording, in order.
    pub async fn chunks(&self, id: &str) -> Result<Vec<Blob>, JournalError> {
        let tx = self.db.transaction(&[CHUNKS], TransactionMode::ReadOnly)?;
        let values = tx
            .store(CHUNKS)?
            .get_all(Some(chunk_range(id)?), None)
            .await?;
        // A chunk that cannot be read back would shift every later byte: refuse.
        values
            .into_iter()
            .map(|v| {
                if let Some(bytes) = v.dyn_ref::<js_sys::ArrayBuffer>() {
                    return Blob::new_with_buffer_source_sequence(&js_sys::Array::of1(bytes))
                        .map_err(|e| JournalError(format!("{e:?}")));
                }
                v.dyn_into::<Blob>()
                    .map_err(|_| JournalError("a stored chunk is unreadable".into()))
            })
            .collect()
    }

    /// The whole recording as one (disk-backed) Blob.
    pub async fn blob(&self, meta: &RecordingMeta) -> Result<Blob, JournalError> {
        let parts = js_sys::Array::new();
        for c in self.chunks(&meta.id).await? {
            parts.push(&c);
        }
        let bag = web_sys::BlobPropertyBag::new();
        bag.set_type(&meta.mime_type);
        Blob::new_with_blob_sequence_and_options(&parts, &bag)
            .map_err(|e| JournalError(format!("{e:?}")))
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
