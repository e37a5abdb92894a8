//! The local backend assembles an upload while it arrives, so complete copies
//! only what is not yet in place (the tail) instead of the whole video.
//!
//! In the upload's folder, `assembled` holds parts 1, 2, … as far as they are
//! contiguous, and `assembled.idx` one line per part in it: number, the MD5 of
//! the bytes actually copied (taken while copying), size. Data is synced before
//! its line is written, so after a crash the index never names bytes the data
//! file lacks; extra bytes past the index are cut off when it is next opened.
//!
//! Complete keeps the longest prefix whose recorded numbers and digests equal
//! the parts it was given, cuts the rest, and appends the missing parts, each
//! checked against its ETag as before. A part replaced by a retry after it was
//! appended therefore never slips through: its digest no longer matches.

use std::path::{Path, PathBuf};

use md5::{Digest, Md5};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vidreply_core::protocol::CompletedPart;

use super::{StorageError, io};
use crate::storage::etag_eq;

const DATA: &str = "assembled";
const INDEX: &str = "assembled.idx";

/// One part in the assembled prefix.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    part: u32,
    md5: String,
    size: u64,
}

/// The assembled prefix of one upload, open for appending.
struct Assembly {
    dir: PathBuf,
    data: tokio::fs::File,
    entries: Vec<Entry>,
    len: u64,
}

fn part_file(dir: &Path, n: u32) -> PathBuf {
    dir.join(format!("{n:05}"))
}

fn parse_index(text: &str) -> Vec<Entry> {
    // Only whole lines count: a line cut short by a crash is not recorded.
    let whole = text.rfind('\n').map_or("", |end| &text[..end]);
    whole
        .lines()
        .map_while(|line| {
            let mut f = line.split(' ');
            Some(Entry {
                part: f.next()?.parse().ok()?,
                md5: f.next()?.to_string(),
                size: f.next()?.parse().ok()?,
            })
        })
        .collect()
}

impl Assembly {
    async fn open(dir: &Path) -> Result<Self, StorageError> {
        let text = tokio::fs::read_to_string(dir.join(INDEX))
            .await
            .unwrap_or_default();
        let mut entries = parse_index(&text);
        let data = tokio::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(dir.join(DATA))
            .await
            .map_err(io)?;
        let have = data.metadata().await.map_err(io)?.len();
        let mut len: u64 = entries.iter().map(|e| e.size).sum();
        if have < len {
            // The index names bytes that are not there: start again.
            entries.clear();
            len = 0;
        }
        let mut a = Self {
            dir: dir.to_path_buf(),
            data,
            entries,
            len,
        };
        if have != len {
            a.cut(a.entries.len()).await?;
        }
        Ok(a)
    }

    /// Keep the first `keep` entries and their bytes only.
    async fn cut(&mut self, keep: usize) -> Result<(), StorageError> {
        self.entries.truncate(keep);
        self.len = self.entries.iter().map(|e| e.size).sum();
        self.data.set_len(self.len).await.map_err(io)?;
        self.data.sync_data().await.map_err(io)?;
        let text: String = self
            .entries
            .iter()
            .map(|e| format!("{} {} {}\n", e.part, e.md5, e.size))
            .collect();
        let tmp = self.dir.join(format!("{INDEX}.tmp"));
        tokio::fs::write(&tmp, text).await.map_err(io)?;
        tokio::fs::rename(&tmp, self.dir.join(INDEX))
            .await
            .map_err(io)
    }

    /// Append part `n` as stored now; its MD5 is taken of the bytes copied.
    /// `Ok(None)` when the part is not there.
    async fn append(&mut self, n: u32) -> Result<Option<Entry>, StorageError> {
        let Ok(mut src) = tokio::fs::File::open(part_file(&self.dir, n)).await else {
            return Ok(None);
        };
        let mut md5 = Md5::new();
        let mut size = 0u64;
        let mut buf = vec![0u8; 256 * 1024];
        let copied: Result<(), std::io::Error> = async {
            use std::io::SeekFrom;
            use tokio::io::AsyncSeekExt;
            self.data.seek(SeekFrom::Start(self.len)).await?;
            loop {
                let read = src.read(&mut buf).await?;
                if read == 0 {
                    break;
                }
                md5.update(&buf[..read]);
                self.data.write_all(&buf[..read]).await?;
                size += read as u64;
            }
            self.data.flush().await?;
            self.data.sync_data().await
        }
        .await;
        if let Err(e) = copied {
            let keep = self.entries.len();
            let _ = self.cut(keep).await;
            return Err(io(e));
        }
        Ok(Some(Entry {
            part: n,
            md5: hex::encode(md5.finalize()),
            size,
        }))
    }

    /// Count an appended entry: its bytes are synced, now its index line. The line
    /// itself is not synced: lost in a crash, it only means copying that part again.
    async fn record(&mut self, e: Entry) -> Result<(), StorageError> {
        let mut idx = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(INDEX))
            .await
            .map_err(io)?;
        let line = format!("{} {} {}\n", e.part, e.md5, e.size);
        idx.write_all(line.as_bytes()).await.map_err(io)?;
        idx.flush().await.map_err(io)?;
        self.len += e.size;
        self.entries.push(e);
        Ok(())
    }
}

/// Append every stored part that continues the assembled prefix. Call after a
/// part is stored, holding the upload's lock; a failure only leaves more for
/// complete to do.
pub(super) async fn advance(dir: &Path) -> Result<(), StorageError> {
    // Completed or aborted meanwhile: nothing left to assemble.
    if !tokio::fs::try_exists(dir.join("key")).await.map_err(io)? {
        return Ok(());
    }
    let mut a = Assembly::open(dir).await?;
    loop {
        let next = a.entries.last().map_or(1, |e| e.part + 1);
        // Only parts whose ETag is written are whole (bytes are renamed first).
        if !tokio::fs::try_exists(dir.join(format!("{next:05}.etag")))
            .await
            .map_err(io)?
        {
            return Ok(());
        }
        match a.append(next).await? {
            Some(e) => a.record(e).await?,
            None => return Ok(()),
        }
    }
}

/// The whole object, assembled from `parts` in order, each holding the bytes its
/// ETag names; answers the assembled file's path (to rename into place).
pub(super) async fn finish(dir: &Path, parts: &[CompletedPart]) -> Result<PathBuf, StorageError> {
    let mut a = Assembly::open(dir).await?;
    let keep = a
        .entries
        .iter()
        .zip(parts)
        .take_while(|(e, p)| e.part == p.part_number && etag_eq(&e.md5, &p.etag))
        .count();
    if keep < a.entries.len() {
        a.cut(keep).await?;
    }
    for p in &parts[keep..] {
        let n = p.part_number;
        let Some(e) = a.append(n).await? else {
            return Err(StorageError::Rejected(format!(
                "InvalidPart: part {n} is missing"
            )));
        };
        if !etag_eq(&e.md5, &p.etag) {
            let keep = a.entries.len();
            a.cut(keep).await?;
            return Err(StorageError::Rejected(format!(
                "InvalidPart: part {n} does not match its ETag"
            )));
        }
        a.record(e).await?;
    }
    a.data.sync_all().await.map_err(io)?;
    Ok(dir.join(DATA))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_index_lines_count() {
        let e = |part, md5: &str, size| Entry {
            part,
            md5: md5.into(),
            size,
        };
        assert_eq!(parse_index(""), vec![]);
        assert_eq!(parse_index("1 aa 5\n2 bb"), vec![e(1, "aa", 5)]);
        assert_eq!(
            parse_index("1 aa 5\n2 bb 7\n"),
            vec![e(1, "aa", 5), e(2, "bb", 7)]
        );
        assert_eq!(parse_index("1 aa x\n2 bb 7\n"), vec![]);
    }
}
