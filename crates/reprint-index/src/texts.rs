//! Where a store keeps its texts.
//!
//! Format 2 appends each committed batch's compressed texts to one file beside the database
//! (`texts.log`); the `texts` table holds each text's place in it (16 bytes). Format 1 kept
//! the compressed texts in the table itself, as B-tree values: every 1.6 KB text was a page
//! write in the transaction and again at commit, about a tenth of the ingest time.
//!
//! Crash safety: a commit first writes the batch's texts at the log's committed end and
//! syncs them, then commits the transaction that records the new end (`meta.texts_end`).
//! Bytes past the committed end belong to no committed document (a batch that never
//! committed) and are overwritten by the next commit. A removed document's bytes stay in
//! the log, unreferenced, until [`crate::Index::compact`] rewrites the log with the live
//! texts only: into a new file (`texts.<n>.log`), synced, then one transaction that points
//! every place and the store's log name at it; the old file goes after that commit.
//! A compaction that dies before its commit leaves an unreferenced file, which the next
//! compaction removes.

use crate::store::unpack_text;
use crate::IndexError;
use std::borrow::Cow;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// The log's file name inside the store directory.
pub const TEXT_LOG: &str = "texts.log";

/// Bytes of a text's place: offset (8), length (4), check (4), little endian.
const PLACE_BYTES: usize = 16;

/// A text's place in the log, as the `texts` table stores it.
pub(crate) type Place = [u8; PLACE_BYTES];

/// The append-only file of a format-2 store's texts. Reads and writes are positioned
/// (`pread`/`pwrite`), so readers on other threads share it with the writer.
#[derive(Debug)]
pub(crate) struct TextLog {
    file: File,
    path: PathBuf,
}

impl TextLog {
    /// Creates an empty log named `name` in `dir`, its directory entry synced.
    pub(crate) fn create(dir: &Path, name: &str) -> Result<TextLog, IndexError> {
        let path = dir.join(name);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| io(&path, e))?;
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io(dir, e))?;
        Ok(TextLog { file, path })
    }

    /// Opens the log `name` of a store whose committed texts end at `end`.
    pub(crate) fn open(dir: &Path, name: &str, end: u64) -> Result<TextLog, IndexError> {
        let path = dir.join(name);
        let file = match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(IndexError::Corrupted {
                    detail: format!("{} is missing", path.display()),
                })
            }
            Err(e) => return Err(io(&path, e)),
        };
        let len = file.metadata().map_err(|e| io(&path, e))?.len();
        if len < end {
            return Err(IndexError::Corrupted {
                detail: format!(
                    "{} holds {len} bytes; its committed texts end at byte {end}",
                    path.display()
                ),
            });
        }
        Ok(TextLog { file, path })
    }

    /// Writes `bytes` at `at` and syncs them to disk.
    fn append(&self, at: u64, bytes: &[u8]) -> Result<(), IndexError> {
        self.file
            .write_all_at(bytes, at)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| io(&self.path, e))
    }

    /// The file's name in the store directory.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn read(&self, at: u64, len: usize) -> Result<Vec<u8>, IndexError> {
        let mut buf = vec![0u8; len];
        self.file
            .read_exact_at(&mut buf, at)
            .map_err(|e| io(&self.path, e))?;
        Ok(buf)
    }
}

fn io(path: &Path, source: std::io::Error) -> IndexError {
    IndexError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The generation of a log named as the store names its logs: `texts.log` is 0, a
/// compaction's `texts.<n>.log` is n; any other name is not a log of the store's.
pub(crate) fn log_generation(name: &str) -> Option<u64> {
    if name == TEXT_LOG {
        return Some(0);
    }
    let n = name.strip_prefix("texts.")?.strip_suffix(".log")?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse().ok()
}

/// Removes the store's logs other than `current` from `dir`: left by a compaction that
/// died before its commit, or an old log whose removal failed after one. Files under other
/// names are not the store's to remove.
pub(crate) fn remove_stale_logs(dir: &Path, current: &str) -> Result<(), IndexError> {
    for e in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let name = e.map_err(|e| io(dir, e))?.file_name();
        let Some(name) = name.to_str() else { continue };
        if name != current && log_generation(name).is_some() {
            let path = dir.join(name);
            std::fs::remove_file(&path).map_err(|e| io(&path, e))?;
        }
    }
    Ok(())
}

/// How one transaction reads and stores texts: in the table (format 1), or in the log with
/// the texts this transaction has added so far held in memory until it commits.
#[derive(Debug)]
pub(crate) struct Texts<'a> {
    log: Option<&'a TextLog>,
    /// The log's committed end, as this transaction sees it.
    base: u64,
    /// Texts added by this (write) transaction, to be written at `base`.
    pending: Vec<u8>,
}

impl<'a> Texts<'a> {
    /// Texts of a store whose log (if it has one) ends at `base` for this transaction.
    pub(crate) fn new(log: Option<&'a TextLog>, base: u64) -> Texts<'a> {
        Texts {
            log,
            base,
            pending: Vec::new(),
        }
    }

    /// The text of document `d` from its `texts` table value.
    pub(crate) fn read(&self, value: &[u8], d: u32) -> Result<String, IndexError> {
        unpack_text(&self.packed(value, d)?, d)
    }

    /// The compressed text of document `d` as stored, from its `texts` table value: the
    /// value itself (format 1), or the bytes at its place, from memory or the log.
    fn packed<'v>(&'v self, value: &'v [u8], d: u32) -> Result<Cow<'v, [u8]>, IndexError> {
        let Some(log) = self.log else {
            return Ok(Cow::Borrowed(value));
        };
        let (at, len) = place_of(value, d)?;
        let end = at.checked_add(len as u64);
        let pending_end = self.base + self.pending.len() as u64;
        match end {
            Some(end) if at >= self.base && end <= pending_end => {
                let from = (at - self.base) as usize;
                Ok(Cow::Borrowed(&self.pending[from..from + len as usize]))
            }
            Some(end) if end <= self.base => Ok(Cow::Owned(log.read(at, len as usize)?)),
            _ => Err(IndexError::Corrupted {
                detail: format!(
                    "the text of document {d} is placed at bytes {at}..+{len}, past the end of the texts"
                ),
            }),
        }
    }

    /// The `texts` table value that stores `packed` for document `d`: the packed text
    /// itself (format 1), or its place in the log, the bytes kept until [`Texts::commit`].
    pub(crate) fn store<'p>(&mut self, d: u32, packed: &'p [u8]) -> Cow<'p, [u8]> {
        if self.log.is_none() {
            return Cow::Borrowed(packed);
        }
        let at = self.base + self.pending.len() as u64;
        self.pending.extend_from_slice(packed);
        Cow::Owned(place(d, at, packed.len() as u32).to_vec())
    }

    /// Writes this transaction's texts to the log and syncs them; returns the log's new
    /// end, for the transaction to record before it commits (`None`: nothing to write).
    pub(crate) fn commit(&mut self) -> Result<Option<u64>, IndexError> {
        match self.log {
            Some(log) if !self.pending.is_empty() => {
                log.append(self.base, &self.pending)?;
                self.base += self.pending.len() as u64;
                self.pending.clear();
                Ok(Some(self.base))
            }
            _ => Ok(None),
        }
    }
}

/// Copies the committed texts of `rows` (document, `texts` table value) from `old` into the
/// empty log `new`, each checked on the way (a damaged text stops the copy), and syncs it.
/// Returns the new log's end and each document's new `texts` value.
pub(crate) fn copy_live(
    old: &TextLog,
    old_end: u64,
    rows: impl Iterator<Item = Result<(u32, Vec<u8>), IndexError>>,
    new: &TextLog,
) -> Result<(u64, Vec<(u32, Place)>), IndexError> {
    const CHUNK: usize = 32 << 20;
    let reader = Texts::new(Some(old), old_end);
    let mut places = Vec::new();
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK);
    let mut written = 0u64;
    for row in rows {
        let (d, value) = row?;
        let bytes = reader.packed(&value, d)?;
        unpack_text(&bytes, d)?;
        places.push((d, place(d, written + buf.len() as u64, bytes.len() as u32)));
        buf.extend_from_slice(&bytes);
        if buf.len() >= CHUNK {
            new.file
                .write_all_at(&buf, written)
                .map_err(|e| io(&new.path, e))?;
            written += buf.len() as u64;
            buf.clear();
        }
    }
    new.append(written, &buf)?;
    Ok((written + buf.len() as u64, places))
}

/// Bytes of the log the live documents' texts take (the rest is what [`crate::Index::compact`]
/// would reclaim).
pub(crate) fn live_bytes(
    rows: impl Iterator<Item = Result<(u32, Vec<u8>), IndexError>>,
) -> Result<u64, IndexError> {
    let mut n = 0u64;
    for row in rows {
        let (d, value) = row?;
        n += place_of(&value, d)?.1 as u64;
    }
    Ok(n)
}

/// A text's place, checked with its document number: a damaged or misplaced row is an
/// error, never another document's text.
fn place(d: u32, at: u64, len: u32) -> Place {
    let mut b = [0u8; PLACE_BYTES];
    b[..8].copy_from_slice(&at.to_le_bytes());
    b[8..12].copy_from_slice(&len.to_le_bytes());
    let check = place_check(d, &b[..12]);
    b[12..].copy_from_slice(&check.to_le_bytes());
    b
}

fn place_check(d: u32, body: &[u8]) -> u32 {
    xxhash_rust::xxh3::xxh3_64_with_seed(body, d as u64) as u32
}

fn place_of(value: &[u8], d: u32) -> Result<(u64, u32), IndexError> {
    let bad = || IndexError::Corrupted {
        detail: format!("the place of document {d}'s text is damaged"),
    };
    if value.len() != PLACE_BYTES {
        return Err(bad());
    }
    let check = u32::from_le_bytes(value[12..].try_into().expect("4 bytes"));
    if place_check(d, &value[..12]) != check {
        return Err(bad());
    }
    Ok((
        u64::from_le_bytes(value[..8].try_into().expect("8 bytes")),
        u32::from_le_bytes(value[8..12].try_into().expect("4 bytes")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Packer;

    #[test]
    fn only_the_names_the_store_gives_are_its_logs() {
        assert_eq!(log_generation("texts.log"), Some(0));
        assert_eq!(log_generation("texts.12.log"), Some(12));
        for other in [
            "texts.backup.log",
            "texts..log",
            "texts./1.log",
            "texts.1.log.bak",
        ] {
            assert_eq!(log_generation(other), None, "{other}");
        }
    }

    #[test]
    fn texts_round_trip_through_the_log_and_damage_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let log = TextLog::create(dir.path(), TEXT_LOG).unwrap();
        let mut packer = Packer::new();
        let mut t = Texts::new(Some(&log), 0);
        let a = t.store(0, &packer.pack("the first text")).into_owned();
        let b = t.store(1, &packer.pack("the second text")).into_owned();
        // Before the commit, from memory.
        assert_eq!(t.read(&b, 1).unwrap(), "the second text");
        let end = t.commit().unwrap().unwrap();
        assert_eq!(
            std::fs::metadata(dir.path().join(TEXT_LOG)).unwrap().len(),
            end
        );
        // After it, from the file, seen by a new transaction.
        let t2 = Texts::new(Some(&log), end);
        assert_eq!(t2.read(&a, 0).unwrap(), "the first text");
        assert_eq!(t2.read(&b, 1).unwrap(), "the second text");
        // A place read for another document, a flipped bit, a place past the end.
        assert!(t2.read(&a, 1).is_err());
        let mut bad = a.clone();
        bad[0] ^= 1;
        assert!(t2.read(&bad, 0).is_err());
        assert!(Texts::new(Some(&log), 4).read(&b, 1).is_err());
        // A log shorter than its committed end is refused when opened.
        assert!(TextLog::open(dir.path(), TEXT_LOG, end + 1).is_err());
        assert!(TextLog::open(dir.path(), TEXT_LOG, end).is_ok());
    }
}
