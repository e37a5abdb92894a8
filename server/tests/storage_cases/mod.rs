//! The storage contract, written once and run against every `Backend`.
//!
//! Only the two things a backend cannot do through the trait differ: how part
//! bytes arrive (the browser PUTs to the signed URL; for the local backend that
//! URL points at the HTTP server, so bytes go through `ServesOwnUrls::write_part`)
//! and how a finished object is read back (S3: a presigned GET; local: the file).

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use md5::{Digest, Md5};
use sha2::Sha256;
use vidreply_core::protocol::{CompletedPart, UploadedPart};
use vidreply_server::storage::{Backend, LocalStore, ServesOwnUrls, StorageError, WritePartError};

/// S3's smallest part but the last; SeaweedFS enforces it too.
pub const MIB5: usize = 5 * 1024 * 1024;
pub const WEBM: &str = "video/webm;codecs=vp9,opus";
const TTL: Duration = Duration::from_secs(600);

/// How part bytes reach a backend and how its objects are read back.
pub enum Io<'a> {
    Local {
        store: &'a LocalStore,
        root: PathBuf,
    },
    S3 {
        http: reqwest::Client,
    },
}

impl Io<'_> {
    /// Backend one part the way the browser would; returns the ETag storage answered.
    pub async fn put_part(
        &self,
        store: &dyn Backend,
        key: &str,
        upload: &str,
        n: u32,
        bytes: &[u8],
    ) -> String {
        match self {
            Io::Local { store, .. } => {
                let body = futures_util::stream::iter([Ok(Bytes::copy_from_slice(bytes))]).boxed();
                store
                    .write_part(upload, n, body, u64::MAX, None)
                    .await
                    .unwrap_or_else(|e| panic!("local part {n}: {e}"))
            }
            Io::S3 { http } => {
                let url = store.sign_part(key, upload, n, bytes.len() as u64, TTL);
                let res = http
                    .put(url)
                    .body(bytes.to_vec())
                    .send()
                    .await
                    .expect("PUT part");
                let status = res.status();
                let etag = res.headers().get("etag").cloned();
                let body = res.text().await.unwrap_or_default();
                assert!(status.is_success(), "PUT part {n}: {status} {body}");
                etag.expect("ETag header").to_str().unwrap().to_string()
            }
        }
    }

    /// Wait before re-uploading a part. SeaweedFS keeps every upload of a part
    /// and ListParts dates them to the second, so only a retry in a later second
    /// can be told apart from the upload it replaces (see `S3Store::list_parts`).
    pub async fn retry_gap(&self) {
        if let Io::S3 { .. } = self {
            tokio::time::sleep(Duration::from_millis(1100)).await;
        }
    }

    /// The whole stored object.
    pub async fn read_object(&self, store: &dyn Backend, key: &str) -> Vec<u8> {
        match self {
            Io::Local { root, .. } => std::fs::read(root.join("objects").join(key))
                .unwrap_or_else(|e| panic!("local object {key}: {e}")),
            Io::S3 { http } => {
                let res = http
                    .get(store.sign_get(key, TTL))
                    .send()
                    .await
                    .expect("GET object");
                assert!(res.status().is_success(), "GET {key}: {}", res.status());
                res.bytes().await.expect("object body").to_vec()
            }
        }
    }
}

/// Every case, in order, on fresh keys.
pub async fn run(store: &dyn Backend, io: &Io<'_>) {
    let t = std::time::Instant::now();
    multipart_round_trip(store, io).await;
    abort_ends_the_upload(store, io).await;
    list_parts_pages_through_every_part(store, io, 7).await;
    a_part_url_holds_no_more_than_its_signed_size(store, io).await;
    unknown_ids_are_named(store).await;
    eprintln!(
        "{} suite took {:.1} s",
        store.name(),
        t.elapsed().as_secs_f64()
    );
}

pub fn new_key() -> String {
    format!("videos/{}/original.webm", uuid::Uuid::new_v4().simple())
}

/// Part bytes with their ETag, hashed once (hashing is slow in debug builds).
pub struct Blob {
    pub bytes: Vec<u8>,
    pub etag: String,
}

impl Blob {
    /// Deterministic bytes that differ per `seed`; seed 1 starts like WebM.
    pub fn new(len: usize, seed: u64) -> Self {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut bytes = Vec::with_capacity(len + 8);
        while bytes.len() < len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            bytes.extend_from_slice(&x.to_le_bytes());
        }
        bytes.truncate(len);
        if seed == 1 && len >= 4 {
            bytes[..4].copy_from_slice(&[0x1A, 0x45, 0xDF, 0xA3]);
        }
        let etag = md5_etag(&bytes);
        Self { bytes, etag }
    }

    pub fn listed(&self, n: u32) -> UploadedPart {
        UploadedPart {
            part_number: n,
            etag: self.etag.clone(),
            size: self.bytes.len() as u64,
        }
    }
}

pub fn md5_etag(bytes: &[u8]) -> String {
    format!("\"{}\"", hex::encode(Md5::digest(bytes)))
}

/// Backend a part through `io` and check the ETag storage answered.
async fn put(io: &Io<'_>, store: &dyn Backend, key: &str, id: &str, n: u32, b: &Blob) {
    let etag = io.put_part(store, key, id, n, &b.bytes).await;
    assert_eq!(
        etag,
        b.etag,
        "{}: part {n} ETag is the quoted MD5",
        store.name()
    );
}

fn completed(listed: &[UploadedPart]) -> Vec<CompletedPart> {
    listed
        .iter()
        .map(|p| CompletedPart {
            part_number: p.part_number,
            etag: p.etag.clone(),
        })
        .collect()
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn assert_no_such_upload<T: std::fmt::Debug>(r: Result<T, StorageError>, what: &str) {
    assert!(
        matches!(r, Err(StorageError::NoSuchUpload)),
        "{what}: expected Err(NoSuchUpload), got {r:?}"
    );
}

/// Cases 1, 2, 3 and 5: upload, retry a part, complete, read back, delete.
pub async fn multipart_round_trip(store: &dyn Backend, io: &Io<'_>) {
    let name = store.name();
    let key = new_key();
    let id = store.create_multipart(&key, WEBM).await.expect("create");
    assert!(
        store.list_parts(&key, &id).await.expect("list").is_empty(),
        "{name}: a new upload has no parts"
    );

    // 1. Three parts, stored in a shuffled order, list ascending with sizes and ETags.
    let parts = [Blob::new(MIB5, 1), Blob::new(MIB5, 2), Blob::new(1234, 3)];
    for n in [2u32, 3, 1] {
        put(io, store, &key, &id, n, &parts[n as usize - 1]).await;
    }
    let listed = store.list_parts(&key, &id).await.expect("list");
    let want: Vec<UploadedPart> = (1..=3).map(|n| parts[n as usize - 1].listed(n)).collect();
    assert_eq!(listed, want, "{name}: parts 1, 2, 3 ascending");

    // 2. A retried part 2 replaces the earlier one: one entry, the new ETag.
    let retried = Blob::new(MIB5, 4);
    assert_ne!(retried.etag, parts[1].etag);
    io.retry_gap().await;
    put(io, store, &key, &id, 2, &retried).await;
    let listed = store.list_parts(&key, &id).await.expect("list");
    let want = vec![parts[0].listed(1), retried.listed(2), parts[2].listed(3)];
    assert_eq!(listed, want, "{name}: one part 2, the retried one");

    // An ETag that names none of the stored bytes does not complete the upload.
    let mut wrong = completed(&listed);
    wrong[2].etag = md5_etag(b"bytes that were never uploaded");
    let r = store.complete(&key, &id, &wrong).await;
    assert!(
        matches!(r, Err(StorageError::Rejected(_))),
        "{name}: completing with an unknown ETag: {r:?}"
    );
    assert_eq!(
        store
            .list_parts(&key, &id)
            .await
            .expect("list after refusal"),
        want,
        "{name}: a refused complete keeps the upload"
    );
    let r = store.read_head(&key, 16).await;
    assert!(
        matches!(r, Err(StorageError::NoSuchObject)),
        "{name}: a refused complete stores no object: {r:?}"
    );

    // The local backend assembles parts as they arrive, so it held the old part 2
    // already: its old ETag must not complete the upload. (SeaweedFS keeps every
    // upload of a part and accepts either; S3 accepts only the latest.)
    if name == "local" {
        let mut stale = completed(&listed);
        stale[1].etag = parts[1].etag.clone();
        let r = store.complete(&key, &id, &stale).await;
        assert!(
            matches!(r, Err(StorageError::Rejected(_))),
            "{name}: completing with a replaced part's ETag: {r:?}"
        );
    }

    // 3. Complete with the listed ETags; the object is the parts, in order.
    store
        .complete(&key, &id, &completed(&listed))
        .await
        .unwrap_or_else(|e| panic!("{name}: complete: {e}"));
    let expected = [&parts[0].bytes[..], &retried.bytes, &parts[2].bytes].concat();
    let head = store.read_head(&key, 16).await.expect("read_head");
    assert_eq!(head, expected[..16], "{name}: read_head(16)");
    assert_eq!(head[..4], [0x1A, 0x45, 0xDF, 0xA3], "{name}: WebM magic");
    let stored = io.read_object(store, &key).await;
    // Compare in full, report digests (10 MiB do not belong in a panic message).
    assert!(
        stored == expected,
        "{name}: stored object ({} bytes, sha256 {}) is not the parts ({} bytes, sha256 {})",
        stored.len(),
        sha256(&stored),
        expected.len(),
        sha256(&expected)
    );
    assert_no_such_upload(
        store.list_parts(&key, &id).await,
        &format!("{name}: list_parts after complete"),
    );

    // 5. Delete: the object is gone, and deleting again is harmless.
    store.delete(&key).await.expect("delete");
    let r = store.read_head(&key, 16).await;
    assert!(
        matches!(r, Err(StorageError::NoSuchObject)),
        "{name}: read_head after delete: {r:?}"
    );
    store.delete(&key).await.expect("deleting again is Ok");
}

/// Case 4: abort ends the upload on both backends the same way.
pub async fn abort_ends_the_upload(store: &dyn Backend, io: &Io<'_>) {
    let name = store.name();
    let key = new_key();
    let id = store.create_multipart(&key, WEBM).await.expect("create");
    let first = Blob::new(MIB5, 1);
    put(io, store, &key, &id, 1, &first).await;
    assert_eq!(store.list_parts(&key, &id).await.expect("list").len(), 1);

    store.abort(&key, &id).await.expect("abort");
    assert_no_such_upload(
        store.list_parts(&key, &id).await,
        &format!("{name}: list_parts after abort"),
    );
    let parts = [CompletedPart {
        part_number: 1,
        etag: first.etag.clone(),
    }];
    assert_no_such_upload(
        store.complete(&key, &id, &parts).await,
        &format!("{name}: complete after abort"),
    );
    store.abort(&key, &id).await.expect("aborting twice is Ok");
    let r = store.read_head(&key, 16).await;
    assert!(
        matches!(r, Err(StorageError::NoSuchObject)),
        "{name}: an aborted upload leaves no object: {r:?}"
    );
}

/// Case 6: listing terminates and returns every part once, ascending, even when
/// the backend answers in pages.
pub async fn list_parts_pages_through_every_part(store: &dyn Backend, io: &Io<'_>, n: u32) {
    let name = store.name();
    let key = new_key();
    let id = store.create_multipart(&key, WEBM).await.expect("create");
    let mut want = Vec::new();
    for i in (1..=n).rev() {
        let b = Blob::new(100 + i as usize, 10 + u64::from(i));
        put(io, store, &key, &id, i, &b).await;
        want.push(b.listed(i));
    }
    // Retry one part so a duplicate listing (SeaweedFS) may span pages.
    let again = Blob::new(321, 99);
    io.retry_gap().await;
    put(io, store, &key, &id, 2, &again).await;
    want.retain(|p| p.part_number != 2);
    want.push(again.listed(2));
    want.sort_by_key(|p| p.part_number);

    let listed = tokio::time::timeout(Duration::from_secs(30), store.list_parts(&key, &id))
        .await
        .unwrap_or_else(|_| panic!("{name}: list_parts did not terminate"))
        .expect("list");
    assert_eq!(listed, want, "{name}: {n} parts, each once, ascending");
    store.abort(&key, &id).await.expect("abort");
}

/// A part URL is signed for a size: a longer body is refused and nothing is
/// stored (S3 signs the `Content-Length`; the local backend signs the size and
/// stops reading past it), so a browser cannot fill storage through one URL.
pub async fn a_part_url_holds_no_more_than_its_signed_size(store: &dyn Backend, io: &Io<'_>) {
    let name = store.name();
    let key = new_key();
    let id = store.create_multipart(&key, WEBM).await.expect("create");
    let signed_for = 1000u64;
    let too_long = Blob::new(signed_for as usize + 1, 7);
    match io {
        Io::Local { store: local, .. } => {
            let body =
                futures_util::stream::iter([Ok(Bytes::copy_from_slice(&too_long.bytes))]).boxed();
            let r = local.write_part(&id, 1, body, signed_for, None).await;
            assert!(matches!(r, Err(WritePartError::TooLarge)), "{name}: {r:?}");
        }
        Io::S3 { http } => {
            let url = store.sign_part(&key, &id, 1, signed_for, TTL);
            let res = http
                .put(url)
                .body(too_long.bytes.clone())
                .send()
                .await
                .expect("PUT part");
            let status = res.status();
            assert!(
                status.is_client_error(),
                "{name}: {} bytes to a URL signed for {signed_for} answered {status}",
                too_long.bytes.len()
            );
        }
    }
    assert!(
        store.list_parts(&key, &id).await.expect("list").is_empty(),
        "{name}: the refused part was not stored"
    );
    // The same URL takes exactly the bytes it was signed for.
    let fits = Blob::new(signed_for as usize, 8);
    put(io, store, &key, &id, 1, &fits).await;
    assert_eq!(
        store.list_parts(&key, &id).await.expect("list"),
        vec![fits.listed(1)]
    );
    store.abort(&key, &id).await.expect("abort");
}

/// Made-up ids: an upload storage never issued, an object never stored.
pub async fn unknown_ids_are_named(store: &dyn Backend) {
    let name = store.name();
    let key = new_key();
    let id = uuid::Uuid::new_v4().to_string();
    assert_no_such_upload(
        store.list_parts(&key, &id).await,
        &format!("{name}: list_parts of an unknown upload"),
    );
    store
        .abort(&key, &id)
        .await
        .expect("aborting an unknown upload is Ok");
    let r = store.read_head(&key, 16).await;
    assert!(
        matches!(r, Err(StorageError::NoSuchObject)),
        "{name}: read_head of an unknown key: {r:?}"
    );
    store
        .delete(&key)
        .await
        .expect("deleting an unknown key is Ok");
}
