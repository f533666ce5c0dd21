//! The reprint engine: the whole pipeline as a library.
//!
//! ```text
//! read → normalize/tokenize → fingerprint → candidates → verify → cluster → align passages → stories → write
//! ```
//!
//! A [`Config`] (validated once) makes an [`Engine`]; [`Engine::run`] takes a source of
//! records (any iterator of [`reprint_io::Record`]s, e.g. [`reprint_io::Inputs`]) and an
//! [`Observer`] for progress, and returns an [`Analysis`]. The analysis writes its findings,
//! as typed [`records`], into any [`Sink`]: a file writer, a vector, an HTTP response.
//! The CLI, the persistent index, the service and the Python package are thin edges over it.
//!
//! ```
//! use reprint_engine::{Config, Engine, Finding, Threads};
//! use reprint_io::{InputConfig, Location, Record};
//! let text = "the quick brown fox jumps over the lazy dog near the river bank today";
//! let rec = |id: &str, text: String| Ok(Record {
//!     id: id.into(), text, meta: Default::default(),
//!     loc: Location { file: "mem".into(), line: 1 }, raw: None, origin: None,
//! });
//! let records = vec![rec("a", text.to_string()), rec("b", format!("{text} again"))];
//! let cfg = Config::builder().threads(Threads::Caller).build().unwrap();
//! let engine = Engine::new(cfg).unwrap();
//! let analysis = engine.run(records.into_iter(), &InputConfig::default(), &()).unwrap();
//! let mut found: Vec<Finding> = Vec::new();
//! analysis.write_findings(&mut found, true).unwrap();
//! assert!(found.iter().any(|f| matches!(f, Finding::Pair(p) if p.a == "a" && p.b == "b")));
//! ```
#![deny(missing_docs)]

mod config;
pub mod findings;
mod memory;
mod pipeline;
pub mod records;
mod report;
mod stages;

pub use config::{
    Components, Config, ConfigBuilder, ConfigError, DedupSettings, OnError, StoriesSettings,
    Threads, MAX_BANDS,
};
pub use records::{Finding, Sink};

use pipeline::{Outcome, Settings};
use reprint_dedup::DedupResult;
use reprint_io::{InputConfig, ReadError, Record};
use reprint_reuse::ReuseResult;
use reprint_stories::dates::DocDate;
use reprint_stories::StoriesResult;
use serde_json::{json, Map, Value};
use std::time::Instant;

/// What the batch story level holds per document whatever the budget (news-like text: the
/// weighted features ~0.9 KB and graph edges ~0.6 KB while the graph is built; the edges and
/// the clustering's neighbour sums ~1.4 KB while it clusters): the memory budget sets it
/// aside before the texts and what the level may keep to save a reading (counts between
/// its readings, features through the clustering) share the rest.
const STORY_BYTES_PER_DOC: usize = 1536;

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A setting is out of range.
    #[error("invalid setting: {0}")]
    Config(#[from] ConfigError),
    /// Reading failed: a bad record (file, line, reason) or an unreadable input.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The spill file for shingle sets could not be written or read.
    #[error("cannot spill shingle sets to disk: {0}")]
    Spill(std::io::Error),
    /// Reuse detection refused its input.
    #[error("reuse detection failed: {0}")]
    Reuse(reprint_reuse::ReuseError),
    /// Story clustering refused its input.
    #[error("story clustering failed: {0}")]
    Stories(reprint_stories::StoriesError),
    /// The embedding model could not be loaded.
    #[error("cannot load the embedding model: {0}")]
    Model(reprint_embed::ModelError),
    /// The thread pool could not start.
    #[error("cannot start the thread pool: {0}")]
    Threads(String),
}

/// Watches a run: progress, phases, skipped records. Every method has a do-nothing default;
/// `()` observes nothing.
pub trait Observer: Sync {
    /// Documents and text bytes read so far.
    fn progress(&self, _documents: u64, _bytes: u64) {}
    /// A later phase starts (after the first pass), named for a progress line.
    fn phase(&self, _name: &str) {}
    /// A bad record was skipped (with [`OnError::Skip`]).
    fn skipped(&self, _error: &ReadError) {}
    /// Something the user should know about the run that is not an error (e.g. the memory
    /// budget is too small for the documents' own records).
    fn note(&self, _message: &str) {}
}

impl Observer for () {}

/// Texts a caller holds in memory for the whole run (Arrow columns, a Python list), found by
/// a record's place. Verification takes a candidate's text from here instead of keeping
/// every document's shingle set: memory for sets drops to nothing, as for a file that can
/// be read again.
pub trait TextSource: Sync {
    /// The text of the record read at `loc`, if the caller holds it (the same text the
    /// record carried).
    fn text(&self, loc: &reprint_io::Location) -> Option<&str>;
}

/// A validated configuration, ready to run.
pub struct Engine {
    cfg: Config,
    settings: Settings,
    pool: Option<rayon::ThreadPool>,
}

impl Engine {
    /// Validates `cfg` and prepares its components.
    pub fn new(cfg: Config) -> Result<Engine, EngineError> {
        let d = cfg.derive()?;
        let pool = match cfg.threads {
            Threads::Count(n) => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n.get())
                    .build()
                    .map_err(|e| EngineError::Threads(e.to_string()))?,
            ),
            _ => None,
        };
        let keep_texts = cfg.reuse.is_some() || cfg.stories.is_some();
        let settings = Settings {
            shingler: d.shingler,
            sketcher: d.sketcher,
            lsh: d.lsh,
            dedup: d.dedup,
            date_field: cfg.date_field.clone(),
            skip_bad: cfg.on_error == OnError::Skip,
            memory_bytes: cfg.memory_bytes,
            spill_dir: cfg.spill_dir.clone(),
            input: InputConfig::default(),
            keep_texts,
            embedding_field: cfg.stories.as_ref().and_then(|s| s.embedding_field.clone()),
            series_field: cfg.reuse.and(cfg.series_field.clone()),
            model: match cfg.stories.as_ref().and_then(|s| s.model.as_deref()) {
                Some(p) => Some(std::sync::Arc::new(
                    reprint_embed::StaticModel::load(p).map_err(EngineError::Model)?,
                )),
                None => None,
            },
        };
        Ok(Engine {
            cfg,
            settings,
            pool,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Worker threads a run uses.
    pub fn threads(&self) -> usize {
        match &self.pool {
            Some(p) => p.current_num_threads(),
            None => self.cfg.threads.count(),
        }
    }

    /// `base` adjusted to what this engine reads: only the metadata some stage needs, and
    /// JSON lines parsed on the workers when there are several. Open inputs with it.
    pub fn input_config(&self, base: &InputConfig) -> InputConfig {
        let mut meta = vec![self.cfg.date_field.clone(), "title".to_string()];
        meta.extend(self.settings.embedding_field.clone());
        meta.extend(self.settings.series_field.clone());
        InputConfig {
            defer_json: self.threads() > 1,
            meta_fields: Some(meta),
            ..base.clone()
        }
    }

    /// Runs `f` on the engine's threads.
    pub fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        match (&self.pool, self.cfg.threads) {
            (Some(p), _) => p.install(f),
            (None, Threads::Caller) => caller_pool(f),
            _ => f(),
        }
    }

    /// Runs every configured level over `records`, read with `input` (as given by
    /// [`Engine::input_config`]).
    pub fn run(
        &self,
        records: impl Iterator<Item = Result<Record, ReadError>> + Send,
        input: &InputConfig,
        observer: &dyn Observer,
    ) -> Result<Analysis, EngineError> {
        self.install(|| self.run_here(records, input, observer, None))
    }

    /// [`Engine::run`] over records whose texts the caller also holds in `texts` for the
    /// whole run: no shingle set is kept for them.
    pub fn run_with_texts(
        &self,
        records: impl Iterator<Item = Result<Record, ReadError>> + Send,
        input: &InputConfig,
        observer: &dyn Observer,
        texts: &dyn TextSource,
    ) -> Result<Analysis, EngineError> {
        self.install(|| self.run_here(records, input, observer, Some(texts)))
    }

    /// The reuse stage's seed index may hold a quarter of the memory budget (at least 1
    /// MiB) before it spills to the spill directory.
    fn reuse_limits(&self) -> reprint_reuse::ReuseLimits {
        reprint_reuse::ReuseLimits {
            index_bytes: (self.cfg.memory_bytes / 4).max(1 << 20),
            spill_dir: self.cfg.spill_dir.clone(),
        }
    }

    fn run_here(
        &self,
        records: impl Iterator<Item = Result<Record, ReadError>> + Send,
        input: &InputConfig,
        observer: &dyn Observer,
        texts: Option<&dyn TextSource>,
    ) -> Result<Analysis, EngineError> {
        let mut settings = self.settings.clone();
        settings.input = input.clone();
        let threads = self.threads();
        let mut outcome = pipeline::run(records, &settings, threads, observer, texts)?;
        if settings.keep_texts {
            // Reading and verification are over: the later stages start from what they keep.
            memory::give_back_freed();
        }
        let t = Instant::now();
        let dates = if settings.keep_texts {
            stages::dates(&outcome.docs, &outcome.texts)
        } else {
            Vec::new()
        };
        let days: Vec<Option<i64>> = dates.iter().map(|d| d.as_ref().map(|d| d.days)).collect();
        let reuse = match &self.cfg.reuse {
            Some(cfg) => {
                observer.phase("aligning reused passages");
                Some(stages::reuse(
                    &outcome.docs,
                    &outcome.texts,
                    &days,
                    cfg,
                    &self.reuse_limits(),
                )?)
            }
            None => None,
        };
        let seconds_reuse = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let stories = match &self.cfg.stories {
            Some(s) => {
                observer.phase("grouping documents into stories");
                // The budget sets the story level's features aside first; the texts held in
                // memory and the counts kept between the two readings share what is left.
                let room = self.cfg.memory_bytes.saturating_sub(
                    (outcome.held_bytes as usize)
                        .saturating_add(outcome.docs.len() * STORY_BYTES_PER_DOC),
                );
                if !s.stream {
                    outcome
                        .texts
                        .set_budget(room / 2)
                        .map_err(EngineError::Spill)?;
                }
                memory::give_back_freed();
                Some(stages::stories(
                    &outcome.docs,
                    &outcome.texts,
                    &dates,
                    reuse.as_ref(),
                    &outcome.result,
                    s,
                    room / 2,
                )?)
            }
            None => None,
        };
        Ok(Analysis {
            cfg: self.cfg.clone(),
            lsh: settings.lsh,
            threads,
            outcome,
            dates,
            days,
            reuse,
            stories,
            seconds_reuse,
            seconds_stories: t.elapsed().as_secs_f64(),
        })
    }
}

/// What the summary and the report say when no document has a date.
pub const UNDATED_STORIES: &str = "no document has a date: stories are grouped without time \
and may be broader than single events (give dates with --date-field, a `date` header line or a dateline)";

/// Runs `f` on the calling thread as the only worker of a one-thread pool: parallel
/// iterators inside run sequentially, and no thread is spawned.
fn caller_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    thread_local! {
        static POOL: Option<rayon::ThreadPool> = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .use_current_thread()
            .build()
            .ok();
    }
    if rayon::current_thread_index().is_some() {
        // Already on a pool's thread (e.g. the caller's own): stay there.
        return f();
    }
    POOL.with(|p| match p {
        Some(p) => p.install(f),
        None => f(),
    })
}

/// The keep decisions of an [`Analysis`], met again record by record in input order.
pub struct KeepByPlace<'a> {
    a: &'a Analysis,
    next: usize,
}

impl reprint_io::KeepDecider for KeepByPlace<'_> {
    fn keep(&mut self, file: &str, line: u64, id: Option<&str>) -> Result<bool, ReadError> {
        let docs = &self.a.outcome.docs;
        let Some(d) = docs.get(self.next) else {
            return Ok(false);
        };
        if &*d.loc.file != file || d.loc.line != line {
            // A record the first read did not accept (skipped): not kept.
            return Ok(false);
        }
        if id.is_some_and(|id| id != d.id) {
            return Err(reprint_io::reread::changed(
                file,
                line,
                "the record is not the one read before",
            ));
        }
        self.next += 1;
        Ok(self.a.keep(self.next - 1))
    }

    fn finish(&mut self) -> Result<(), ReadError> {
        match self.a.outcome.docs.get(self.next) {
            None => Ok(()),
            Some(d) => Err(reprint_io::reread::changed(
                &d.loc.file,
                d.loc.line,
                "this record was not found again",
            )),
        }
    }
}

/// Everything a run found.
pub struct Analysis {
    cfg: Config,
    lsh: reprint_sketch::LshParams,
    threads: usize,
    outcome: Outcome,
    dates: Vec<Option<DocDate>>,
    days: Vec<Option<i64>>,
    reuse: Option<ReuseResult>,
    stories: Option<StoriesResult>,
    seconds_reuse: f64,
    seconds_stories: f64,
}

impl Analysis {
    /// Documents accepted, in input order.
    pub fn len(&self) -> usize {
        self.outcome.docs.len()
    }

    /// Whether no document was accepted.
    pub fn is_empty(&self) -> bool {
        self.outcome.docs.is_empty()
    }

    /// The id of document `i` (input order).
    pub fn id(&self, i: usize) -> &str {
        &self.outcome.docs[i].id
    }

    /// Whether document `i` is kept.
    pub fn keep(&self, i: usize) -> bool {
        self.outcome.result.keep(i as u32)
    }

    /// The keep decisions for writing the kept corpus: each record read again is found by
    /// its place (file and line or row) and checked by its id.
    pub fn keep_decider(&self) -> KeepByPlace<'_> {
        KeepByPlace { a: self, next: 0 }
    }

    /// The duplicate level's result.
    pub fn duplicates(&self) -> &DedupResult {
        &self.outcome.result
    }

    /// The reuse level's result, when it ran.
    pub fn reuse(&self) -> Option<&ReuseResult> {
        self.reuse.as_ref()
    }

    /// The stories level's result, when it ran.
    pub fn stories(&self) -> Option<&StoriesResult> {
        self.stories.as_ref()
    }

    /// Bad records skipped.
    pub fn skipped(&self) -> u64 {
        self.outcome.skipped
    }

    /// Text bytes read.
    pub fn bytes(&self) -> u64 {
        self.outcome.bytes
    }

    fn id_of(&self) -> impl Fn(u32) -> String + '_ {
        |d| self.outcome.docs[d as usize].id.clone()
    }

    fn text_of<'a>(&'a self) -> impl Fn(u32) -> std::borrow::Cow<'a, str> + 'a {
        |d| self.outcome.texts.get(d as usize)
    }

    /// Writes every finding (not the summary) into `sink`, level by level: documents (when
    /// `documents`), pairs and clusters; alignments and passages; stories and assignments.
    pub fn write_findings<S: Sink>(&self, sink: &mut S, documents: bool) -> Result<(), S::Error> {
        let id = self.id_of();
        let text = self.text_of();
        let r = &self.outcome.result;
        if self.cfg.report_duplicates {
            if documents {
                for (i, doc) in self.outcome.docs.iter().enumerate() {
                    sink.write(&Finding::Document(records::DocumentRecord {
                        id: doc.id.clone(),
                        cluster: r.cluster_of[i],
                        keep: r.keep(i as u32),
                        duplicate_of: r.duplicate_of(i as u32).map(&id),
                    }))?;
                }
            }
            for p in &r.pairs {
                sink.write(&Finding::Pair(findings::pair_record(p, &id)))?;
            }
            for (i, c) in r.clusters.iter().enumerate() {
                sink.write(&Finding::Cluster(findings::cluster_record(
                    i as u32, c, &id,
                )))?;
            }
        }
        if let Some(ru) = &self.reuse {
            for a in &ru.alignments {
                sink.write(&Finding::Alignment(findings::alignment_record(
                    a, &id, &text,
                )))?;
            }
            for p in &ru.passages {
                sink.write(&Finding::Passage(findings::passage_record(p, &id, &text)))?;
            }
        }
        if let Some(st) = &self.stories {
            for s in &st.stories {
                sink.write(&Finding::Story(findings::story_record(s, &id, |m| {
                    self.outcome.docs[m as usize].title().map(str::to_string)
                })))?;
            }
            for a in &st.assignments {
                let date = self.dates[a.doc as usize].as_ref();
                sink.write(&Finding::StoryAssignment(findings::assignment_record(
                    a, date, &id,
                )))?;
            }
        }
        Ok(())
    }

    /// Whether every text the findings and the report read back from the spill file came
    /// back whole; call it before committing what they were written to.
    pub fn texts_read_back(&self) -> Result<(), EngineError> {
        self.outcome.texts.check()
    }

    /// Counts, settings and timings of the run, as the `summary` record's fields.
    pub fn summary(&self) -> Map<String, Value> {
        let out = &self.outcome;
        let r = &out.result;
        let s = &r.stats;
        let d = &self.cfg.dedup;
        let n = out.docs.len().max(1) as f64;
        let dropped = r.dropped();
        let near = r.pairs.iter().filter(|p| !p.exact).count();
        let round3 = |x: f64| (x * 1000.0).round() / 1000.0;
        let v = json!({
            "documents": s.documents,
            "bytes": out.bytes,
            "skipped_records": out.skipped,
            "empty_documents": s.empty,
            "exact_duplicates": s.exact_copies,
            "near_duplicate_pairs": near,
            "pairs": r.pairs.len(),
            "clusters": r.clusters.len(),
            "kept": out.docs.len() - dropped,
            "dropped": dropped,
            "candidates": { "lsh": s.lsh_candidates, "containment": s.containment_candidates, "verified": s.verified, "oversized_buckets": s.oversized_buckets },
            "index_bytes": s.index_bytes,
            "index_bytes_per_document": (s.index_bytes as f64 / n).round(),
            "shingle_sets_spilled_to_disk": out.arena_spilled,
            "memory": {
                "budget_bytes": self.cfg.memory_bytes,
                "held_for_documents_bytes": out.held_bytes,
                "over_budget": out.held_bytes > self.cfg.memory_bytes as u64,
                "verify_blocks": out.verify_blocks,
                "texts_spilled_bytes": out.texts.spilled_bytes(),
            },
            "verified_sets": { "reread": out.sets.reread, "stored": out.sets.stored, "from_kept_text": out.sets.from_text, "fetches": out.sets.fetches },
            "threshold": d.threshold,
            "containment": d.containment,
            "shingles": format!("{} {}-grams", match d.shingle_unit { reprint_text::ShingleUnit::Word => "word", reprint_text::ShingleUnit::Char => "char" }, d.shingle_size),
            "sketch": { "kind": match d.sketch { reprint_sketch::SketchKind::OnePermutation => "one-permutation", reprint_sketch::SketchKind::MinHash => "minhash" }, "slots": d.slots },
            "lsh": { "bands": self.lsh.bands, "rows": self.lsh.rows, "recall_at_threshold": (self.lsh.probability(d.threshold) * 1e4).round() / 1e4 },
            "threads": self.threads,
            "reuse": self.reuse.as_ref().map(|r| {
                let mut v = json!({
                    "alignments": r.alignments.len(),
                    "passages": r.passages.len(),
                    "boilerplate_passages": r.passages.iter().filter(|p| p.boilerplate).count(),
                    "candidate_pairs": r.stats.candidates.candidate_pairs,
                    "aligned_pairs": r.stats.aligned_pairs,
                    "alignment_steps": r.stats.alignment_steps,
                    "seed_index": {
                        "seeds_hashed": r.stats.candidates.seed_hashes,
                        "entries": r.stats.candidates.seeds,
                        "partitions": r.stats.candidates.partitions,
                        "spilled_bytes": r.stats.candidates.spilled_entries * 8,
                    },
                });
                if self.cfg.reuse.is_some_and(|c| c.skip_same_series) {
                    v["same_series_pairs_skipped"] = json!(r.stats.same_series_pairs_skipped);
                }
                v
            }),
            "stories": self.stories.as_ref().map(|r| {
                let dated = self.dates.iter().filter(|d| d.is_some()).count();
                let mut v = json!({
                    "stories": r.stories.len(),
                    "largest": r.stories.iter().map(|s| s.members.len()).max().unwrap_or(0),
                    "mode": if self.cfg.stories.as_ref().is_some_and(|s| s.stream) { "stream" } else { "batch" },
                    "dated_documents": dated,
                });
                if dated == 0 && !r.assignments.is_empty() {
                    v["note"] = json!(UNDATED_STORIES);
                }
                let settings = self.cfg.stories.as_ref();
                let source = settings.and_then(|s| match (&s.model, &s.embedding_field) {
                    (Some(m), _) => Some(format!("model {}", m.display())),
                    (None, Some(f)) => Some(format!("field {f}")),
                    (None, None) => None,
                });
                if let Some(source) = source {
                    let embedded = out.docs.iter().filter(|d| d.embedding().is_some()).count();
                    v["embeddings"] = json!({ "source": source, "documents": embedded });
                }
                v
            }),
            "seconds": {
                "read_and_fingerprint": round3(out.seconds_fingerprint),
                "candidates_verify_cluster": round3(out.seconds_dedup),
                "candidates_verify_cluster_parts": {
                    "candidates": round3(out.seconds_dedup_parts[0]),
                    "candidate_sets": round3(out.seconds_dedup_parts[1]),
                    "verify_cluster": round3(out.seconds_dedup_parts[2]),
                },
                "reuse": self.reuse.as_ref().map(|_| round3(self.seconds_reuse)),
                "reuse_parts": self.reuse.as_ref().map(|r| json!({
                    "tokens": round3(r.stats.seconds.tokens),
                    "candidates": round3(r.stats.seconds.candidates),
                    "align": round3(r.stats.seconds.align),
                    "passages": round3(r.stats.seconds.passages),
                })),
                "stories": self.stories.as_ref().map(|_| round3(self.seconds_stories)),
            },
        });
        match v {
            Value::Object(m) => m,
            _ => unreachable!("a JSON object"),
        }
    }

    /// The HTML report's data for this run.
    pub fn report(&self, title: String) -> reprint_report::ReportData {
        report::build(
            title,
            &self.outcome,
            &self.days,
            self.reuse.as_ref(),
            self.stories.as_ref(),
        )
    }
}
