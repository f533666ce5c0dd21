//! Text reuse: passages shared between documents, found without comparing all pairs.
//!
//! [`find_reuse`] takes a collection of texts and returns
//! * [`Alignment`]s: one per passage shared by a pair of documents, with byte spans into
//!   both ORIGINAL texts, how exact the copy is (`identity`) and how many words match;
//! * [`Passage`]s: every occurrence of the same text across the collection, the document
//!   it most likely came from ([`SourceAttribution`], from the dates you pass) and whether
//!   it recurs so often that it is boilerplate.
//!
//! The pipeline (one module each): tokens (`reprint-text` word tokens, stored as 32-bit
//! hashes) → candidates (a sort-based inverted index of word n-gram *seeds*; a seed in more
//! than [`ReuseConfig::max_df`] documents links them as a chain instead of all pairs) →
//! alignment per candidate pair (exact seed runs chained across small edits, extended at
//! both ends, scored by LCS) → passages (union-find over overlapping occurrences).
//!
//! ```
//! use reprint_reuse::{find_reuse, DocRef, ReuseConfig};
//! let para = "The West and Kiev have recently been echoing allegations about Russia's \
//!             potential invasion of Ukraine, which Moscow has repeatedly denied.";
//! let a = format!("Monday news. {para} Other words follow here.");
//! let b = format!("Tuesday: {}", para.replace("echoing", "spreading"));
//! let docs = [
//!     DocRef { text: &a, date: Some(1), series: None },
//!     DocRef { text: &b, date: Some(2), series: None },
//!     DocRef::undated("Nothing in common with the others."),
//! ];
//! let result = find_reuse(&docs, &ReuseConfig::default()).unwrap();
//! assert_eq!(result.alignments.len(), 1);
//! let al = &result.alignments[0];
//! assert_eq!((al.a, al.b), (0, 1));
//! assert!(al.a_span.slice(&a).starts_with("The West"));
//! assert!(al.b_span.slice(&b).ends_with("denied"));
//! assert!(al.identity > 0.9 && al.identity < 1.0); // one word changed
//! let passage = &result.passages[al.passage as usize];
//! assert_eq!(passage.source, reprint_reuse::SourceAttribution::Earliest(0));
//! ```
//!
//! # What counts as reuse
//!
//! Reuse means shared *wording*. A copy survives changed words, quotes, punctuation, case
//! and OCR-like noise as long as exact runs of [`ReuseConfig::seed_n`] words recur at most
//! [`ReuseConfig::max_gap`] words apart. A paraphrase does not: in the seed texts under
//! `examples/news`, 000 retells the paragraph 003 and 004 share ("The West and Kiev have
//! recently been …") with most words changed; the only exact runs left are "Kremlin
//! Spokesman Dmitry Peskov castigated these" (6 words) and "such claims and warned that"
//! (5 words), about 45 words apart. That is below [`ReuseConfig::min_words`] and beyond
//! [`ReuseConfig::max_gap`], so nothing is reported, on purpose: stretching the gap to
//! bridge it would also join unrelated stock phrases. Finding paraphrases needs semantic
//! similarity, a different stage.
//!
//! # Boilerplate
//!
//! A passage found in at least [`ReuseConfig::boilerplate_min_docs`] documents is flagged;
//! [`mask_boilerplate`] blanks it out (offsets kept) for later stages such as story
//! clustering. Its seeds are too frequent to vote for all pairs, so the documents holding
//! it are aligned along a chain, which is enough to group every occurrence.
//!
//! # Quality and speed
//!
//! On the PAN 2013 text alignment development subset (90 verbatim cases) [`ReuseConfig::pan`]
//! reaches plagdet 0.985 (precision 0.985, recall 0.985, granularity 1.0); on 100 000
//! synthetic 3 KB documents a run takes a few seconds on 2 cores. `bench/README-pan.md` has
//! the commands and the numbers.
//!
//! # Determinism
//!
//! Results do not depend on thread count, and reordering the input only renumbers
//! documents: pairs are aligned in an orientation chosen by content, chains of frequent
//! seeds are ordered by content, and every output list is sorted. (Documents with exactly
//! the same words are the only ones ordered by index.)
#![deny(missing_docs)]

mod align;
mod candidates;
mod corpus;
pub mod incremental;
mod lcs;
mod passages;

pub use candidates::CandidateStats;
pub use passages::mask_spans;
pub use reprint_text::Span;

use align::{align_pair_counted, TokAlign};
use corpus::{token_spans, Corpus};
use rayon::prelude::*;
use std::borrow::Cow;

/// Text reuse settings. Lengths and gaps count word tokens.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReuseConfig {
    /// Seed length: word n-grams shared by two documents start a candidate and anchor the
    /// alignment. Longer seeds are rarer (fewer candidates) but break on denser edits.
    /// Default 5.
    pub seed_n: usize,
    /// Seeds found in more documents than this do not vote for all pairs of them, only for
    /// a chain through them, so boilerplate cannot explode the pair count. Default 50.
    pub max_df: usize,
    /// A pair is aligned only if it shares at least this many distinct seeds. Default 3.
    pub min_shared_seeds: usize,
    /// Shortest passage reported: at least this many words must match (in order) between
    /// the two sides. Default 15.
    pub min_words: usize,
    /// Longest run of unmatched words, on either side, inside one passage. Default 10.
    pub max_gap: usize,
    /// Lowest identity (LCS words / words of the longer side) a passage may have.
    /// Default 0.5.
    pub min_identity: f64,
    /// Seeds repeated more often than this within one document are not used to align it
    /// (lists, chants, tables). Default 8.
    pub max_seed_repeats: usize,
    /// Two occurrences in one document are the same when their overlap covers at least this
    /// share of the longer one. Default 0.5.
    pub passage_overlap: f64,
    /// A passage found in at least this many documents is flagged as boilerplate. Default 10.
    pub boilerplate_min_docs: usize,
    /// Two documents of one series ([`DocRef::series`], e.g. one outlet or one newspaper)
    /// are not aligned: reuse within a series (its own standing text, its reruns) is not
    /// looked for, only reuse across series. Documents without a series are compared with
    /// every other. Default false.
    #[serde(default)]
    pub skip_same_series: bool,
}

impl Default for ReuseConfig {
    fn default() -> Self {
        ReuseConfig {
            seed_n: 5,
            max_df: 50,
            min_shared_seeds: 3,
            min_words: 15,
            max_gap: 10,
            min_identity: 0.5,
            max_seed_repeats: 8,
            passage_overlap: 0.5,
            boilerplate_min_docs: 10,
            skip_same_series: false,
        }
    }
}

impl ReuseConfig {
    /// Settings tuned on the PAN 2013 text alignment development set (verbatim cases of 50
    /// to 1 500 words in web pages full of repeated menu and list text): shorter seeds,
    /// longer gaps, and identity at least 0.8 so that a sentence matched to a repeat
    /// elsewhere in the source is not reported.
    pub fn pan() -> ReuseConfig {
        ReuseConfig {
            seed_n: 4,
            min_words: 20,
            max_gap: 20,
            min_identity: 0.8,
            ..ReuseConfig::default()
        }
    }

    /// Checks every field; [`find_reuse`] calls it first.
    pub fn validate(&self) -> Result<(), ReuseError> {
        let bad = |field, reason: &str| {
            Err(ReuseError::InvalidConfig {
                field,
                reason: reason.to_string(),
            })
        };
        if !(2..=64).contains(&self.seed_n) {
            return bad("seed_n", "must be between 2 and 64");
        }
        if self.max_df < 2 {
            return bad("max_df", "must be at least 2");
        }
        if self.min_shared_seeds == 0 {
            return bad("min_shared_seeds", "must be at least 1");
        }
        if self.min_words < self.seed_n {
            return bad("min_words", "must be at least seed_n");
        }
        if !(0.0..=1.0).contains(&self.min_identity) {
            return bad("min_identity", "must be between 0 and 1");
        }
        if self.max_seed_repeats == 0 {
            return bad("max_seed_repeats", "must be at least 1");
        }
        if !(self.passage_overlap > 0.0 && self.passage_overlap <= 1.0) {
            return bad("passage_overlap", "must be in (0, 1]");
        }
        if self.boilerplate_min_docs < 2 {
            return bad("boilerplate_min_docs", "must be at least 2");
        }
        Ok(())
    }
}

/// What a run may use besides its input: memory for the seed index and where to spill it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReuseLimits {
    /// Bytes of seed index entries (8 bytes per word n-gram) held in memory; past this, the
    /// index goes to a temporary file in chunks and is read back one partition at a time.
    /// Default 256 MiB.
    pub index_bytes: usize,
    /// Where that temporary file goes (the system's temporary directory when `None`). It is
    /// unlinked when created, so nothing is left behind, even by a killed run.
    pub spill_dir: Option<std::path::PathBuf>,
}

impl Default for ReuseLimits {
    fn default() -> Self {
        ReuseLimits {
            index_bytes: 256 << 20,
            spill_dir: None,
        }
    }
}

/// Why [`find_reuse`] refused its input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReuseError {
    /// A configuration field is out of range.
    #[error("invalid reuse config: {field} {reason}")]
    InvalidConfig {
        /// The field's name.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A document is too long for 32-bit byte spans.
    #[error("document {doc} is {len} bytes, over the 4 GiB limit of spans")]
    DocTooLarge {
        /// Index of the document.
        doc: usize,
        /// Its length in bytes.
        len: usize,
    },
    /// The seed index could not be spilled to (or read back from) its temporary file.
    #[error("cannot spill the seed index to a temporary file: {reason}")]
    Spill {
        /// The operating system's message.
        reason: String,
    },
    /// More documents than 32-bit ids can name.
    #[error("{docs} documents given, at most {max} supported")]
    TooManyDocs {
        /// Documents given.
        docs: usize,
        /// The limit.
        max: usize,
    },
}

/// One input document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocRef<'a> {
    /// Its text.
    pub text: &'a str,
    /// Publication date or any sortable time (e.g. days since the epoch), used only to
    /// attribute sources; `None` when unknown.
    pub date: Option<i64>,
    /// The series it belongs to (an outlet, a newspaper title): with
    /// [`ReuseConfig::skip_same_series`], two documents of one series are not aligned.
    pub series: Option<&'a str>,
}

impl<'a> DocRef<'a> {
    /// A document without a date (its passages can not be attributed a source).
    pub fn undated(text: &'a str) -> DocRef<'a> {
        DocRef {
            text,
            date: None,
            series: None,
        }
    }
}

/// A passage shared by two documents.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    /// The first document (index into the input), `a < b`.
    pub a: u32,
    /// The second document.
    pub b: u32,
    /// Byte span in `a`'s original text, from the first to the last aligned word.
    pub a_span: Span,
    /// Byte span in `b`'s original text.
    pub b_span: Span,
    /// How exact the copy is: `matched_tokens` / words of the longer side, in `[0, 1]`.
    pub identity: f64,
    /// Words in the longest common subsequence of the two sides.
    pub matched_tokens: u32,
    /// Index of the [`Passage`] this alignment belongs to in [`ReuseResult::passages`].
    pub passage: u32,
}

/// Where a passage first appeared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceAttribution {
    /// The only document with the earliest date.
    Earliest(u32),
    /// Several documents share the earliest date (sorted).
    Tie(Vec<u32>),
    /// Some document has no date, so the earliest cannot be known.
    Unknown,
}

/// A passage with all its occurrences across the collection.
#[derive(Debug, Clone, PartialEq)]
pub struct Passage {
    /// Index in [`ReuseResult::passages`].
    pub id: u32,
    /// `(document, byte span)` of every occurrence, sorted; a document may hold several.
    pub occurrences: Vec<(u32, Span)>,
    /// Whether it occurs in at least [`ReuseConfig::boilerplate_min_docs`] documents.
    pub boilerplate: bool,
    /// The document it likely came from.
    pub source: SourceAttribution,
}

/// Counters for one run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ReuseStats {
    /// Documents in the input.
    pub docs: u64,
    /// Word tokens in all documents.
    pub tokens: u64,
    /// The candidate stage's counters.
    pub candidates: CandidateStats,
    /// Candidate pairs that produced at least one alignment.
    pub aligned_pairs: u64,
    /// The work of aligning every candidate pair, counted in steps (matches, predecessors
    /// tried, tokens compared): the same on every machine, bounded by the lengths of the
    /// documents whatever [`ReuseConfig::max_gap`] is.
    pub alignment_steps: u64,
    /// Candidate pairs not aligned because both documents are of one series
    /// ([`ReuseConfig::skip_same_series`]).
    pub same_series_pairs_skipped: u64,
    /// Wall seconds of each step: candidates, tokens, alignment, byte spans and passages.
    pub seconds: ReuseSeconds,
}

/// Wall seconds of each step of [`find_reuse`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ReuseSeconds {
    /// The seed index and its candidate pairs (every document tokenized once, its seeds
    /// indexed, only its order key kept).
    pub candidates: f64,
    /// Tokenizing the documents of candidate pairs again, into the store alignment reads.
    pub tokens: f64,
    /// Aligning the candidate pairs.
    pub align: f64,
    /// Byte spans of the alignments and grouping them into passages.
    pub passages: f64,
}

/// Everything [`find_reuse`] found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReuseResult {
    /// Pairwise alignments sorted by `(a, b, a_span, b_span)`.
    pub alignments: Vec<Alignment>,
    /// Passages sorted by first occurrence; `passages[i].id == i`.
    pub passages: Vec<Passage>,
    /// Counters.
    pub stats: ReuseStats,
}

impl ReuseResult {
    /// Byte spans of `doc` that belong to boilerplate passages, sorted.
    pub fn boilerplate_spans(&self, doc: u32) -> Vec<Span> {
        let mut v: Vec<Span> = self
            .passages
            .iter()
            .filter(|p| p.boilerplate)
            .flat_map(|p| p.occurrences.iter().filter(|o| o.0 == doc).map(|o| o.1))
            .collect();
        v.sort_unstable();
        v
    }
}

/// `text` with its boilerplate passages blanked out (see [`mask_spans`]), for stages such
/// as story clustering that should not group documents by their shared footer.
pub fn mask_boilerplate(result: &ReuseResult, doc: u32, text: &str) -> String {
    mask_spans(text, &result.boilerplate_spans(doc))
}

/// Finds the passages shared between `docs`, with the default [`ReuseLimits`].
pub fn find_reuse(docs: &[DocRef<'_>], cfg: &ReuseConfig) -> Result<ReuseResult, ReuseError> {
    find_reuse_with(docs, cfg, &ReuseLimits::default())
}

/// Finds the passages shared between `docs`, holding at most `limits.index_bytes` of seed
/// index in memory. The result does not depend on the limits.
pub fn find_reuse_with(
    docs: &[DocRef<'_>],
    cfg: &ReuseConfig,
    limits: &ReuseLimits,
) -> Result<ReuseResult, ReuseError> {
    let texts: Vec<&str> = docs.iter().map(|d| d.text).collect();
    let dates: Vec<Option<i64>> = docs.iter().map(|d| d.date).collect();
    let series: Vec<Option<&str>> = docs.iter().map(|d| d.series).collect();
    find_reuse_in(&texts[..], &dates, &series, cfg, limits)
}

/// The texts of a collection, read one document at a time: a slice of strings, or a store
/// that keeps them elsewhere (e.g. in a file) and hands out each when asked. The
/// stages read texts in ascending document order within each parallel chunk.
pub trait Texts: Sync {
    /// Number of documents.
    fn count(&self) -> usize;
    /// Length in bytes of document `doc`'s text.
    fn text_len(&self, doc: usize) -> usize;
    /// Document `doc`'s text.
    fn text(&self, doc: usize) -> Cow<'_, str>;
}

impl<S: AsRef<str> + Sync> Texts for [S] {
    fn count(&self) -> usize {
        self.len()
    }
    fn text_len(&self, doc: usize) -> usize {
        self[doc].as_ref().len()
    }
    fn text(&self, doc: usize) -> Cow<'_, str> {
        Cow::Borrowed(self[doc].as_ref())
    }
}

/// [`find_reuse_with`] over texts held anywhere, with each document's date and series
/// given apart (`dates` and `series` have one entry per text).
pub fn find_reuse_in<T: Texts + ?Sized>(
    texts: &T,
    dates: &[Option<i64>],
    series: &[Option<&str>],
    cfg: &ReuseConfig,
    limits: &ReuseLimits,
) -> Result<ReuseResult, ReuseError> {
    cfg.validate()?;
    let n = texts.count();
    assert!(
        dates.len() == n && series.len() == n,
        "one date and one series per text"
    );
    if n > u32::MAX as usize {
        return Err(ReuseError::TooManyDocs {
            docs: n,
            max: u32::MAX as usize,
        });
    }
    if let Some(doc) = (0..n).find(|&d| texts.text_len(d) > u32::MAX as usize) {
        return Err(ReuseError::DocTooLarge {
            doc,
            len: texts.text_len(doc),
        });
    }
    let mut seconds = ReuseSeconds::default();
    let mut t = std::time::Instant::now();
    let mut lap = |into: &mut f64| {
        *into = t.elapsed().as_secs_f64();
        t = std::time::Instant::now();
    };
    let (mut pairs, order, cstats) = candidates::candidate_pairs(texts, cfg, limits)?;
    lap(&mut seconds.candidates);
    let before = pairs.len();
    if cfg.skip_same_series {
        pairs.retain(|&(x, y)| {
            let (sx, sy) = (series[x as usize], series[y as usize]);
            sx.is_none() || sx != sy
        });
    }
    let same_series_pairs_skipped = (before - pairs.len()) as u64;
    // Only the documents of candidate pairs are tokenized again and held for alignment.
    let mut involved: Vec<u32> = pairs.iter().flat_map(|&(x, y)| [x, y]).collect();
    involved.par_sort_unstable();
    involved.dedup();
    let corpus = Corpus::build(texts, involved);
    lap(&mut seconds.tokens);

    let steps = std::sync::atomic::AtomicU64::new(0);
    let found: Vec<(u32, u32, Vec<TokAlign>)> = pairs
        .par_iter()
        .filter_map(|&(x, y)| {
            // Align in an orientation chosen by content so input order cannot matter.
            let flip = order.get(y) < order.get(x);
            let (p, q) = if flip { (y, x) } else { (x, y) };
            let mut work = 0;
            let mut als = align_pair_counted(corpus.doc(p), corpus.doc(q), cfg, &mut work);
            steps.fetch_add(work, std::sync::atomic::Ordering::Relaxed);
            if als.is_empty() {
                return None;
            }
            if flip {
                als.iter_mut().for_each(|t| *t = t.mirrored());
            }
            Some((x, y, als))
        })
        .collect();
    let aligned_pairs = found.len() as u64;
    lap(&mut seconds.align);

    let mut alignments = to_byte_spans(&found, texts);
    alignments.sort_unstable_by(|x, y| {
        (x.a, x.b, x.a_span, x.b_span).cmp(&(y.a, y.b, y.a_span, y.b_span))
    });
    let passages = passages::group(&mut alignments, dates, cfg);
    lap(&mut seconds.passages);
    Ok(ReuseResult {
        alignments,
        passages,
        stats: ReuseStats {
            docs: n as u64,
            tokens: order.total_tokens(),
            candidates: cstats,
            aligned_pairs,
            alignment_steps: steps.into_inner(),
            same_series_pairs_skipped,
            seconds,
        },
    })
}

/// Converts token ranges to byte spans, tokenizing each involved document once.
fn to_byte_spans<T: Texts + ?Sized>(
    found: &[(u32, u32, Vec<TokAlign>)],
    texts: &T,
) -> Vec<Alignment> {
    // (doc, first token, last token + 1, alignment index, side)
    let mut needs: Vec<(u32, u32, u32, usize, bool)> = Vec::new();
    let mut out: Vec<Alignment> = Vec::new();
    for &(x, y, ref als) in found {
        for t in als {
            let k = out.len();
            needs.push((x, t.a0, t.a1, k, false));
            needs.push((y, t.b0, t.b1, k, true));
            let longer = (t.a1 - t.a0).max(t.b1 - t.b0);
            out.push(Alignment {
                a: x,
                b: y,
                a_span: Span::default(),
                b_span: Span::default(),
                identity: t.matched as f64 / longer as f64,
                matched_tokens: t.matched,
                passage: 0,
            });
        }
    }
    needs.sort_unstable_by_key(|n| n.0);
    let spans: Vec<(usize, bool, Span)> = needs
        .par_chunk_by(|p, q| p.0 == q.0)
        .flat_map_iter(|group| {
            let toks = token_spans(&texts.text(group[0].0 as usize));
            group.iter().map(move |&(_, s, e, k, side)| {
                (
                    k,
                    side,
                    Span {
                        start: toks[s as usize].start,
                        end: toks[e as usize - 1].end,
                    },
                )
            })
        })
        .collect();
    for (k, side, span) in spans {
        if side {
            out[k].b_span = span;
        } else {
            out[k].a_span = span;
        }
    }
    out
}

#[cfg(test)]
mod tests;
