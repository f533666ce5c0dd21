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

mod candidates;
mod error;
mod export;
mod filter;
mod maintain;
mod runs;
mod store;
mod texts;
mod view;
mod write;

use candidates::{band_key, build_filter, build_seed_filter, PendingBands};
pub use error::IndexError;
pub use maintain::Compacted;
use write::{duplicate_records, Tables};

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
    /// Bytes of the text log the live documents' texts take (format 2 on); the rest of
    /// `table_bytes["text_log"]` is removed and replaced documents' texts, which
    /// [`Index::compact`] reclaims.
    pub text_log_live: Option<u64>,
}

/// A persistent index. One writer at a time, any number of readers (methods take `&self`;
/// writes wait for each other).
pub struct Index {
    dir: PathBuf,
    db: Database,
    /// The text log (format 2 on); `None` for a format-1 store, whose texts are in `db`.
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
    /// A flush of this many bucket entries or more becomes a run (format 3; never in older
    /// formats).
    run_min: std::sync::atomic::AtomicUsize,
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
            run_min: std::sync::atomic::AtomicUsize::new(if format >= 3 {
                runs::RUN_MIN_ROWS
            } else {
                usize::MAX
            }),
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
        let list = runs::stored(&txn)?;
        let f = build_filter(&bands, &runs::open_read(&txn, &list)?, list.rows())?;
        *self.filter.lock().unwrap_or_else(|p| p.into_inner()) = Some(f);
        Ok(())
    }

    /// Writes a batch of `rows` bucket entries or more as a run (format 3 stores; tests
    /// make small runs with it).
    #[doc(hidden)]
    pub fn set_run_min(&self, rows: usize) {
        if self.run_min.load(std::sync::atomic::Ordering::Relaxed) != usize::MAX {
            self.run_min
                .store(rows.max(1), std::sync::atomic::Ordering::Relaxed);
        }
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
