//! A persistent, incremental reprint index: documents go in batch by batch, and each new
//! document is answered against everything already indexed — which earlier documents it
//! duplicates (verified, with exact Jaccard), which passages it shares with them (with byte
//! offsets), and which story it joins. Nothing is recomputed from scratch.
//!
//! The store is a directory: a `MANIFEST` (magic, format version, and the settings that
//! shape fingerprints, fixed at creation), one [redb](https://docs.rs/redb) file, an
//! embedded ACID store, and `texts.log`, the compressed texts appended batch by batch (the
//! database holds each text's place; a batch's texts are synced before the transaction
//! that points at them commits). A batch is one transaction, durable when [`Index::add`]
//! returns. Stores of format 1 (texts inside the database) are still read and added to.
//!
//! What is kept, per level:
//! * duplicates: each document's exact hash and counts, its text (zstd), the LSH buckets of
//!   first copies and the verified pairs between first copies (copies and clusters derive
//!   from them);
//! * reuse: seed postings in chain order (texts are already there);
//! * stories: the streaming story state (first-story detection) and each document's story.
//!
//! ```
//! use reprint_engine::Config;
//! use reprint_index::{Index, NewDoc};
//! let dir = tempfile::tempdir().unwrap();
//! let index = Index::create(dir.path(), &Config::default()).unwrap();
//! let text = "the quick brown fox jumps over the lazy dog near the river bank today";
//! index.add(&[NewDoc::new("a", text)], false).unwrap();
//! let found = index.add(&[NewDoc::new("b", &format!("{text} again"))], false).unwrap();
//! assert!(found.findings.iter().any(|f| matches!(f,
//!     reprint_engine::Finding::Pair(p) if p.a == "a" && p.b == "b")));
//! drop(index);
//! assert_eq!(Index::open(dir.path()).unwrap().len().unwrap(), 2);
//! ```
#![deny(missing_docs)]

mod export;
mod filter;
mod store;
mod texts;
mod view;

pub use store::{StoredSettings, DATABASE, FORMATS_READ, FORMAT_VERSION, MAGIC, MANIFEST};
pub use texts::TEXT_LOG;
use texts::{TextLog, Texts};

use filter::BandFilter;
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, Table};
use reprint_dedup::Overlap;
use reprint_engine::records::*;
use reprint_engine::{findings, Components, Config, Finding, StoriesSettings};
use reprint_reuse::incremental::{align_docs, group_passages, DocTokens};
use reprint_reuse::{Alignment, DocRef};
use reprint_stories::{StoryDoc, StoryStream};
use reprint_text::hash::KeyMap;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use store::*;
use view::View;

/// Why an index operation failed. Nothing of a failed batch is stored.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The path holds no index.
    #[error("{path} is not a reprint index: {detail}")]
    NotAnIndex {
        /// The directory or file.
        path: String,
        /// What is missing or wrong.
        detail: String,
    },
    /// An index of another format version.
    #[error("{path} is a reprint index of format version {found}; this reprint reads versions {FORMATS_READ:?}")]
    Version {
        /// The directory.
        path: String,
        /// The version found.
        found: u32,
    },
    /// The directory already holds something.
    #[error("{path} already exists and is not empty; choose a new directory for the index")]
    Exists {
        /// The directory.
        path: String,
    },
    /// A call asked for other settings than the index was created with.
    #[error("the index was created with {setting} = {stored}, this call asks for {asked}; fingerprints made with other settings cannot be compared (create a new index for them)")]
    Settings {
        /// The setting.
        setting: String,
        /// What the index has.
        stored: String,
        /// What was asked.
        asked: String,
    },
    /// A document id is already indexed (and replacing was not asked for).
    #[error("document id {id:?} is already in the index (ask to replace it, or remove it first)")]
    Duplicate {
        /// The id.
        id: String,
    },
    /// A document id is not in the index.
    #[error("document id {id:?} is not in the index")]
    Missing {
        /// The id.
        id: String,
    },
    /// A setting is out of range.
    #[error("invalid setting: {0}")]
    Config(#[from] reprint_engine::ConfigError),
    /// The store's content is damaged.
    #[error("the index is corrupted: {detail}")]
    Corrupted {
        /// What was found damaged.
        detail: String,
    },
    /// The embedded store failed.
    #[error("index store: {0}")]
    Store(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A document is too large for the index (texts over 4,000 MiB).
    #[error("document {id:?} is {bytes} bytes; the index takes texts up to 4,000 MiB")]
    TooLarge {
        /// Its id.
        id: String,
        /// Its size.
        bytes: usize,
    },
}

macro_rules! store_error {
    ($($t:ty),*) => {$(
        impl From<$t> for IndexError {
            fn from(e: $t) -> IndexError {
                classify(e.to_string())
            }
        }
    )*};
}
store_error!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// redb reports damaged pages as storage errors; say "corrupted" for them.
fn classify(msg: String) -> IndexError {
    let lower = msg.to_lowercase();
    if lower.contains("already open") {
        return IndexError::Store(format!(
            "{msg}: another process (or handle) has this index open; one at a time"
        ));
    }
    if lower.contains("corrupt") || lower.contains("checksum") || lower.contains("invalid") {
        IndexError::Corrupted { detail: msg }
    } else {
        IndexError::Store(msg)
    }
}

/// A document to add or query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewDoc {
    /// The caller's id.
    pub id: String,
    /// The text.
    pub text: String,
    /// Title metadata (stories weigh it).
    pub title: Option<String>,
    /// Date metadata as written (ISO 8601).
    pub date: Option<String>,
    /// The series (outlet, newspaper), when the index was created with a series field.
    pub series: Option<String>,
}

impl NewDoc {
    /// A document with an id and a text.
    pub fn new(id: &str, text: &str) -> NewDoc {
        NewDoc {
            id: id.to_string(),
            text: text.to_string(),
            ..NewDoc::default()
        }
    }

    /// A document from a record read by `reprint-io`; `date_field` names the date metadata
    /// and `series_field` the series (a string, or a number written as one).
    pub fn from_record(
        r: reprint_io::Record,
        date_field: &str,
        series_field: Option<&str>,
    ) -> NewDoc {
        let s = |f: &str| r.meta.get(f).and_then(|v| v.as_str()).map(str::to_string);
        NewDoc {
            title: s("title"),
            date: s(date_field),
            series: series_field.and_then(|f| r.meta_text(f)),
            id: r.id,
            text: r.text,
        }
    }
}

/// What [`Index::add`] or [`Index::query`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Added {
    /// Each new document's findings, document by document: its `document` record, its
    /// pairs with earlier documents, its cluster, its alignments and passages, its story.
    pub findings: Vec<Finding>,
    /// Documents in the index afterwards.
    pub total: u64,
}

/// One indexed document as it was added: its id, text and metadata.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DocInfo {
    /// The caller's id.
    pub id: String,
    /// Title metadata, when it had one.
    pub title: Option<String>,
    /// Date metadata as written, when it had one.
    pub date: Option<String>,
    /// Its place in arrival order (grows with every document added).
    pub seq: u32,
}

/// Counts and settings of an index.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Stats {
    /// Documents indexed.
    pub documents: u64,
    /// Levels kept.
    pub levels: Vec<String>,
    /// The settings fixed at creation.
    pub settings: StoredSettings,
    /// Bytes of the store on disk.
    pub bytes_on_disk: u64,
    /// Entries per table.
    pub entries: BTreeMap<String, u64>,
    /// Bytes of the pages each table occupies in the file.
    pub table_bytes: BTreeMap<String, u64>,
    /// Stories so far (stories level).
    pub stories: Option<u64>,
    /// Bytes of the text log the live documents' texts take (format 2); the rest of
    /// `table_bytes["text_log"]` is removed and replaced documents' texts, which
    /// [`Index::compact`] reclaims.
    pub text_log_live: Option<u64>,
}

/// A persistent index. One writer at a time, any number of readers (methods take `&self`;
/// writes wait for each other).
pub struct Index {
    dir: PathBuf,
    db: Database,
    /// The text log (format 2); `None` for a format-1 store, whose texts are in `db`.
    log: Option<TextLog>,
    cfg: Config,
    components: Components,
    stored: StoredSettings,
    /// The story state, as of the last commit.
    stories: Mutex<Option<StoryStream>>,
    /// Documents the stored story checkpoint has (later ones are replayed when opening).
    stories_saved: std::sync::atomic::AtomicU32,
    /// Bucket keys in the store, built on the first large batch (or [`Index::warm`]).
    filter: Mutex<Option<BandFilter>>,
    /// Seeds in the store (reuse level), built like `filter`: most seeds are new, and a
    /// seed the filter has never seen needs no lookup.
    seed_filter: Mutex<Option<BandFilter>>,
}

/// Bucket entries of a batch, inserted sorted when the batch ends (sorted inserts keep the
/// B-tree's pages in cache); candidates look here too.
#[derive(Default)]
struct PendingBands {
    rows: Vec<(u64, u32)>,
    /// The first pending document of each bucket; the rare later ones in `more`. Keyed by
    /// band keys, themselves uniform hashes.
    by_key: KeyMap<u64, u32>,
    more: KeyMap<u64, Vec<u32>>,
}

impl PendingBands {
    /// Room for `rows` entries (a batch's documents times the bands): growing the maps
    /// rehashes every entry again.
    fn with_capacity(rows: usize) -> PendingBands {
        PendingBands {
            rows: Vec::with_capacity(rows),
            by_key: KeyMap::with_capacity_and_hasher(rows, Default::default()),
            more: KeyMap::default(),
        }
    }

    fn push(&mut self, bk: u64, d: u32) {
        self.rows.push((bk, d));
        match self.by_key.entry(bk) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(d);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.more.entry(bk).or_default().push(d);
            }
        }
    }

    fn flush(
        &mut self,
        bands: &mut [Table<'_, (u32, u32), ()>],
        filter: &mut Option<BandFilter>,
    ) -> Result<(), IndexError> {
        self.rows.sort_unstable();
        for &(bk, d) in &self.rows {
            bands[(bk >> 32) as usize].insert((bk as u32, d), ())?;
            if let Some(f) = filter.as_mut() {
                f.insert(bk);
            }
        }
        self.rows.clear();
        self.by_key.clear();
        self.more.clear();
        Ok(())
    }
}

/// The tables one write transaction uses.
struct Tables<'t> {
    meta: Table<'t, &'static str, &'static [u8]>,
    ids: Table<'t, &'static str, u32>,
    bands: Vec<Table<'t, (u32, u32), ()>>,
    seeds: Table<'t, [u8; 12], ()>,
    view: WriteView<'t>,
}

type WriteView<'t> = View<
    't,
    Table<'t, u32, &'static [u8]>,
    Table<'t, u32, &'static [u8]>,
    Table<'t, (u64, u32), ()>,
    Table<'t, (u32, u32), PairValue>,
    Table<'t, (u32, u32), ()>,
>;

impl<'t> Tables<'t> {
    fn open(
        txn: &'t redb::WriteTransaction,
        bands: usize,
        log: Option<&'t TextLog>,
    ) -> Result<Tables<'t>, IndexError> {
        let meta = txn.open_table(META)?;
        let text_store = Texts::new(log, texts_end(&meta, log.is_some())?);
        Ok(Tables {
            meta,
            ids: txn.open_table(IDS)?,
            bands: (0..bands)
                .map(|b| txn.open_table(band_table(b)))
                .collect::<Result<_, _>>()?,
            seeds: txn.open_table(SEEDS)?,
            view: View {
                docs: txn.open_table(DOCS)?,
                texts: txn.open_table(TEXTS)?,
                text_store,
                exact: txn.open_table(EXACT)?,
                pairs: txn.open_table(PAIRS)?,
                pairs_by_b: txn.open_table(PAIRS_BY_B)?,
            },
        })
    }

    fn next_doc(&self) -> Result<u32, IndexError> {
        Ok(match self.meta.get(META_NEXT)? {
            Some(v) => {
                u32::from_le_bytes(v.value().try_into().map_err(|_| IndexError::Corrupted {
                    detail: "the document counter is damaged".into(),
                })?)
            }
            None => 0,
        })
    }
}

/// What a document needs before it meets the store, computed for a whole batch at once
/// (in parallel when the caller's pool has threads).
struct Prepared {
    print: Print,
    packed: Vec<u8>,
    toks: Option<DocTokens>,
    seeds: Vec<u64>,
}

/// The fingerprint of one document, as the duplicate level needs it.
struct Print {
    exact: u64,
    tokens: u32,
    /// Shingles as 32-bit values (as the batch verifies), unsorted, repeats kept.
    set: Vec<u32>,
    /// Band keys (empty when the document has no shingle).
    keys: Vec<u32>,
}

impl Index {
    /// Creates an index in `dir` (a new or empty directory) with `cfg`'s settings; the
    /// levels are duplicates plus reuse and stories when `cfg` has them.
    pub fn create(dir: &Path, cfg: &Config) -> Result<Index, IndexError> {
        Index::create_format(dir, cfg, FORMAT_VERSION)
    }

    /// [`Index::create`] in an older format this build still reads (tests of reading
    /// stores written by earlier versions).
    #[doc(hidden)]
    pub fn create_format(dir: &Path, cfg: &Config, format: u32) -> Result<Index, IndexError> {
        if !FORMATS_READ.contains(&format) {
            return Err(IndexError::Version {
                path: dir.display().to_string(),
                found: format,
            });
        }
        let components = cfg.components()?;
        if cfg.dedup.containment.is_some() {
            return Err(IndexError::Settings {
                setting: "containment".into(),
                stored: "not supported by the index".into(),
                asked: format!("{:?}", cfg.dedup.containment),
            });
        }
        refuse_unkept(cfg)?;
        if components.lsh.bands > store::MAX_BANDS {
            return Err(IndexError::Settings {
                setting: "banding".into(),
                stored: format!("at most {} bands", store::MAX_BANDS),
                asked: components.lsh.bands.to_string(),
            });
        }
        if let Ok(mut entries) = std::fs::read_dir(dir) {
            if entries.next().is_some() {
                return Err(IndexError::Exists {
                    path: dir.display().to_string(),
                });
            }
        }
        std::fs::create_dir_all(dir).map_err(|e| IndexError::Io {
            path: dir.display().to_string(),
            source: e,
        })?;
        let stored = StoredSettings {
            levels: levels_of(cfg),
            dedup: cfg.dedup.clone(),
            lsh: (components.lsh.bands, components.lsh.rows),
            reuse: cfg.reuse,
            stories: cfg.stories.as_ref().map(|s| s.config.clone()),
            date_field: cfg.date_field.clone(),
            series_field: cfg.series_field.clone(),
        };
        let db = Database::create(dir.join(DATABASE))?;
        let log = if format >= 2 {
            Some(TextLog::create(dir, TEXT_LOG)?)
        } else {
            None
        };
        let txn = db.begin_write()?;
        {
            // No text is written here (and the log's end is recorded just below).
            let mut t = Tables::open(&txn, components.lsh.bands, None)?;
            t.meta
                .insert(META_FORMAT, format!("{MAGIC} {format}").as_bytes())?;
            if log.is_some() {
                t.meta
                    .insert(META_TEXTS_END, 0u64.to_le_bytes().as_slice())?;
            }
            t.meta.insert(
                META_SETTINGS,
                serde_json::to_vec(&stored).expect("settings").as_slice(),
            )?;
            t.meta.insert(META_NEXT, 0u32.to_le_bytes().as_slice())?;
            if let Some(s) = &cfg.stories {
                let stream = StoryStream::new(s.config.clone())
                    .map_err(|e| IndexError::Store(e.to_string()))?;
                t.meta.insert(
                    META_STORIES,
                    postcard::to_stdvec(&stream)
                        .expect("story state")
                        .as_slice(),
                )?;
            }
        }
        txn.commit()?;
        drop(db);
        drop(log);
        // The manifest last: a directory without one is not an index yet.
        let manifest = dir.join(MANIFEST);
        reprint_io::safe::write_whole(&manifest, manifest_text(&stored, format).as_bytes())
            .map_err(|e| IndexError::Io {
                path: manifest.display().to_string(),
                source: e,
            })?;
        Index::open(dir)
    }

    /// Opens an existing index.
    pub fn open(dir: &Path) -> Result<Index, IndexError> {
        Index::open_with_cache(dir, DEFAULT_CACHE_BYTES)
    }

    /// Opens an existing index whose page cache holds at most `cache_bytes` (the store's
    /// share of memory; [`Index::open`] gives it 1 GiB). A long-running process that adds
    /// documents grows to about this much plus its own state.
    pub fn open_with_cache(dir: &Path, cache_bytes: usize) -> Result<Index, IndexError> {
        let (format, stored) = read_manifest(dir)?;
        let path = dir.join(DATABASE);
        if !path.exists() {
            return Err(IndexError::NotAnIndex {
                path: dir.display().to_string(),
                detail: format!("{DATABASE} is missing"),
            });
        }
        // A small store is checked page by page on open (a damaged file is refused, not
        // trusted); a large one on `check` (reading gigabytes at every open would be slow).
        let small = std::fs::metadata(&path).is_ok_and(|m| m.len() <= VERIFY_ON_OPEN_BYTES);
        let db = catch(|| {
            Database::builder()
                .set_check_integrity_on_open(small)
                .set_cache_size(cache_bytes)
                .open(&path)
                .map_err(IndexError::from)
        })?;
        let cfg = config_of(&stored);
        let components = cfg.components()?;
        let txn = db.begin_read()?;
        let meta = txn.open_table(META).map_err(|e| IndexError::Corrupted {
            detail: format!("{}: {e}", path.display()),
        })?;
        let inner_format = meta.get(META_FORMAT)?.map(|v| v.value().to_vec());
        if inner_format.as_deref() != Some(format!("{MAGIC} {format}").as_bytes()) {
            return Err(IndexError::Corrupted {
                detail: format!(
                    "{} does not carry the format of its manifest",
                    path.display()
                ),
            });
        }
        let inner: Option<StoredSettings> = meta
            .get(META_SETTINGS)?
            .and_then(|v| serde_json::from_slice(v.value()).ok());
        if inner.as_ref() != Some(&stored) {
            return Err(IndexError::Corrupted {
                detail: "the manifest's settings differ from the store's".into(),
            });
        }
        let log = if format >= 2 {
            Some(TextLog::open(
                dir,
                &log_name(&meta)?,
                texts_end(&meta, true)?,
            )?)
        } else {
            None
        };
        drop(meta);
        drop(txn);
        let (stories, saved) = match read_stories(&db, log.as_ref())? {
            Some((s, saved)) => (Some(s), saved),
            None => (None, 0),
        };
        Ok(Index {
            dir: dir.to_path_buf(),
            db,
            log,
            cfg,
            components,
            stored,
            stories: Mutex::new(stories),
            stories_saved: std::sync::atomic::AtomicU32::new(saved),
            filter: Mutex::new(None),
            seed_filter: Mutex::new(None),
        })
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Bytes of the store's files on disk (cheap: no table is read).
    pub fn bytes_on_disk(&self) -> u64 {
        std::fs::read_dir(&self.dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok()?.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    }

    /// The settings the index was created with, as a configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Refuses `asked` when a setting that shapes fingerprints or findings differs from
    /// the index's; the message names the setting.
    pub fn check_settings(&self, asked: &Config) -> Result<(), IndexError> {
        refuse_unkept(asked)?;
        let (s, a) = (&self.cfg.dedup, &asked.dedup);
        let differ = |name: &str, x: String, y: String| -> Result<(), IndexError> {
            if x != y {
                Err(IndexError::Settings {
                    setting: name.into(),
                    stored: x,
                    asked: y,
                })
            } else {
                Ok(())
            }
        };
        differ(
            "threshold",
            s.threshold.to_string(),
            a.threshold.to_string(),
        )?;
        differ(
            "shingle_size",
            s.shingle_size.to_string(),
            a.shingle_size.to_string(),
        )?;
        differ(
            "shingle_unit",
            format!("{:?}", s.shingle_unit),
            format!("{:?}", a.shingle_unit),
        )?;
        differ("slots", s.slots.to_string(), a.slots.to_string())?;
        differ(
            "sketch",
            format!("{:?}", s.sketch),
            format!("{:?}", a.sketch),
        )?;
        differ(
            "banding",
            format!("{:?}", s.banding),
            format!("{:?}", a.banding),
        )?;
        differ(
            "max_bucket",
            s.max_bucket.to_string(),
            a.max_bucket.to_string(),
        )?;
        differ("keep", format!("{:?}", s.keep), format!("{:?}", a.keep))?;
        differ(
            "all_pairs",
            s.all_pairs.to_string(),
            a.all_pairs.to_string(),
        )?;
        differ(
            "containment",
            format!("{:?}", s.containment),
            format!("{:?}", a.containment),
        )?;
        if asked.series_field.is_some() {
            differ(
                "series_field",
                format!("{:?}", self.stored.series_field),
                format!("{:?}", asked.series_field),
            )?;
        }
        Ok(())
    }

    /// Levels kept: `dedup`, then `reuse` and `stories` when on.
    pub fn levels(&self) -> &[String] {
        &self.stored.levels
    }

    /// Builds the in-memory filter of buckets now (a long-lived index, e.g. a service, that
    /// answers one document at a time; a large batch builds it by itself).
    pub fn warm(&self) -> Result<(), IndexError> {
        let txn = self.db.begin_read()?;
        let bands: Vec<_> = (0..self.components.lsh.bands)
            .map(|b| txn.open_table(band_table(b)))
            .collect::<Result<_, _>>()?;
        let f = build_filter(&bands)?;
        *self.filter.lock().unwrap_or_else(|p| p.into_inner()) = Some(f);
        Ok(())
    }

    /// Documents indexed.
    pub fn len(&self) -> Result<u64, IndexError> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(IDS)?.len()?)
    }

    /// Whether the index holds no document.
    pub fn is_empty(&self) -> Result<bool, IndexError> {
        Ok(self.len()? == 0)
    }

    /// Adds a batch in one transaction and returns each new document's findings against
    /// the whole index (earlier documents of the same batch included). Durable when this
    /// returns. An id already indexed is an error, unless `replace`: then the old document
    /// is removed first and the new one arrives now. On any error nothing of the batch is
    /// stored.
    pub fn add(&self, docs: &[NewDoc], replace: bool) -> Result<Added, IndexError> {
        self.write(docs, replace, true)
    }

    /// What [`Index::add`] would answer; nothing is stored.
    pub fn query(&self, docs: &[NewDoc]) -> Result<Added, IndexError> {
        self.write(docs, true, false)
    }

    fn write(&self, docs: &[NewDoc], replace: bool, commit: bool) -> Result<Added, IndexError> {
        for d in docs {
            // Compressed, with its checksum, a text's length must fit 32 bits: an
            // incompressible text grows by up to 1/128.
            if d.text.len() > MAX_TEXT_BYTES {
                return Err(IndexError::TooLarge {
                    id: d.id.clone(),
                    bytes: d.text.len(),
                });
            }
        }
        let mut guard = self.stories.lock().unwrap_or_else(|p| p.into_inner());
        // A dry run of one document peeks at the stories; a longer one works on a copy.
        let peek = !commit && docs.len() == 1;
        let mut scratch = if commit || peek { None } else { guard.clone() };
        let result = catch(|| {
            let stream = if commit || peek {
                guard.as_mut()
            } else {
                scratch.as_mut()
            };
            self.write_txn(docs, replace, commit, stream, peek)
        });
        if result.is_err() && commit {
            // The stream may be ahead of the store: read it back.
            *guard = self.load_stories()?;
        }
        result
    }

    fn load_stories(&self) -> Result<Option<StoryStream>, IndexError> {
        Ok(
            read_stories(&self.db, self.log.as_ref())?.map(|(s, saved)| {
                self.stories_saved
                    .store(saved, std::sync::atomic::Ordering::Release);
                s
            }),
        )
    }

    /// Whether a commit that leaves the stream at `len` documents stores a new checkpoint:
    /// after a removal (`forced`: replaying cannot undo one), or once the documents since
    /// the last one reach an eighth of the stream (so writing the whole state costs a
    /// constant per document, and opening replays at most an eighth).
    fn checkpoint_due(&self, len: u32, forced: bool) -> bool {
        let saved = self
            .stories_saved
            .load(std::sync::atomic::Ordering::Acquire);
        forced || len.saturating_sub(saved) >= (len / 8).max(STORY_CHECKPOINT_MIN)
    }

    fn write_txn(
        &self,
        docs: &[NewDoc],
        replace: bool,
        commit: bool,
        mut stream: Option<&mut StoryStream>,
        peek: bool,
    ) -> Result<Added, IndexError> {
        let txn = self.db.begin_write()?;
        let mut saved = None;
        let findings = {
            let mut t = Tables::open(&txn, self.components.lsh.bands, self.log.as_ref())?;
            let mut next = t.next_doc()?;
            let mut findings = Vec::new();
            let mut removed = false;
            let mut pending = PendingBands::with_capacity(docs.len() * self.components.lsh.bands);
            let mut filter = self.filter.lock().unwrap_or_else(|p| p.into_inner());
            let full = filter.as_ref().is_some_and(BandFilter::is_full);
            if full || (docs.len() >= 64 && filter.is_none()) {
                *filter = Some(build_filter(&t.bands)?);
            }
            let mut seed_filter = self.seed_filter.lock().unwrap_or_else(|p| p.into_inner());
            if self.cfg.reuse.is_some() {
                let full = seed_filter.as_ref().is_some_and(BandFilter::is_full);
                if full || (docs.len() >= 64 && seed_filter.is_none()) {
                    *seed_filter = Some(build_seed_filter(&t.seeds)?);
                }
            }
            let prepared: Vec<Prepared> = {
                use rayon::prelude::*;
                docs.par_iter()
                    .map_init(
                        || (Packer::new(), reprint_text::Fingerprint::default()),
                        |(packer, fp), doc| self.prepare(doc, packer, fp),
                    )
                    .collect()
            };
            let n = docs.len();
            for (i, (doc, prep)) in docs.iter().zip(prepared).enumerate() {
                // The last document of a dry run is read by nothing after it: only what its
                // own findings read is written (then thrown away).
                let keep_all = commit || i + 1 < n;
                let existing = t.ids.get(doc.id.as_str())?.map(|v| v.value());
                if let Some(old) = existing {
                    if !replace {
                        return Err(IndexError::Duplicate { id: doc.id.clone() });
                    }
                    pending.flush(&mut t.bands, &mut filter)?;
                    self.remove_one(&mut t, old, stream.as_deref_mut())?;
                    removed = true;
                }
                let d = next;
                next = next.checked_add(1).ok_or_else(|| {
                    IndexError::Store("the index holds 2^32 documents, its limit".into())
                })?;
                self.add_one(
                    &mut t,
                    d,
                    (doc, prep),
                    (stream.as_deref_mut(), peek, keep_all),
                    (&mut pending, filter.as_ref(), seed_filter.as_mut()),
                    &mut findings,
                )?;
            }
            pending.flush(&mut t.bands, &mut filter)?;
            t.meta.insert(META_NEXT, next.to_le_bytes().as_slice())?;
            if commit {
                // The texts are on disk before the transaction that points at them.
                if let Some(end) = t.view.text_store.commit()? {
                    t.meta
                        .insert(META_TEXTS_END, end.to_le_bytes().as_slice())?;
                }
                if let Some(s) = stream.as_deref() {
                    if self.checkpoint_due(s.len(), removed) {
                        save_stories(&mut t.meta, s)?;
                        saved = Some(s.len());
                    }
                }
            }
            findings
        };
        let total = txn.open_table(IDS)?.len()?;
        if commit {
            txn.commit()?;
            if let Some(n) = saved {
                self.stories_saved
                    .store(n, std::sync::atomic::Ordering::Release);
            }
        } else {
            txn.abort()?;
        }
        Ok(Added { findings, total })
    }

    fn print(&self, text: &str, fp: &mut reprint_text::Fingerprint) -> Print {
        let c = &self.components;
        c.shingler.fingerprint(text, fp);
        // Unsorted: only a document with candidates needs its set sorted.
        let set: Vec<u32> = fp.shingles.iter().map(|&h| h as u32).collect();
        let mut keys = Vec::new();
        if !fp.shingles.is_empty() {
            let mut sig = vec![0u32; c.sketcher.slots()];
            c.sketcher.sign_into(&fp.shingles, &mut sig);
            keys = vec![0u32; c.lsh.bands];
            c.lsh.band_keys(&sig, &mut keys);
        }
        Print {
            exact: fp.exact,
            tokens: fp.tokens.min(u32::MAX as usize) as u32,
            set,
            keys,
        }
    }

    fn prepare(
        &self,
        doc: &NewDoc,
        packer: &mut Packer,
        fp: &mut reprint_text::Fingerprint,
    ) -> Prepared {
        let toks = self.cfg.reuse.as_ref().map(|_| DocTokens::of(&doc.text));
        let seeds = match (&toks, &self.cfg.reuse) {
            (Some(t), Some(rc)) => t.seeds(rc.seed_n),
            _ => Vec::new(),
        };
        Prepared {
            print: self.print(&doc.text, fp),
            packed: packer.pack(&doc.text),
            toks,
            seeds,
        }
    }

    /// The sorted distinct shingle set of a text.
    fn set_of(&self, text: &str) -> Vec<u32> {
        let mut fp = reprint_text::Fingerprint::default();
        self.components.shingler.fingerprint(text, &mut fp);
        reprint_dedup::shingle_set(&fp.shingles)
    }

    fn add_one(
        &self,
        t: &mut Tables<'_>,
        d: u32,
        (doc, prep): (&NewDoc, Prepared),
        (stream, peek, keep_all): (Option<&mut StoryStream>, bool, bool),
        (pending, filter, mut seed_filter): (
            &mut PendingBands,
            Option<&BandFilter>,
            Option<&mut BandFilter>,
        ),
        out: &mut Vec<Finding>,
    ) -> Result<(), IndexError> {
        let p = prep.print;
        let date = doc
            .date
            .as_deref()
            .and_then(reprint_text::date::parse_iso_date)
            .or_else(|| reprint_text::date::header_date(&doc.text));
        let reuse = self.cfg.reuse.as_ref();
        let toks = prep.toks;
        // Stories first: the document's story is part of what is stored.
        let story = match stream {
            Some(s) => {
                let sd = StoryDoc {
                    text: &doc.text,
                    title: doc.title.as_deref(),
                    date: doc.date.as_deref(),
                    mask: &[],
                    embedding: None,
                    id: None,
                };
                let (a, when) = if peek { s.peek(&sd) } else { s.push_dated(&sd) };
                if !peek && a.doc != d {
                    return Err(IndexError::Corrupted {
                        detail: format!("the story state has {} documents, the store {d}", a.doc),
                    });
                }
                // A dry run shows the story it would join, as it stands.
                let story = if peek && a.started {
                    None
                } else {
                    s.story(a.story)
                };
                Some((a, when, story))
            }
            None => None,
        };
        let day = match &story {
            Some((_, when, _)) => when.map(|w| w.days),
            None if reuse.is_some() => {
                reprint_stories::dates::doc_date(doc.date.as_deref(), &doc.text, None)
                    .map(|w| w.days)
            }
            None => None,
        };
        // Duplicates: a copy joins its group; a first copy is verified against its
        // candidates and enters the buckets.
        // A document that joins no group and pairs with nothing has no cluster to look up.
        let mut alone = true;
        // Distinct shingles: counted only when something will report them (a copy's exact
        // pairs, a verified pair); 0 otherwise, and a later copy counts its own.
        let mut shingles = 0;
        if p.tokens > 0 {
            let group = postings(&t.view.exact, p.exact)?;
            t.view.exact.insert((p.exact, d), ())?;
            alone = group.is_empty();
            if !group.is_empty() {
                shingles = reprint_dedup::distinct_count(&p.set, &mut Vec::new());
            }
            if group.is_empty() && !p.keys.is_empty() {
                let cands = self.candidates(&t.bands, pending, filter, &p.keys)?;
                let th = self.components.dedup.threshold;
                let mine = if cands.is_empty() {
                    Vec::new()
                } else {
                    let mut v = p.set.clone();
                    v.sort_unstable();
                    v.dedup();
                    shingles = v.len() as u32;
                    v
                };
                for c in cands {
                    let cset = self.set_of(&t.view.text(c)?);
                    let o = Overlap::of(&cset, &mine);
                    if o.jaccard() >= th {
                        t.view
                            .pairs
                            .insert((c, d), pair_value(c, d, (o.shared, o.a, o.b)))?;
                        t.view.pairs_by_b.insert((d, c), ())?;
                        alone = false;
                    }
                }
                if keep_all {
                    for (band, &k) in p.keys.iter().enumerate() {
                        pending.push(band_key(band, k), d);
                    }
                }
            }
        }
        let meta = DocMeta {
            id: doc.id.clone(),
            exact: p.exact,
            tokens: p.tokens,
            shingles,
            date,
            day,
            key: toks.as_ref().map_or(0, |k| k.key),
            title: doc.title.clone(),
            meta_date: doc.date.clone(),
            story: story.as_ref().map(|(a, ..)| (a.story, a.score, a.started)),
            series: doc.series.clone(),
        };
        if keep_all {
            t.ids.insert(doc.id.as_str(), d)?;
        }
        t.view.docs.insert(d, meta.encode().as_slice())?;
        if keep_all {
            let stored = t.view.text_store.store(d, &prep.packed);
            t.view.texts.insert(d, &*stored)?;
        }

        let keep = self.cfg.dedup.keep;
        let listing = self.cfg.dedup.dedup_config();
        let cluster = if alone {
            None
        } else {
            t.view.cluster_of(&meta, keep)?
        };
        let id_of = |x: u32| -> Result<String, IndexError> {
            if x == d {
                Ok(doc.id.clone())
            } else {
                Ok(t.view.meta(x)?.id)
            }
        };
        let mut names: BTreeMap<u32, String> = BTreeMap::new();
        let mut name = |x: u32| -> Result<String, IndexError> {
            if let Some(n) = names.get(&x) {
                return Ok(n.clone());
            }
            let n = id_of(x)?;
            names.insert(x, n.clone());
            Ok(n)
        };
        let pairs = if alone {
            Vec::new()
        } else {
            t.view.pairs_of(d, &meta, &listing)?
        };
        duplicate_records(&doc.id, d, &pairs, cluster.as_ref(), &mut name, out)?;

        // Reuse: candidates from shared seeds, aligned with their stored texts.
        if let (Some(rc), Some(toks)) = (reuse, &toks) {
            let seeds = prep.seeds;
            let cands =
                self.reuse_candidates(&t.seeds, seed_filter.as_deref(), &seeds, toks.key, d, rc)?;
            if keep_all {
                for &s in &seeds {
                    t.seeds
                        .insert(seed_posting(seed32(s), key32(toks.key), d), ())?;
                    if let Some(f) = seed_filter.as_deref_mut() {
                        f.insert(seed32(s) as u64);
                    }
                }
            }
            let mut texts: BTreeMap<u32, String> = BTreeMap::new();
            let mut als: Vec<Alignment> = Vec::new();
            for c in cands {
                if rc.skip_same_series
                    && doc.series.is_some()
                    && t.view.meta(c)?.series == doc.series
                {
                    continue;
                }
                let ct = t.view.text(c)?;
                let ctok = DocTokens::of(&ct);
                als.extend(align_docs((c, &ct, &ctok), (d, &doc.text, toks), rc));
                texts.insert(c, ct);
            }
            texts.insert(d, doc.text.clone());
            self.reuse_records(
                &mut als,
                &texts,
                &mut name,
                |x| {
                    if x == d {
                        Ok(day)
                    } else {
                        t.view.meta(x).map(|m| m.day)
                    }
                },
                out,
            )?;
        }

        if let Some((a, when, st)) = story {
            if let Some(mut st) = st {
                if peek {
                    // A dry run: the story as it stands, with this document among its
                    // members and dates (its label is the story's before the document).
                    st.members.push(d);
                    if let Some(w) = when.map(|w| w.days) {
                        st.first_seen = Some(st.first_seen.map_or(w, |f| f.min(w)));
                        st.last_seen = Some(st.last_seen.map_or(w, |l| l.max(w)));
                    }
                }
                let mut members = Vec::new();
                for &m in &st.members {
                    if let Ok(n) = name(m) {
                        members.push(n);
                    }
                }
                let mut rec = findings::story_record(
                    &st,
                    |_| String::new(),
                    |x| {
                        if x == d {
                            doc.title.clone()
                        } else {
                            t.view.meta(x).ok().and_then(|m| m.title)
                        }
                    },
                );
                rec.members = members;
                rec.size = rec.members.len() as u64;
                out.push(Finding::Story(rec));
            }
            out.push(Finding::StoryAssignment(findings::assignment_record(
                &a,
                when.as_ref(),
                |_| doc.id.clone(),
            )));
        }
        Ok(())
    }

    /// Alignments of a document turned into records, grouped into passages (numbered from
    /// 0 in this answer).
    fn reuse_records(
        &self,
        als: &mut [Alignment],
        texts: &BTreeMap<u32, String>,
        mut name: impl FnMut(u32) -> Result<String, IndexError>,
        mut day: impl FnMut(u32) -> Result<Option<i64>, IndexError>,
        out: &mut Vec<Finding>,
    ) -> Result<(), IndexError> {
        if als.is_empty() {
            return Ok(());
        }
        let rc = self.cfg.reuse.as_ref().expect("reuse level");
        // Local numbering for grouping: the documents involved, ascending.
        let local: Vec<u32> = texts.keys().copied().collect();
        let at = |x: u32| local.binary_search(&x).expect("involved document") as u32;
        for a in als.iter_mut() {
            a.a = at(a.a);
            a.b = at(a.b);
        }
        let mut days = Vec::with_capacity(local.len());
        for &x in &local {
            days.push(day(x)?);
        }
        let refs: Vec<DocRef> = local
            .iter()
            .zip(&days)
            .map(|(x, &date)| DocRef {
                text: &texts[x],
                date,
                series: None,
            })
            .collect();
        let passages = group_passages(als, &refs, rc);
        let mut names = Vec::with_capacity(local.len());
        for &x in &local {
            names.push(name(x)?);
        }
        let id = |i: u32| names[i as usize].clone();
        let text = |i: u32| std::borrow::Cow::Borrowed(texts[&local[i as usize]].as_str());
        for a in als.iter() {
            out.push(Finding::Alignment(findings::alignment_record(a, id, text)));
        }
        for p in &passages {
            out.push(Finding::Passage(findings::passage_record(p, id, text)));
        }
        Ok(())
    }

    /// First copies sharing a bucket with `keys`, ascending; a bucket of `max_bucket` or
    /// more gives only its first and last members (the batch links oversized buckets as a
    /// chain plus a star on the first).
    fn candidates(
        &self,
        bands: &[impl ReadableTable<(u32, u32), ()>],
        pending: &PendingBands,
        filter: Option<&BandFilter>,
        keys: &[u32],
    ) -> Result<Vec<u32>, IndexError> {
        let max = self.cfg.dedup.max_bucket;
        let mut out = Vec::new();
        for (band, &k) in keys.iter().enumerate() {
            let bk = band_key(band, k);
            let stored = filter.is_none_or(|f| f.may_contain(bk));
            if !stored && !pending.by_key.contains_key(&bk) {
                continue;
            }
            let mut got = Vec::new();
            if stored {
                for e in bands[band].range((k, 0)..=(k, u32::MAX))? {
                    got.push(e?.0.value().1);
                    if got.len() >= max {
                        break;
                    }
                }
            }
            // Documents of this batch come after every stored one.
            if let Some(&first) = pending.by_key.get(&bk) {
                got.push(first);
                got.extend(pending.more.get(&bk).into_iter().flatten());
            }
            if got.len() >= max {
                // The batch links an oversized bucket as a chain plus a star on its first
                // member: a newcomer meets the last member and the first.
                out.push(got[0]);
                let pending_last = pending
                    .more
                    .get(&bk)
                    .and_then(|v| v.last())
                    .or(pending.by_key.get(&bk));
                let last = match pending_last {
                    Some(&x) => Some(x),
                    None => match bands[band].range((k, 0)..=(k, u32::MAX))?.next_back() {
                        Some(e) => Some(e?.0.value().1),
                        None => None,
                    },
                };
                out.extend(last);
            } else {
                out.extend(got);
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// Documents sharing at least `min_shared_seeds` seeds with a document (number `d`,
    /// content key `key`). A seed in `max_df` or more documents votes only for the
    /// document's neighbours in chain order, as the batch's chain does.
    fn reuse_candidates(
        &self,
        seeds_t: &impl ReadableTable<[u8; 12], ()>,
        filter: Option<&BandFilter>,
        seeds: &[u64],
        key: u64,
        d: u32,
        rc: &reprint_reuse::ReuseConfig,
    ) -> Result<Vec<u32>, IndexError> {
        let mut votes: BTreeMap<u32, u32> = BTreeMap::new();
        let key = key32(key);
        let mut posted: Vec<u32> = seeds.iter().map(|&s| seed32(s)).collect();
        posted.sort_unstable();
        posted.dedup();
        for s in posted {
            if filter.is_some_and(|f| !f.may_contain(s as u64)) {
                continue;
            }
            let lo = seed_posting(s, 0, 0);
            let hi = seed_posting(s, u32::MAX, u32::MAX);
            let mut docs = Vec::new();
            let mut frequent = false;
            for e in seeds_t.range(lo..=hi)? {
                let x = posting_doc(&e?.0.value());
                if x == d {
                    continue;
                }
                docs.push(x);
                if docs.len() >= rc.max_df {
                    frequent = true;
                    break;
                }
            }
            if frequent {
                docs.clear();
                let me = seed_posting(s, key, d);
                let before = seeds_t.range(lo..me)?.next_back();
                if let Some(e) = before {
                    docs.push(posting_doc(&e?.0.value()));
                }
                let after = seeds_t
                    .range((std::ops::Bound::Excluded(me), std::ops::Bound::Included(hi)))?
                    .next();
                if let Some(e) = after {
                    let x = posting_doc(&e?.0.value());
                    if x != d {
                        docs.push(x);
                    }
                }
            }
            for x in docs {
                *votes.entry(x).or_insert(0) += 1;
            }
        }
        Ok(votes
            .into_iter()
            .filter(|&(_, v)| v as usize >= rc.min_shared_seeds)
            .map(|(x, _)| x)
            .collect())
    }

    /// Removes documents by id in one transaction: their pairs, passage postings and story
    /// membership go; a copy takes the place of a removed first copy. Unknown ids are an
    /// error and nothing is removed.
    pub fn remove(&self, ids: &[String]) -> Result<u64, IndexError> {
        let mut guard = self.stories.lock().unwrap_or_else(|p| p.into_inner());
        let result = catch(|| {
            let txn = self.db.begin_write()?;
            {
                let mut t = Tables::open(&txn, self.components.lsh.bands, self.log.as_ref())?;
                for id in ids {
                    let d = t
                        .ids
                        .get(id.as_str())?
                        .map(|v| v.value())
                        .ok_or_else(|| IndexError::Missing { id: id.clone() })?;
                    self.remove_one(&mut t, d, guard.as_mut())?;
                }
                if let Some(s) = guard.as_ref() {
                    save_stories(&mut t.meta, s)?;
                }
            }
            let total = txn.open_table(IDS)?.len()?;
            txn.commit()?;
            if let Some(s) = guard.as_ref() {
                self.stories_saved
                    .store(s.len(), std::sync::atomic::Ordering::Release);
            }
            Ok(total)
        });
        if result.is_err() {
            *guard = self.load_stories()?;
        }
        result
    }

    fn remove_one(
        &self,
        t: &mut Tables<'_>,
        d: u32,
        stream: Option<&mut StoryStream>,
    ) -> Result<(), IndexError> {
        let m = t.view.meta(d)?;
        let text = t.view.text(d)?;
        let group = t.view.group(&m)?;
        t.ids.remove(m.id.as_str())?;
        if m.tokens > 0 {
            t.view.exact.remove((m.exact, d))?;
        }
        if group.first() == Some(&d) {
            let p = self.print(&text, &mut reprint_text::Fingerprint::default());
            let partners = t.view.near(d)?;
            for (x, ..) in &partners {
                let (a, b) = (d.min(*x), d.max(*x));
                t.view.pairs.remove((a, b))?;
                t.view.pairs_by_b.remove((b, a))?;
            }
            for (band, &k) in p.keys.iter().enumerate() {
                t.bands[band].remove((k, d))?;
            }
            // The next copy stands for the group now: same text, same buckets and pairs.
            if let Some(&f) = group.get(1) {
                for (band, &k) in p.keys.iter().enumerate() {
                    t.bands[band].insert((k, f), ())?;
                }
                for (x, shared, mine, theirs) in partners {
                    let (a, b, o) = if f < x {
                        (f, x, (shared, mine, theirs))
                    } else {
                        (x, f, (shared, theirs, mine))
                    };
                    t.view.pairs.insert((a, b), pair_value(a, b, o))?;
                    t.view.pairs_by_b.insert((b, a), ())?;
                }
            }
        }
        if let Some(rc) = &self.cfg.reuse {
            let toks = DocTokens::of(&text);
            for s in toks.seeds(rc.seed_n) {
                t.seeds.remove(seed_posting(seed32(s), key32(m.key), d))?;
            }
        }
        if let (Some(s), Some((story, ..))) = (stream, m.story) {
            s.forget(d, story);
        }
        t.view.docs.remove(d)?;
        t.view.texts.remove(d)?;
        Ok(())
    }

    /// A document and its findings against the rest of the index, or `None`.
    pub fn get(&self, id: &str) -> Result<Option<Vec<Finding>>, IndexError> {
        catch(|| export::get(self, id))
    }

    /// The text of a document as it was added, or `None` when no document has this id.
    pub fn text(&self, id: &str) -> Result<Option<String>, IndexError> {
        catch(|| export::text(self, id))
    }

    /// A document's id, metadata and place in arrival order, or `None`.
    pub fn info(&self, id: &str) -> Result<Option<DocInfo>, IndexError> {
        catch(|| export::info(self, id))
    }

    /// The duplicate cluster with this id (the id a `document` or `cluster` record of
    /// [`Index::add`] or [`Index::get`] names), or `None` when there is no such cluster.
    pub fn cluster(&self, id: u32) -> Result<Option<ClusterRecord>, IndexError> {
        catch(|| export::cluster(self, id))
    }

    /// Calls `f` with each document and its text, newest first, until `f` returns `false`
    /// (a search over the texts, for example, stops once it has enough).
    pub fn scan_newest(&self, mut f: impl FnMut(&DocInfo, &str) -> bool) -> Result<(), IndexError> {
        catch(|| export::scan_newest(self, &mut f))
    }

    /// Counts, settings and size on disk.
    pub fn stats(&self) -> Result<Stats, IndexError> {
        let txn = self.db.begin_read()?;
        let mut entries = BTreeMap::new();
        let mut table_bytes = BTreeMap::new();
        let mut count = |name: &str, t: &dyn ReadableTableMetadata| -> Result<(), IndexError> {
            entries.insert(name.to_string(), t.len()?);
            let s = t.stats()?;
            // Pages the table occupies: data, B-tree structure, and unused room in them.
            table_bytes.insert(
                name.to_string(),
                s.stored_bytes() + s.metadata_bytes() + s.fragmented_bytes(),
            );
            Ok(())
        };
        count("ids", &txn.open_table(IDS)?)?;
        count("documents", &txn.open_table(DOCS)?)?;
        count("texts", &txn.open_table(TEXTS)?)?;
        count("exact", &txn.open_table(EXACT)?)?;
        let (mut band_rows, mut band_bytes) = (0, 0);
        for b in 0..self.components.lsh.bands {
            let t = txn.open_table(band_table(b))?;
            band_rows += t.len()?;
            let s = t.stats()?;
            band_bytes += s.stored_bytes() + s.metadata_bytes() + s.fragmented_bytes();
        }
        count("pairs", &txn.open_table(PAIRS)?)?;
        count("pairs_by_b", &txn.open_table(PAIRS_BY_B)?)?;
        count("seeds", &txn.open_table(SEEDS)?)?;
        let text_log_live = match &self.log {
            Some(_) => {
                // The log's committed bytes (a removed document's stay until the log is
                // rewritten), then those of the live documents.
                let end = texts_end(&txn.open_table(META)?, true)?;
                table_bytes.insert("text_log".into(), end);
                Some(texts::live_bytes(text_rows(&txn.open_table(TEXTS)?)?)?)
            }
            None => None,
        };
        entries.insert("bands".into(), band_rows);
        table_bytes.insert("bands".into(), band_bytes);
        let documents = txn.open_table(IDS)?.len()?;
        let bytes_on_disk = self.bytes_on_disk();
        let stories = self
            .stories
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|s| s.stories().iter().filter(|s| !s.members.is_empty()).count() as u64);
        Ok(Stats {
            documents,
            levels: self.stored.levels.clone(),
            settings: self.stored.clone(),
            bytes_on_disk,
            entries,
            table_bytes,
            stories,
            text_log_live,
        })
    }

    /// Every finding of the indexed collection, the records `analyze` writes for it (in
    /// the same order), into `sink`; then returns the summary's fields.
    pub fn export<S: Sink>(
        &self,
        sink: &mut S,
    ) -> Result<Result<serde_json::Map<String, serde_json::Value>, S::Error>, IndexError> {
        catch(|| export::export(self, sink))
    }

    /// Rewrites the text log with the live texts only: a removed or replaced document's
    /// text stays in the log until then. Takes the index by value: nothing else in this
    /// process reads it meanwhile (and redb keeps other processes out). Crash-safe: the new
    /// log is written and synced under a new name, one transaction points every document
    /// and the store at it, and only then is the old log removed; a compaction that died
    /// earlier left an unreferenced log, removed here.
    pub fn compact(self) -> Result<Compacted, IndexError> {
        let Some(old) = &self.log else {
            return Err(IndexError::Store(
                "this store is of format 1: its texts are in the database, there is no text log to compact".into(),
            ));
        };
        catch(|| {
            let txn = self.db.begin_write()?;
            let (documents, bytes_before, bytes_after) = {
                let mut meta = txn.open_table(META)?;
                let mut texts = txn.open_table(TEXTS)?;
                let current = log_name(&meta)?;
                let end = texts_end(&meta, true)?;
                texts::remove_stale_logs(&self.dir, &current)?;
                let generation = texts::log_generation(&current).expect("checked by log_name");
                let new_name = format!("texts.{}.log", generation + 1);
                let new = TextLog::create(&self.dir, &new_name)?;
                let (new_end, places) = texts::copy_live(old, end, text_rows(&texts)?, &new)?;
                for (d, p) in &places {
                    texts.insert(*d, p.as_slice())?;
                }
                meta.insert(META_TEXTS_END, new_end.to_le_bytes().as_slice())?;
                meta.insert(META_TEXT_LOG, new_name.as_bytes())?;
                (places.len() as u64, end, new_end)
            };
            txn.commit()?;
            // Compacted: an old log that cannot be removed now goes at the next compaction.
            let _ = std::fs::remove_file(old.path());
            Ok(Compacted {
                documents,
                bytes_before,
                bytes_after,
            })
        })
    }

    /// Checks a whole store (slow on a large one): every page's checksum, then every
    /// document's metadata and text, every pair and every copy's place. Returns the number
    /// of documents checked.
    pub fn check(dir: &Path) -> Result<u64, IndexError> {
        read_manifest(dir)?;
        {
            let mut db = catch(|| Database::open(dir.join(DATABASE)).map_err(IndexError::from))?;
            match catch(|| db.check_integrity().map_err(IndexError::from))? {
                true => {}
                false => {
                    return Err(IndexError::Corrupted {
                        detail: "damaged pages were found (redb repaired what it could)".into(),
                    })
                }
            }
        }
        let index = Index::open(dir)?;
        catch(|| {
            let txn = index.db.begin_read()?;
            let docs = txn.open_table(DOCS)?;
            let texts = txn.open_table(TEXTS)?;
            let store = read_texts(index.log.as_ref(), &txn)?;
            let mut n = 0;
            for e in docs.iter()? {
                let (k, v) = e?;
                let d = k.value();
                let m = DocMeta::decode(v.value(), d)?;
                let t = texts.get(d)?.ok_or_else(|| IndexError::Corrupted {
                    detail: format!("the text of document {d} is missing"),
                })?;
                let text = store.read(t.value(), d)?;
                let mut fp = reprint_text::Fingerprint::default();
                index.components.shingler.fingerprint(&text, &mut fp);
                if fp.exact != m.exact {
                    return Err(IndexError::Corrupted {
                        detail: format!("document {d} does not match its text"),
                    });
                }
                n += 1;
            }
            // Export reads every pair and copy with its checks.
            let mut sink: Vec<Finding> = Vec::new();
            let _ = export::export(&index, &mut sink)?;
            Ok(n)
        })
    }
}

/// A filter of every bucket key in `bands`.
fn build_filter(bands: &[impl ReadableTable<(u32, u32), ()>]) -> Result<BandFilter, IndexError> {
    let mut n = 0;
    for t in bands {
        n += t.len()? as usize;
    }
    let mut f = BandFilter::with_capacity(n, bands.len());
    for (band, t) in bands.iter().enumerate() {
        for e in t.iter()? {
            f.insert(band_key(band, e?.0.value().0));
        }
    }
    Ok(f)
}

impl Drop for Index {
    /// Leaves a story checkpoint of every document, so the next open replays none
    /// (best effort: a failure here loses nothing, the next open replays instead).
    fn drop(&mut self) {
        let guard = self.stories.lock().unwrap_or_else(|p| p.into_inner());
        let Some(s) = guard.as_ref() else { return };
        if s.len()
            == self
                .stories_saved
                .load(std::sync::atomic::Ordering::Acquire)
        {
            return;
        }
        let _ = catch(|| {
            let txn = self.db.begin_write()?;
            {
                let mut meta = txn.open_table(META)?;
                save_stories(&mut meta, s)?;
            }
            txn.commit()?;
            Ok(())
        });
    }
}

/// The store's page cache unless a caller says otherwise (redb's own default).
const DEFAULT_CACHE_BYTES: usize = 1 << 30;

/// The fewest documents between two story checkpoints.
const STORY_CHECKPOINT_MIN: u32 = 256;

fn save_stories(
    meta: &mut Table<'_, &'static str, &'static [u8]>,
    s: &StoryStream,
) -> Result<(), IndexError> {
    meta.insert(
        META_STORIES,
        postcard::to_stdvec(s).expect("story state").as_slice(),
    )?;
    Ok(())
}

/// The story state: the last checkpoint, then every document added after it pushed again
/// in arrival order (the stream is deterministic, so this is the state the writer had).
/// Returns it with the number of documents the checkpoint held.
fn read_stories(
    db: &Database,
    log: Option<&TextLog>,
) -> Result<Option<(StoryStream, u32)>, IndexError> {
    let txn = db.begin_read()?;
    let meta = txn.open_table(META)?;
    let Some(v) = meta.get(META_STORIES)? else {
        return Ok(None);
    };
    let mut s: StoryStream =
        postcard::from_bytes(v.value()).map_err(|e| IndexError::Corrupted {
            detail: format!("story state: {e}"),
        })?;
    let saved = s.len();
    let docs = txn.open_table(DOCS)?;
    let texts = txn.open_table(TEXTS)?;
    let store = read_texts(log, &txn)?;
    for e in docs.range(saved..)? {
        let (k, v) = e?;
        let d = k.value();
        let m = DocMeta::decode(v.value(), d)?;
        let text = match texts.get(d)? {
            Some(t) => store.read(t.value(), d)?,
            None => {
                return Err(IndexError::Corrupted {
                    detail: format!("the text of document {d} is missing"),
                })
            }
        };
        let (a, _) = s.push_dated(&StoryDoc {
            text: &text,
            title: m.title.as_deref(),
            date: m.meta_date.as_deref(),
            mask: &[],
            embedding: None,
            id: None,
        });
        if a.doc != d || m.story.map(|x| x.0) != Some(a.story) {
            return Err(IndexError::Corrupted {
                detail: format!(
                    "the story state does not replay: document {d} came back as {} in story {}",
                    a.doc, a.story
                ),
            });
        }
    }
    Ok(Some((s, saved)))
}

/// The longest text the index takes (its compressed form's length is kept in 32 bits).
const MAX_TEXT_BYTES: usize = 4000 << 20;

/// Stores up to this size are checked page by page when opened.
const VERIFY_ON_OPEN_BYTES: u64 = 64 << 20;

/// A document's `document` record, its `pair` records and its `cluster` record.
fn duplicate_records(
    id: &str,
    d: u32,
    pairs: &[reprint_dedup::Pair],
    cluster: Option<&view::ClusterOf>,
    name: &mut impl FnMut(u32) -> Result<String, IndexError>,
    out: &mut Vec<Finding>,
) -> Result<(), IndexError> {
    out.push(Finding::Document(DocumentRecord {
        id: id.to_string(),
        cluster: cluster.map(|c| c.members[0]),
        keep: cluster.is_none_or(|c| c.representative == d),
        duplicate_of: match cluster {
            Some(c) if c.representative != d => Some(name(c.representative)?),
            _ => None,
        },
    }));
    for pr in pairs {
        let (a, b) = (name(pr.a)?, name(pr.b)?);
        out.push(Finding::Pair(findings::pair_record(pr, |x| {
            if x == pr.a {
                a.clone()
            } else {
                b.clone()
            }
        })));
    }
    if let Some(c) = cluster {
        let members: Vec<String> = c
            .members
            .iter()
            .map(|&m| name(m))
            .collect::<Result<_, _>>()?;
        out.push(Finding::Cluster(ClusterRecord {
            id: c.members[0],
            size: members.len() as u64,
            members,
            representative: name(c.representative)?,
        }));
    }
    Ok(())
}

/// A filter of every seed posted in `seeds`.
fn build_seed_filter(seeds: &impl ReadableTable<[u8; 12], ()>) -> Result<BandFilter, IndexError> {
    let mut f = BandFilter::with_capacity(seeds.len()? as usize, 1);
    for e in seeds.iter()? {
        f.insert(posting_seed(&e?.0.value()) as u64);
    }
    Ok(f)
}

/// Where the text log's committed texts end, as a transaction sees it (0 for a store of
/// format 1, which has no log; a format-2 store without the row is damaged: writing at 0
/// would overwrite live texts).
fn texts_end(
    meta: &impl ReadableTable<&'static str, &'static [u8]>,
    has_log: bool,
) -> Result<u64, IndexError> {
    let damaged = || IndexError::Corrupted {
        detail: "the end of the text log is damaged or missing".into(),
    };
    match meta.get(META_TEXTS_END)? {
        Some(v) => Ok(u64::from_le_bytes(
            v.value().try_into().map_err(|_| damaged())?,
        )),
        None if has_log => Err(damaged()),
        None => Ok(0),
    }
}

/// Every row of the `texts` table: document, stored value.
fn text_rows<'a>(
    t: &'a impl ReadableTable<u32, &'static [u8]>,
) -> Result<impl Iterator<Item = Result<(u32, Vec<u8>), IndexError>> + 'a, IndexError> {
    Ok(t.iter()?.map(|e| {
        e.map(|(k, v)| (k.value(), v.value().to_vec()))
            .map_err(Into::into)
    }))
}

/// The text log's file name in the store directory.
fn log_name(meta: &impl ReadableTable<&'static str, &'static [u8]>) -> Result<String, IndexError> {
    match meta.get(META_TEXT_LOG)? {
        Some(v) => {
            let name = std::str::from_utf8(v.value())
                .ok()
                .filter(|n| texts::log_generation(n).is_some());
            name.map(str::to_string)
                .ok_or_else(|| IndexError::Corrupted {
                    detail: "the name of the text log is damaged".into(),
                })
        }
        None => Ok(TEXT_LOG.to_string()),
    }
}

/// What [`Index::compact`] did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Compacted {
    /// Documents whose texts were copied.
    pub documents: u64,
    /// Bytes of the text log before (live texts, and those of removed or replaced
    /// documents).
    pub bytes_before: u64,
    /// Bytes of the text log after: the live texts only.
    pub bytes_after: u64,
}

/// How a read transaction reads texts.
fn read_texts<'a>(
    log: Option<&'a TextLog>,
    txn: &redb::ReadTransaction,
) -> Result<Texts<'a>, IndexError> {
    Ok(Texts::new(
        log,
        texts_end(&txn.open_table(META)?, log.is_some())?,
    ))
}

/// `(band << 32) | key`: one bucket.
fn band_key(band: usize, key: u32) -> u64 {
    ((band as u64) << 32) | key as u64
}

fn levels_of(cfg: &Config) -> Vec<String> {
    let mut v = vec!["dedup".to_string()];
    if cfg.reuse.is_some() {
        v.push("reuse".into());
    }
    if cfg.stories.is_some() {
        v.push("stories".into());
    }
    v
}

/// Refuses what the index does not keep, never dropping it: its stories have no embeddings
/// yet.
fn refuse_unkept(cfg: &Config) -> Result<(), IndexError> {
    let stories = cfg.stories.as_ref();
    for (field, given) in [
        ("model", stories.is_some_and(|s| s.model.is_some())),
        (
            "embedding_field",
            stories.is_some_and(|s| s.embedding_field.is_some()),
        ),
    ] {
        if given {
            return Err(IndexError::Config(reprint_engine::ConfigError {
                field,
                reason: "is not kept by an index yet (the one-call runs take it)".into(),
            }));
        }
    }
    Ok(())
}

fn config_of(s: &StoredSettings) -> Config {
    Config {
        dedup: s.dedup.clone(),
        reuse: s.reuse,
        stories: s.stories.clone().map(|config| StoriesSettings {
            config,
            stream: true,
            embedding_field: None,
            model: None,
        }),
        date_field: s.date_field.clone(),
        series_field: s.series_field.clone(),
        ..Config::default()
    }
}

/// Runs `f`, turning a panic inside the store (damaged pages) into an error.
fn catch<R>(f: impl FnOnce() -> Result<R, IndexError>) -> Result<R, IndexError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic in the store".into());
            Err(IndexError::Corrupted { detail: msg })
        }
    }
}
