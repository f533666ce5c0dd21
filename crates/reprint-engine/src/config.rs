//! One configuration for a whole run: what shapes fingerprints, which levels run, and how.
//! Every front end (the CLI, the index, the service, the Python package) takes its defaults
//! from [`Config::default`] and validates once with [`Config::validate`].

use reprint_dedup::{DedupConfig, KeepPolicy};
use reprint_reuse::ReuseConfig;
use reprint_sketch::{LshParams, SketchConfig, SketchKind, Sketcher};
use reprint_stories::StoriesConfig;
use reprint_text::{ShingleConfig, ShingleUnit, Shingler};
use serde::{Deserialize, Serialize};
use std::num::NonZeroUsize;
use std::path::PathBuf;

/// Most bands the default banding may use: 8 bytes per band per document keeps the
/// resident index under 200 bytes per document.
pub const MAX_BANDS: usize = 24;

/// Recall the derived banding must reach at the threshold (1 − this).
const LSH_MISS: f64 = 0.005;

/// The settings that shape fingerprints and duplicate findings. A persistent index stores
/// them at creation and refuses to be used with others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DedupSettings {
    /// Report pairs whose exact shingle Jaccard is at least this. Default 0.8.
    pub threshold: f64,
    /// Also report pairs where the smaller document lies at least this much inside the
    /// larger. Off by default.
    pub containment: Option<f64>,
    /// Which member of a cluster is kept.
    pub keep: KeepPolicy,
    /// Tokens per shingle. Default 5.
    pub shingle_size: usize,
    /// Word or character shingles.
    pub shingle_unit: ShingleUnit,
    /// Sketch slots. Default 128.
    pub slots: usize,
    /// One-permutation hashing (default) or classic MinHash.
    pub sketch: SketchKind,
    /// LSH `(bands, rows)`; `None` derives them from the threshold for recall.
    pub banding: Option<(usize, usize)>,
    /// LSH buckets larger than this are linked as chains. Default 200.
    pub max_bucket: usize,
    /// List every pair (see [`DedupConfig::all_pairs`]); off by default: exact copies as
    /// a star on the first copy, near pairs between first copies.
    #[serde(default)]
    pub all_pairs: bool,
}

impl DedupSettings {
    /// The deduper's settings these give.
    pub fn dedup_config(&self) -> DedupConfig {
        DedupConfig {
            threshold: self.threshold,
            containment: self.containment,
            keep: self.keep,
            max_bucket: self.max_bucket,
            all_pairs: self.all_pairs,
            ..Default::default()
        }
    }
}

impl Default for DedupSettings {
    fn default() -> Self {
        let d = DedupConfig::default();
        let s = ShingleConfig::default();
        let k = SketchConfig::default();
        DedupSettings {
            threshold: d.threshold,
            containment: d.containment,
            keep: d.keep,
            shingle_size: s.n,
            shingle_unit: s.unit,
            slots: k.slots,
            sketch: k.kind,
            banding: None,
            max_bucket: d.max_bucket,
            all_pairs: d.all_pairs,
        }
    }
}

/// How many threads the engine may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Threads {
    /// Every core, on rayon's global pool (the CLI).
    #[default]
    All,
    /// A pool of this many threads of the engine's own.
    Count(NonZeroUsize),
    /// No thread of ours at all: everything runs on the calling thread (a Spark or Ray
    /// task is one core).
    Caller,
}

impl Threads {
    /// Worker threads this setting stands for.
    pub fn count(self) -> usize {
        match self {
            Threads::All => rayon::current_num_threads(),
            Threads::Count(n) => n.get(),
            Threads::Caller => 1,
        }
    }
}

/// What to do with a bad record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// Stop the run with the record's file, line and reason.
    #[default]
    Fail,
    /// Skip it, count it, and tell the observer.
    Skip,
}

/// Stories settings and mode.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StoriesSettings {
    /// The clustering settings.
    pub config: StoriesConfig,
    /// Documents arrive in date order and each joins a story or starts one (first-story
    /// detection) instead of clustering the whole collection.
    pub stream: bool,
    /// Metadata field with a dense embedding per document.
    pub embedding_field: Option<String>,
    /// A static embedding model (model2vec or WordLlama files) that embeds every document's
    /// text; loaded from local files when the engine is built. Not with `embedding_field`.
    pub model: Option<std::path::PathBuf>,
}

/// Everything a run needs. Build it with [`Config::builder`] or fill the fields; then
/// [`Config::validate`] (the engine and the index call it).
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Duplicate detection (always runs: every level stands on its fingerprints).
    pub dedup: DedupSettings,
    /// Report duplicate records (documents, pairs, clusters).
    pub report_duplicates: bool,
    /// Reused passages, when set.
    pub reuse: Option<ReuseConfig>,
    /// Stories, when set.
    pub stories: Option<StoriesSettings>,
    /// Metadata field holding the document date (ISO 8601).
    pub date_field: String,
    /// Metadata field naming each document's series (outlet, newspaper): reused passages
    /// within one series are skipped with `reuse.skip_same_series`.
    pub series_field: Option<String>,
    /// Bad records stop the run or are skipped.
    pub on_error: OnError,
    /// Shingle sets kept for input that cannot be read twice spill to disk past this.
    pub memory_bytes: usize,
    /// Directory for spill files (default: the system temporary directory).
    pub spill_dir: Option<PathBuf>,
    /// Threads.
    pub threads: Threads,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            dedup: DedupSettings::default(),
            report_duplicates: true,
            reuse: None,
            stories: None,
            date_field: "date".to_string(),
            series_field: None,
            on_error: OnError::Fail,
            memory_bytes: 4096 << 20,
            spill_dir: None,
            threads: Threads::All,
        }
    }
}

/// A setting out of range: the field (as named in [`Config`]) and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field} {reason}")]
pub struct ConfigError {
    /// The field, e.g. `threshold` or `reuse.min_words`.
    pub field: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

fn bad(field: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        field,
        reason: reason.into(),
    }
}

/// The components a valid [`Config`] makes: what fingerprints a document (shingles, sketch,
/// band keys) and how pairs are decided. The batch engine and the index share them.
#[derive(Debug, Clone)]
pub struct Components {
    /// Shingles and the exact-duplicate hash.
    pub shingler: Shingler,
    /// The sketch.
    pub sketcher: Sketcher,
    /// LSH banding.
    pub lsh: LshParams,
    /// Pair decisions.
    pub dedup: DedupConfig,
}

impl Config {
    /// A builder starting from the defaults.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder(Config::default())
    }

    /// Checks every setting.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.derive().map(|_| ())
    }

    /// Validates and builds the components.
    pub fn components(&self) -> Result<Components, ConfigError> {
        self.derive()
    }

    /// The LSH banding these settings use (derived from the threshold unless given).
    pub fn lsh(&self) -> Result<LshParams, ConfigError> {
        let d = &self.dedup;
        match d.banding {
            Some((b, r)) => {
                LshParams::new(b, r, d.slots).map_err(|e| bad("banding", e.to_string()))
            }
            None => LshParams::for_threshold(d.threshold, d.slots, MAX_BANDS, LSH_MISS)
                .map_err(|e| bad("threshold", e.to_string())),
        }
    }

    pub(crate) fn derive(&self) -> Result<Components, ConfigError> {
        let d = &self.dedup;
        if !(d.threshold > 0.0 && d.threshold <= 1.0) {
            return Err(bad(
                "threshold",
                format!("must be in (0, 1], got {}", d.threshold),
            ));
        }
        if let Some(c) = d.containment {
            if !(c > 0.0 && c <= 1.0) {
                return Err(bad("containment", format!("must be in (0, 1], got {c}")));
            }
        }
        if d.max_bucket < 2 {
            return Err(bad("max_bucket", "must be at least 2"));
        }
        let shingler = Shingler::new(ShingleConfig {
            n: d.shingle_size,
            unit: d.shingle_unit,
        })
        .map_err(|e| bad("shingle_size", e.to_string()))?;
        let sketcher = Sketcher::new(SketchConfig {
            slots: d.slots,
            kind: d.sketch,
            ..Default::default()
        })
        .map_err(|e| bad("slots", e.to_string()))?;
        let lsh = self.lsh()?;
        if let Some(r) = &self.reuse {
            r.validate().map_err(|e| match e {
                reprint_reuse::ReuseError::InvalidConfig { field, reason } => ConfigError {
                    field: reuse_field(field),
                    reason,
                },
                other => bad("reuse", other.to_string()),
            })?;
        }
        if self.reuse.is_some_and(|r| r.skip_same_series) && self.series_field.is_none() {
            return Err(bad(
                "skip_same_series",
                "needs a series field (which metadata field names the series)",
            ));
        }
        if let Some(s) = &self.stories {
            s.config.validate().map_err(|e| {
                let reprint_stories::StoriesError::InvalidConfig { field, reason } = e;
                bad(field, reason)
            })?;
            if s.model.is_some() && s.embedding_field.is_some() {
                return Err(bad(
                    "model",
                    "an embedding field and a model are two sources of one feature: give one",
                ));
            }
        }
        if let Threads::Count(n) = self.threads {
            if n.get() > 4096 {
                return Err(bad("threads", "must be at most 4096"));
            }
        }
        Ok(Components {
            shingler,
            sketcher,
            lsh,
            dedup: d.dedup_config(),
        })
    }
}

fn reuse_field(field: &str) -> &'static str {
    match field {
        "seed_n" => "reuse.seed_n",
        "max_df" => "reuse.max_df",
        "min_shared_seeds" => "reuse.min_shared_seeds",
        "min_words" => "reuse.min_words",
        "min_identity" => "reuse.min_identity",
        "max_seed_repeats" => "reuse.max_seed_repeats",
        "passage_overlap" => "reuse.passage_overlap",
        "boilerplate_min_docs" => "reuse.boilerplate_min_docs",
        _ => "reuse",
    }
}

/// Builds a [`Config`] one setting at a time; [`ConfigBuilder::build`] validates.
///
/// ```
/// use reprint_engine::Config;
/// let cfg = Config::builder().threshold(0.7).reuse_default().build().unwrap();
/// assert_eq!(cfg.dedup.threshold, 0.7);
/// assert!(Config::builder().threshold(1.5).build().is_err());
/// ```
#[derive(Debug, Clone)]
pub struct ConfigBuilder(Config);

impl ConfigBuilder {
    /// Jaccard threshold for pairs.
    pub fn threshold(mut self, t: f64) -> Self {
        self.0.dedup.threshold = t;
        self
    }
    /// Containment threshold (also report contained pairs).
    pub fn containment(mut self, c: Option<f64>) -> Self {
        self.0.dedup.containment = c;
        self
    }
    /// Which cluster member is kept.
    pub fn keep(mut self, k: KeepPolicy) -> Self {
        self.0.dedup.keep = k;
        self
    }
    /// List every pair instead of stars on first copies (see [`DedupSettings::all_pairs`]).
    pub fn all_pairs(mut self, all: bool) -> Self {
        self.0.dedup.all_pairs = all;
        self
    }
    /// Tokens per shingle and their unit.
    pub fn shingles(mut self, n: usize, unit: ShingleUnit) -> Self {
        self.0.dedup.shingle_size = n;
        self.0.dedup.shingle_unit = unit;
        self
    }
    /// Every duplicate setting at once.
    pub fn dedup(mut self, d: DedupSettings) -> Self {
        self.0.dedup = d;
        self
    }
    /// Whether duplicate records are reported.
    pub fn report_duplicates(mut self, yes: bool) -> Self {
        self.0.report_duplicates = yes;
        self
    }
    /// Runs the reuse level with these settings.
    pub fn reuse(mut self, r: Option<ReuseConfig>) -> Self {
        self.0.reuse = r;
        self
    }
    /// Runs the reuse level with its defaults.
    pub fn reuse_default(self) -> Self {
        self.reuse(Some(ReuseConfig::default()))
    }
    /// Runs the stories level with these settings.
    pub fn stories(mut self, s: Option<StoriesSettings>) -> Self {
        self.0.stories = s;
        self
    }
    /// Metadata field of the series (reuse within a series can be skipped).
    pub fn series_field(mut self, f: Option<String>) -> Self {
        self.0.series_field = f;
        self
    }
    /// Metadata field of the date.
    pub fn date_field(mut self, f: impl Into<String>) -> Self {
        self.0.date_field = f.into();
        self
    }
    /// Bad records stop the run or are skipped.
    pub fn on_error(mut self, e: OnError) -> Self {
        self.0.on_error = e;
        self
    }
    /// Memory budget for kept shingle sets, and where they spill.
    pub fn memory(mut self, bytes: usize, spill_dir: Option<PathBuf>) -> Self {
        self.0.memory_bytes = bytes;
        self.0.spill_dir = spill_dir;
        self
    }
    /// Threads.
    pub fn threads(mut self, t: Threads) -> Self {
        self.0.threads = t;
        self
    }
    /// The configuration, validated.
    pub fn build(self) -> Result<Config, ConfigError> {
        self.0.validate()?;
        Ok(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_errors_name_the_field() {
        Config::default().validate().unwrap();
        let e = Config::builder().threshold(0.0).build().unwrap_err();
        assert_eq!(e.field, "threshold");
        let r = ReuseConfig {
            min_words: 1,
            ..ReuseConfig::default()
        };
        let e = Config::builder().reuse(Some(r)).build().unwrap_err();
        assert_eq!(e.field, "reuse.min_words");
        assert!(!e.to_string().contains("--"), "{e}");
    }
}
