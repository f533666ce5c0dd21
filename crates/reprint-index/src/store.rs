//! The on-disk layout: a directory with a manifest (magic, format version, settings) and
//! one redb file holding every table.

use crate::IndexError;
use redb::{ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// First line of the manifest: the magic and the format version.
pub const MAGIC: &str = "REPRINT-INDEX";
/// The format this build writes: 3 writes a large batch's LSH buckets as a sorted run
/// (`runs.rs`).
pub const FORMAT_VERSION: u32 = 3;
/// The formats this build reads (and adds to): 1 kept the texts in the database, 2 keeps
/// them in a log beside it and every bucket entry in the per-band tables.
pub const FORMATS_READ: [u32; 3] = [1, 2, 3];
/// The manifest's file name inside the store directory.
pub const MANIFEST: &str = "MANIFEST";
/// The redb file's name inside the store directory.
pub const DATABASE: &str = "index.redb";

/// Settings and format, in the manifest and in the `meta` table.
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// id → document number.
pub(crate) const IDS: TableDefinition<&str, u32> = TableDefinition::new("ids");
/// document number → [`DocMeta`] (postcard).
pub(crate) const DOCS: TableDefinition<u32, &[u8]> = TableDefinition::new("docs");
/// document number → zstd-compressed text (format 1), or the text's place in the text log
/// (format 2 on, see `texts.rs`).
pub(crate) const TEXTS: TableDefinition<u32, &[u8]> = TableDefinition::new("texts");
/// (exact hash, document): every copy of a normalized text, first copy first.
pub(crate) const EXACT: TableDefinition<(u64, u32), ()> = TableDefinition::new("exact");
/// The LSH buckets of first copies, one table per band: (bucket key, document). A table per
/// band keeps each entry at 8 bytes.
pub(crate) fn band_table(band: usize) -> TableDefinition<'static, (u32, u32), ()> {
    static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        (0..MAX_BANDS)
            .map(|b| &*Box::leak(format!("bands.{b:04}").into_boxed_str()))
            .collect()
    });
    TableDefinition::new(names[band])
}

/// Most LSH bands an index can have.
pub(crate) const MAX_BANDS: usize = 1024;
/// (a, b), a < b, first copies only → (shared, shingles of a, shingles of b, check).
pub(crate) const PAIRS: TableDefinition<(u32, u32), PairValue> = TableDefinition::new("pairs");

/// A verified pair's counts and a checksum of the whole entry.
pub(crate) type PairValue = (u32, u32, u32, u32);

/// The stored value of pair `(a, b)`.
pub(crate) fn pair_value(a: u32, b: u32, (shared, la, lb): (u32, u32, u32)) -> PairValue {
    (shared, la, lb, pair_check(a, b, shared, la, lb))
}

fn pair_check(a: u32, b: u32, shared: u32, la: u32, lb: u32) -> u32 {
    let mut bytes = [0u8; 20];
    for (i, v) in [a, b, shared, la, lb].iter().enumerate() {
        bytes[i * 4..i * 4 + 4].copy_from_slice(&v.to_le_bytes());
    }
    xxhash_rust::xxh3::xxh3_64(&bytes) as u32
}

/// The counts of pair `(a, b)`, checked.
pub(crate) fn pair_counts(a: u32, b: u32, v: PairValue) -> Result<(u32, u32, u32), IndexError> {
    let (shared, la, lb, check) = v;
    if pair_check(a, b, shared, la, lb) != check || shared > la.min(lb) {
        return Err(IndexError::Corrupted {
            detail: format!("the pair of documents {a} and {b} fails its checksum"),
        });
    }
    Ok((shared, la, lb))
}
/// (b, a): the same pairs, found from their second document.
pub(crate) const PAIRS_BY_B: TableDefinition<(u32, u32), ()> = TableDefinition::new("pairs_by_b");
/// (seed, content key, document), 32 bits each: reuse seed postings in chain order.
pub(crate) const SEEDS: TableDefinition<[u8; 12], ()> = TableDefinition::new("seeds");

/// A seed posting as 12 big-endian bytes, `(seed, content key, document)`: ordered as the
/// tuple, compared as bytes, and 12 bytes where an integer would take 16.
pub(crate) fn seed_posting(seed: u32, key: u32, doc: u32) -> [u8; 12] {
    let mut b = [0u8; 12];
    b[..4].copy_from_slice(&seed.to_be_bytes());
    b[4..8].copy_from_slice(&key.to_be_bytes());
    b[8..].copy_from_slice(&doc.to_be_bytes());
    b
}

/// The document of a seed posting.
pub(crate) fn posting_doc(p: &[u8; 12]) -> u32 {
    u32::from_be_bytes([p[8], p[9], p[10], p[11]])
}

/// The seed of a seed posting.
pub(crate) fn posting_seed(p: &[u8; 12]) -> u32 {
    u32::from_be_bytes([p[0], p[1], p[2], p[3]])
}

/// A seed as posted: the top 32 bits of its hash (a collision only adds a candidate, and
/// every candidate is aligned word by word).
pub(crate) fn seed32(seed: u64) -> u32 {
    (seed >> 32) as u32
}

/// A content key as posted: its top 32 bits keep the chain order of frequent seeds.
pub(crate) fn key32(key: u64) -> u32 {
    (key >> 32) as u32
}

/// `meta` keys.
pub(crate) const META_FORMAT: &str = "format";
pub(crate) const META_SETTINGS: &str = "settings";
pub(crate) const META_NEXT: &str = "next_doc";
pub(crate) const META_STORIES: &str = "stories";
/// The bucket runs (format 3), see [`crate::runs::RunList`].
pub(crate) const META_RUNS: &str = "runs";
/// Where the text log's committed texts end (format 2 on), 8 bytes little endian.
pub(crate) const META_TEXTS_END: &str = "texts_end";
/// The text log's file name in the store directory, when not `texts.log` (a compacted
/// store's).
pub(crate) const META_TEXT_LOG: &str = "text_log";

/// What the index keeps of each document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct DocMeta {
    pub id: String,
    pub exact: u64,
    pub tokens: u32,
    /// Distinct shingles.
    pub shingles: u32,
    /// Date for `keep: earliest` (metadata or a header line), days since 1970-01-01.
    pub date: Option<i64>,
    /// Date for naming a passage's source: metadata, a header line or a dateline (with the
    /// year the story stream inferred, when that level is on).
    pub day: Option<i64>,
    /// Reuse content key (when the reuse level is on).
    pub key: u64,
    pub title: Option<String>,
    /// The date metadata as written.
    pub meta_date: Option<String>,
    /// (story, score, started) when the stories level is on.
    pub story: Option<(u32, f64, bool)>,
    /// The series (outlet) from the field the index was created with.
    pub series: Option<String>,
}

/// [`DocMeta`] as stores written before series were kept encode it: read as a document
/// without a series.
#[derive(Deserialize)]
struct DocMetaNoSeries {
    id: String,
    exact: u64,
    tokens: u32,
    shingles: u32,
    date: Option<i64>,
    day: Option<i64>,
    key: u64,
    title: Option<String>,
    meta_date: Option<String>,
    story: Option<(u32, f64, bool)>,
}

impl DocMeta {
    /// postcard, then a 4-byte checksum of it.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut v = postcard::to_stdvec(self).expect("document metadata serializes");
        let check = xxhash_rust::xxh3::xxh3_64(&v) as u32;
        v.extend_from_slice(&check.to_le_bytes());
        v
    }

    pub(crate) fn decode(bytes: &[u8], doc: u32) -> Result<DocMeta, IndexError> {
        let bad = |detail: String| IndexError::Corrupted {
            detail: format!("document {doc}: {detail}"),
        };
        if bytes.len() < 4 {
            return Err(bad("metadata too short".into()));
        }
        let (body, check) = bytes.split_at(bytes.len() - 4);
        if xxhash_rust::xxh3::xxh3_64(body) as u32
            != u32::from_le_bytes(check.try_into().expect("4 bytes"))
        {
            return Err(bad("metadata fails its checksum".into()));
        }
        postcard::from_bytes(body).or_else(|e| {
            let m: DocMetaNoSeries = postcard::from_bytes(body).map_err(|_| bad(e.to_string()))?;
            Ok(DocMeta {
                id: m.id,
                exact: m.exact,
                tokens: m.tokens,
                shingles: m.shingles,
                date: m.date,
                day: m.day,
                key: m.key,
                title: m.title,
                meta_date: m.meta_date,
                story: m.story,
                series: None,
            })
        })
    }
}

/// The manifest's second part: what the store was created with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredSettings {
    /// Levels on top of duplicates.
    pub levels: Vec<String>,
    /// Duplicate settings (shingles, threshold, sketch, LSH).
    pub dedup: reprint_engine::DedupSettings,
    /// LSH bands and rows actually used.
    pub lsh: (usize, usize),
    /// Reuse settings, when that level is on.
    pub reuse: Option<reprint_reuse::ReuseConfig>,
    /// Stories settings, when that level is on.
    pub stories: Option<reprint_stories::StoriesConfig>,
    /// Metadata field with the date.
    pub date_field: String,
    /// Metadata field with the series (reuse within one series is skipped when the reuse
    /// settings say so). Absent in stores made before series were kept.
    #[serde(default)]
    pub series_field: Option<String>,
}

/// The manifest's text.
pub(crate) fn manifest_text(s: &StoredSettings, format: u32) -> String {
    format!(
        "{MAGIC} {format}\n{}\n",
        serde_json::to_string_pretty(s).expect("settings serialize")
    )
}

/// Reads and checks a manifest: the store's format version and settings.
pub(crate) fn read_manifest(dir: &Path) -> Result<(u32, StoredSettings), IndexError> {
    let path = dir.join(MANIFEST);
    let bytes = std::fs::read(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            IndexError::NotAnIndex {
                path: dir.display().to_string(),
                detail: format!("it has no {MANIFEST}; create one with `reprint index create`"),
            }
        } else {
            IndexError::Io {
                path: path.display().to_string(),
                source: e,
            }
        }
    })?;
    let text = String::from_utf8(bytes).map_err(|_| IndexError::NotAnIndex {
        path: path.display().to_string(),
        detail: "the manifest is not text".into(),
    })?;
    let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
    let version =
        first
            .strip_prefix(MAGIC)
            .map(str::trim)
            .ok_or_else(|| IndexError::NotAnIndex {
                path: path.display().to_string(),
                detail: format!("the manifest does not start with {MAGIC}"),
            })?;
    let version: u32 = version.parse().map_err(|_| IndexError::NotAnIndex {
        path: path.display().to_string(),
        detail: format!("bad format version {version:?}"),
    })?;
    if !FORMATS_READ.contains(&version) {
        return Err(IndexError::Version {
            path: dir.display().to_string(),
            found: version,
        });
    }
    let settings = serde_json::from_str(rest).map_err(|e| IndexError::Corrupted {
        detail: format!("{}: settings cannot be read: {e}", path.display()),
    })?;
    Ok((version, settings))
}

/// Document numbers posted under `key` in a `(u64, u32)` table, ascending.
pub(crate) fn postings(
    t: &impl ReadableTable<(u64, u32), ()>,
    key: u64,
) -> Result<Vec<u32>, IndexError> {
    let mut v = Vec::new();
    for e in t.range((key, 0)..=(key, u32::MAX))? {
        v.push(e?.0.value().1);
    }
    Ok(v)
}

/// Compresses texts: zstd level 1 with one context per worker, an xxh3 checksum of the
/// text in front, so a damaged text is an error, never a wrong answer. Layout: checksum
/// (8 bytes, little endian), then one zstd frame that records its size.
pub(crate) struct Packer(zstd::bulk::Compressor<'static>);

impl Packer {
    pub(crate) fn new() -> Packer {
        Packer(zstd::bulk::Compressor::new(1).expect("zstd context"))
    }

    pub(crate) fn pack(&mut self, text: &str) -> Vec<u8> {
        let sum = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
        let body = self
            .0
            .compress(text.as_bytes())
            .expect("zstd compresses in memory");
        let mut out = Vec::with_capacity(8 + body.len());
        out.extend_from_slice(&sum.to_le_bytes());
        out.extend_from_slice(&body);
        out
    }
}

/// Decompresses one zstd frame of `size` bytes with this thread's context (a fresh
/// context costs more than decompressing a news article).
fn decompress(frame: &[u8], size: usize) -> std::io::Result<Vec<u8>> {
    thread_local! {
        static CONTEXT: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    CONTEXT.with(|c| {
        let mut c = c.borrow_mut();
        let d = match c.as_mut() {
            Some(d) => d,
            None => c.insert(zstd::bulk::Decompressor::new()?),
        };
        d.decompress(frame, size)
    })
}

/// Decompresses a text and checks it.
pub(crate) fn unpack_text(bytes: &[u8], doc: u32) -> Result<String, IndexError> {
    let corrupted = |detail: String| IndexError::Corrupted {
        detail: format!("text of document {doc}: {detail}"),
    };
    if bytes.len() < 9 {
        return Err(corrupted("too short".into()));
    }
    let sum = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
    let size = zstd::zstd_safe::get_frame_content_size(&bytes[8..])
        .ok()
        .flatten()
        .ok_or_else(|| corrupted("not a zstd frame".into()))?;
    if size >= 4u64 << 30 {
        return Err(corrupted(format!("claims {size} bytes")));
    }
    let raw = decompress(&bytes[8..], size as usize).map_err(|e| corrupted(e.to_string()))?;
    if xxhash_rust::xxh3::xxh3_64(&raw) != sum {
        return Err(corrupted("checksum mismatch".into()));
    }
    String::from_utf8(raw).map_err(|e| corrupted(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_written_before_series_reads_as_without_one() {
        // The old encoding: the same fields in order, without `series`.
        let old = (
            "doc-1".to_string(),
            7u64,
            120u32,
            110u32,
            Some(19_000i64),
            Some(19_001i64),
            42u64,
            Some("A title".to_string()),
            Some("2022-01-08".to_string()),
            Some((3u32, 0.5f64, true)),
        );
        let mut bytes = postcard::to_stdvec(&old).unwrap();
        let check = xxhash_rust::xxh3::xxh3_64(&bytes) as u32;
        bytes.extend_from_slice(&check.to_le_bytes());
        let m = DocMeta::decode(&bytes, 0).unwrap();
        assert_eq!((m.id.as_str(), m.key, m.series), ("doc-1", 42, None));
        assert_eq!(m.story, Some((3, 0.5, true)));
        // The new encoding round-trips its series; a damaged record is still refused.
        let new = DocMeta {
            series: Some("TASS".into()),
            ..m
        };
        assert_eq!(DocMeta::decode(&new.encode(), 0).unwrap(), new);
        let mut bad = new.encode();
        bad[0] ^= 1;
        assert!(DocMeta::decode(&bad, 0).is_err());
    }
}
