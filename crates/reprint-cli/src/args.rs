//! Command-line arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};
use reprint_engine::Config;
use reprint_reuse::ReuseConfig;
use reprint_stories::StoriesConfig;
use std::path::PathBuf;

// Every default comes from the engine's `Config::default()`, never restated here.
fn dflt() -> Config {
    Config::default()
}
fn reuse_dflt() -> ReuseConfig {
    ReuseConfig::default()
}
fn stories_dflt() -> StoriesConfig {
    StoriesConfig::default()
}

#[derive(Parser, Debug)]
#[command(
    name = "reprint",
    version,
    about = "Find the ways a text collection repeats itself: duplicate documents, reused passages and stories, each with its scores",
    after_help = "Examples:\n  reprint analyze                         # the bundled example (five news texts)\n  reprint analyze articles.jsonl --report articles.html\n  reprint reuse docs/ --boilerplate-docs 20\n  reprint stories articles.jsonl --stream\n  reprint dedup corpus.jsonl.zst > findings.jsonl\n  reprint dedup docs/ --threshold 0.7 --containment 0.9\n  reprint dedup data.parquet --text-field body --write-kept clean.parquet"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Exact and near-duplicate documents: pairs with scores, clusters, keep/drop per document.
    #[command(
        after_help = "Examples:\n  reprint dedup corpus.jsonl > findings.jsonl\n  reprint dedup a.jsonl.gz b.jsonl.gz --threshold 0.7 --keep longest\n  reprint dedup docs/ --containment 0.9 --format parquet --output findings.parquet\n  zcat corpus.jsonl.gz | reprint dedup - --no-documents > pairs.jsonl\n  reprint dedup corpus.jsonl --write-kept clean.jsonl"
    )]
    Dedup(DedupArgs),
    /// Reused passages: text shared by otherwise different documents, with byte offsets in
    /// both, grouped into passages, boilerplate flagged, earliest source named.
    #[command(
        after_help = "Examples:\n  reprint reuse examples/news\n  reprint reuse corpus.jsonl --min-words 30 --boilerplate-docs 20 > reuse.jsonl"
    )]
    Reuse(ReuseArgs),
    /// Stories: documents about the same event, across wording and outlets, as a timeline.
    #[command(
        after_help = "Examples:\n  reprint stories examples/news\n  reprint stories articles.jsonl --date-field published --join-threshold 0.45"
    )]
    Stories(StoriesArgs),
    /// The main job: every level reprint has, on INPUTs or on the bundled example.
    #[command(
        after_help = "Examples:\n  reprint analyze                 # runs on the bundled examples/news (five seed texts)\n  reprint analyze corpus.jsonl"
    )]
    Analyze(AnalyzeArgs),
    /// A persistent index that grows: add documents as they arrive and get each one's
    /// findings against everything indexed before; query, remove, export.
    #[command(
        subcommand,
        after_help = "Examples:\n  reprint index create news.idx\n  reprint index add news.idx today.jsonl > findings.jsonl\n  reprint index query news.idx draft.txt\n  reprint index remove news.idx 2024-05-01-0042\n  reprint index stats news.idx\n  reprint index export news.idx -o all.jsonl"
    )]
    Index(IndexCommand),
    /// The index as an HTTP service: POST documents as they arrive and get each one's
    /// findings once it is durable; a live page at `/`; the API at `/openapi.json`.
    #[command(
        after_help = "Examples:\n  reprint serve --store news.idx --create --token-file token.txt\n  REPRINT_TOKEN=s3cret reprint serve --store news.idx --listen 127.0.0.1:8080\n  curl -H 'Authorization: Bearer s3cret' -H 'Content-Type: application/json' \\\n       -d '{\"id\":\"a1\",\"text\":\"...\"}' http://127.0.0.1:7878/v1/documents"
    )]
    Serve(ServeArgs),
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The index directory.
    #[arg(long)]
    pub store: PathBuf,
    /// Create the index if the directory is new or empty (with the settings below);
    /// an existing index must have these settings.
    #[arg(long)]
    pub create: bool,
    #[command(flatten)]
    pub settings: CreateOptions,
    /// Address to listen on; port 0 picks a free one (printed at start).
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub listen: std::net::SocketAddr,
    /// File holding the bearer token writes need (else the REPRINT_TOKEN variable;
    /// with neither, the server is read-only).
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// Reads need the token too.
    #[arg(long)]
    pub auth_reads: bool,
    /// Largest request body, in MiB.
    #[arg(long, default_value_t = 32)]
    pub max_body_mib: usize,
    /// Most documents in one request.
    #[arg(long, default_value_t = 10_000)]
    pub max_batch: usize,
    /// Seconds a request may take before it is answered 408.
    #[arg(long, default_value_t = 60)]
    pub timeout_secs: u64,
    /// Most documents the page at `/` shows (the latest).
    #[arg(long, default_value_t = 2_000)]
    pub page_documents: usize,
    /// The store's page cache, in MiB: with the server's own state, what its memory grows to.
    #[arg(long, default_value_t = 256)]
    pub cache_mib: usize,
}

#[derive(Subcommand, Debug)]
pub enum IndexCommand {
    /// Creates an index in a new directory; the settings given here are fixed for its life.
    Create(IndexCreateArgs),
    /// Adds documents; prints each one's findings (JSONL), then a `committed` record after
    /// each batch once it is durable.
    Add(IndexAddArgs),
    /// Prints the findings documents would get; the index is not changed.
    Query(IndexAddArgs),
    /// Removes documents by id (their pairs, passage postings and story membership go).
    Remove(IndexRemoveArgs),
    /// One JSON object: documents, levels, settings, bytes on disk.
    Stats(IndexStoreArgs),
    /// Every finding of the indexed collection: the records `analyze` writes for it.
    Export(IndexExportArgs),
    /// One document and its findings against the rest.
    Get(IndexGetArgs),
    /// Checks the whole store: every page, document, text and pair (slow on a large index).
    Check(IndexStoreArgs),
    /// Rewrites the text log with the live texts only (removed and replaced documents'
    /// texts stay in it until then); prints the bytes before and after.
    Compact(IndexStoreArgs),
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Dedup,
    Reuse,
    Stories,
}

#[derive(Args, Debug)]
pub struct IndexCreateArgs {
    /// The index directory (new or empty).
    pub store: PathBuf,
    #[command(flatten)]
    pub create: CreateOptions,
}

/// The settings an index is created with (fixed for its life).
#[derive(Args, Debug)]
pub struct CreateOptions {
    /// Levels to keep: duplicates always; reuse and stories cost space and time on top.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Level::Dedup, Level::Reuse, Level::Stories])]
    pub levels: Vec<Level>,
    /// Metadata field holding the document date (ISO 8601).
    #[arg(long, default_value_t = dflt().date_field)]
    pub date_field: String,
    #[command(flatten)]
    pub dedup: DedupOptions,
    #[command(flatten)]
    pub reuse: ReuseOptions,
    #[command(flatten)]
    pub stories: StoriesOptions,
}

/// Settings a later call may state; they must be the index's own.
#[derive(Args, Debug, Clone)]
pub struct IndexShape {
    /// Must equal the index's threshold (a check, not a change).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Must equal the index's shingle size.
    #[arg(long)]
    pub shingle_size: Option<usize>,
    /// Must equal the index's shingle unit.
    #[arg(long, value_enum)]
    pub shingle_unit: Option<Unit>,
    /// Must equal the index's sketch slots.
    #[arg(long)]
    pub slots: Option<usize>,
    /// Must equal the index's keep policy.
    #[arg(long, value_enum)]
    pub keep: Option<Keep>,
}

#[derive(Args, Debug)]
pub struct IndexAddArgs {
    /// The index directory.
    pub store: PathBuf,
    /// Inputs as for `analyze` (files, directories, `-`).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub shape: IndexShape,
    /// Documents per transaction: each batch is durable once its `committed` record is
    /// printed. Larger batches write each touched page of the bucket tables once for more
    /// documents (one core, 200k generated documents: 6,100 docs/s at 1,000, 15,700 at
    /// 10,000, 16,500 at 30,000); smaller ones commit sooner and hold less in memory.
    #[arg(long, default_value_t = 10_000)]
    pub batch: usize,
    /// Replace documents whose id is already indexed (else that is an error).
    #[arg(long)]
    pub replace: bool,
    /// Write findings here instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// No progress bar or closing line on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct IndexRemoveArgs {
    /// The index directory.
    pub store: PathBuf,
    /// Ids to remove.
    pub ids: Vec<String>,
    /// A file with one id per line.
    #[arg(long)]
    pub ids_file: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct IndexStoreArgs {
    /// The index directory.
    pub store: PathBuf,
}

#[derive(Args, Debug)]
pub struct IndexGetArgs {
    /// The index directory.
    pub store: PathBuf,
    /// The document's id.
    pub id: String,
}

#[derive(Args, Debug)]
pub struct IndexExportArgs {
    /// The index directory.
    pub store: PathBuf,
    /// Write findings here instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Output format; csv and parquet write one table per record type next to --output.
    #[arg(long, value_enum, default_value_t = OutFormat::Jsonl)]
    pub format: OutFormat,
}

#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Input format (auto: by file name; directories are trees of .txt files; `-` is JSONL).
    #[arg(long, value_enum, default_value_t = Format::Auto)]
    pub input_format: Format,
    /// JSONL field / CSV or Parquet column holding the document id.
    #[arg(long, default_value = "id")]
    pub id_field: String,
    /// JSONL field / CSV or Parquet column holding the text.
    #[arg(long, default_value = "text")]
    pub text_field: String,
    /// Metadata field holding the document date (ISO 8601), used by --keep earliest
    /// [default: date; `index add` and `query`: the field the index was created with].
    #[arg(long)]
    pub date_field: Option<String>,
    /// What to do with a bad record (invalid JSON, not UTF-8, missing text): stop, or skip
    /// it with a warning and count it.
    #[arg(long, value_enum, default_value_t = OnError::Fail)]
    pub on_error: OnError,
    /// Records larger than this many MiB are bad records.
    #[arg(long, default_value_t = 256)]
    pub max_record_mib: usize,
}

#[derive(Args, Debug, Clone)]
pub struct DedupOptions {
    /// Report pairs whose exact word-shingle Jaccard is at least this.
    #[arg(long, default_value_t = dflt().dedup.threshold)]
    pub threshold: f64,
    /// Also report pairs where the smaller document lies at least this much inside the
    /// larger (share of its shingles), e.g. 0.9; such pairs join clusters too.
    #[arg(long)]
    pub containment: Option<f64>,
    /// Which member of a cluster is kept.
    #[arg(long, value_enum, default_value_t = Keep::First)]
    pub keep: Keep,
    /// Tokens per shingle.
    #[arg(long, default_value_t = dflt().dedup.shingle_size)]
    pub shingle_size: usize,
    /// Shingle unit: word n-grams, or character n-grams of the normalized text.
    #[arg(long, value_enum, default_value_t = Unit::Word)]
    pub shingle_unit: Unit,
    /// Sketch slots (permutations).
    #[arg(long, default_value_t = dflt().dedup.slots)]
    pub slots: usize,
    /// Sketch: one-permutation hashing (fast) or classic MinHash (reference).
    #[arg(long, value_enum, default_value_t = Sketch::Oph)]
    pub sketch: Sketch,
    /// LSH bands (default: derived from --threshold, tuned for recall).
    #[arg(long, requires = "rows")]
    pub bands: Option<usize>,
    /// LSH rows per band (with --bands).
    #[arg(long, requires = "bands")]
    pub rows: Option<usize>,
    /// LSH buckets larger than this are linked as chains, not all pairs.
    #[arg(long, default_value_t = dflt().dedup.max_bucket)]
    pub max_bucket: usize,
    /// List every duplicate pair: all pairs of a group of exact copies (up to
    /// --max-bucket copies) and each near pair repeated for every copy of its documents.
    /// By default a group of exact copies is one star on its first copy and a near pair is
    /// listed once, between first copies: the same clusters, output linear in the input.
    #[arg(long)]
    pub all_pairs: bool,
    #[command(flatten)]
    pub memory: MemoryArgs,
}

/// How much memory a run may hold before it spills to disk.
#[derive(Args, Debug, Clone)]
pub struct MemoryArgs {
    /// Memory budget in MiB. Input that cannot be read twice (compressed, stdin, CSV,
    /// Parquet) keeps its shingle sets for verification and spills them past this budget
    /// (plain files keep none: candidates are read again); the reuse stage's seed index
    /// holds at most a quarter of it and spills the rest.
    #[arg(long, default_value_t = dflt().memory_bytes >> 20)]
    pub memory_mib: usize,
    /// Directory for spill files (default: the system temporary directory).
    #[arg(long)]
    pub spill_dir: Option<PathBuf>,
}

impl DedupOptions {
    /// The defaults, as if no dedup flag were given.
    pub fn defaults() -> DedupOptions {
        #[derive(Parser)]
        struct Wrap {
            #[command(flatten)]
            d: DedupOptions,
        }
        Wrap::parse_from(["reprint"]).d
    }
}

#[derive(Args, Debug, Clone)]
pub struct OutputArgs {
    /// Write findings here instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Output format; csv and parquet write one table per record type next to --output.
    #[arg(long, value_enum, default_value_t = OutFormat::Jsonl)]
    pub format: OutFormat,
    /// Write the deduplicated corpus (kept documents only) here, in the input's format.
    #[arg(long)]
    pub write_kept: Option<PathBuf>,
    /// Leave out the per-document records (pairs, clusters and the summary remain).
    #[arg(long)]
    pub no_documents: bool,
    /// Worker threads (default: all cores). Results are the same for any count.
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    /// No progress bar or summary on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct DedupArgs {
    /// Files or directories (`-` for standard input). Formats: .txt trees, JSONL, CSV,
    /// Parquet; .gz and .zst are decompressed.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub dedup: DedupOptions,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// Inputs as for `dedup`; none runs the bundled example.
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub dedup: DedupOptions,
    #[command(flatten)]
    pub reuse: ReuseOptions,
    #[command(flatten)]
    pub stories: StoriesOptions,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Write the HTML report here (default: beside --output with .html, else
    /// reprint-report.html in the current directory).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Do not write the HTML report.
    #[arg(long, conflicts_with = "report")]
    pub no_report: bool,
}

#[derive(Args, Debug)]
pub struct ReuseArgs {
    /// Inputs as for `dedup`.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub reuse: ReuseOptions,
    #[command(flatten)]
    pub memory: MemoryArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args, Debug)]
pub struct StoriesArgs {
    /// Inputs as for `dedup`.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub stories: StoriesOptions,
    #[command(flatten)]
    pub memory: MemoryArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args, Debug, Clone)]
pub struct StoriesOptions {
    /// Lowest similarity for documents to form one story. Batch: the average similarity
    /// over all pairs of two groups' documents [default: 0.425]. With --stream: a
    /// document's similarity to a story's centroid [default: 0.4].
    #[arg(long)]
    pub join_threshold: Option<f64>,
    /// Days after which the time factor of a similarity has halved.
    #[arg(long, default_value_t = stories_dflt().half_life_days)]
    pub half_life_days: f64,
    /// Stories last seen more than this many days before a document are not joined.
    #[arg(long, default_value_t = stories_dflt().window_days)]
    pub window_days: i64,
    /// Streaming mode: documents arrive in date order (undated last, then input order);
    /// each joins a story or starts one, using only what came before it (first-story
    /// detection). Without it, the whole collection is clustered at once (average link over
    /// each document's most similar others), and the result does not depend on the order
    /// of the input.
    #[arg(long)]
    pub stream: bool,
    /// Metadata field holding a dense embedding of each document (a JSON array of numbers,
    /// or such an array as a string), used as one more story feature. Optional; documents
    /// without it are compared on the other features.
    #[arg(long)]
    pub embedding_field: Option<String>,
    /// A static sentence-embedding model read from local files (nothing is downloaded): a
    /// directory with tokenizer.json and model.safetensors (model2vec, e.g. potion-base-8M),
    /// or WordLlama's .safetensors and tokenizer config. Each document's embedding is one
    /// more story feature. Not with --embedding-field.
    #[arg(long, value_name = "PATH", conflicts_with = "embedding_field")]
    pub model: Option<PathBuf>,
    /// Weight of the embedding cosine beside the word and name features (with --model or
    /// --embedding-field). On ECB+ (events of one kind apart) cross-validation chose 0.1-0.25
    /// with --join-threshold 0.45-0.475; on SemEval-2022 pair ratings 0.5 correlates best.
    #[arg(long, default_value_t = stories_dflt().embedding_weight)]
    pub embedding_weight: f64,
}

#[derive(Args, Debug, Clone)]
pub struct ReuseOptions {
    /// Metadata field naming each document's series: the outlet, newspaper or feed it comes
    /// from (a string, or a number). Needed by --skip-same-series.
    #[arg(long, value_name = "FIELD")]
    pub series_field: Option<String>,
    /// Do not look for reuse between two documents of one series (an outlet's own standing
    /// text and reruns), only across series, as passim does. Documents without a series are
    /// compared with all others.
    #[arg(long, requires = "series_field")]
    pub skip_same_series: bool,
    /// Shortest passage reported, in matching words.
    #[arg(long, default_value_t = reuse_dflt().min_words)]
    pub min_words: usize,
    /// Longest run of changed words bridged inside one passage.
    #[arg(long, default_value_t = reuse_dflt().max_gap)]
    pub max_gap: usize,
    /// Words per seed (exact n-gram that starts an alignment).
    #[arg(long, default_value_t = reuse_dflt().seed_n)]
    pub seed_words: usize,
    /// Seeds found in more documents than this link them as a chain, not all pairs.
    #[arg(long, default_value_t = reuse_dflt().max_df)]
    pub max_df: usize,
    /// Lowest share of matching words in a reported passage.
    #[arg(long, default_value_t = reuse_dflt().min_identity)]
    pub min_identity: f64,
    /// A passage found in at least this many documents is boilerplate.
    #[arg(long, default_value_t = reuse_dflt().boilerplate_min_docs)]
    pub boilerplate_docs: usize,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Auto,
    Jsonl,
    Txt,
    Csv,
    Parquet,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnError {
    Fail,
    Skip,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    First,
    Longest,
    Earliest,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Word,
    Char,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sketch {
    Oph,
    Minhash,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutFormat {
    Jsonl,
    Csv,
    Parquet,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn join_threshold_help_states_the_engine_defaults() {
        // The help names both defaults in words; they must be the engine's.
        let d = stories_dflt();
        let mut cmd = Cli::command();
        let help = cmd
            .find_subcommand_mut("stories")
            .unwrap()
            .render_long_help()
            .to_string();
        assert!(
            help.contains(&format!("[default: {}]", d.link_threshold)),
            "{help}"
        );
        assert!(
            help.contains(&format!("[default: {}]", d.join_threshold)),
            "{help}"
        );
    }
}
