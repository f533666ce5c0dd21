//! Exact and near-duplicate detection: the candidate index, exact verification, clusters
//! and keep/drop decisions.
//!
//! The caller streams documents in (fingerprints computed by `reprint-text` and
//! `reprint-sketch`), then asks for the candidate pairs ([`Deduper::candidates`]), fetches the
//! shingle sets of the documents they involve however it likes (kept in memory, or computed
//! again from the text read a second time), and verifies ([`Candidates::verify`]).
//! [`Deduper::finish`] does both when every set is at hand.
//! Nothing here reads files or spawns threads of its own; verification runs on the
//! caller's rayon pool.
//!
//! ```
//! use reprint_dedup::{Deduper, DedupConfig, DocInput};
//! let cfg = DedupConfig::default();
//! let mut d = Deduper::new(cfg, reprint_sketch::LshParams::new(2, 2, 4).unwrap());
//! let set: Vec<u32> = (0..10).collect();
//! for doc in 0..2 {
//!     d.add(DocInput { exact: 7, tokens: 14, date: None, band_keys: &[1, 2], set: &set });
//! }
//! let sets = vec![set.clone(), set.clone()];
//! let result = d.finish(&sets);
//! assert_eq!(result.clusters.len(), 1);
//! assert!(result.pairs[0].exact);
//! ```
#![deny(missing_docs)]

mod cluster;
mod containment;
mod index;
mod radix;
mod verify;

pub use cluster::{clusters, Cluster, KeepKey, KeepPolicy};
pub use containment::{is_sampled, SampleIndex};
pub use index::{pack_pair, unpack_pair, CandidateIndex, CandidateStats, Doc};
pub use reprint_text::UnionFind;
pub use verify::{shingle_set, Overlap};

use rayon::prelude::*;
use reprint_sketch::LshParams;
use std::collections::{HashMap, HashSet};

/// Duplicate detection settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DedupConfig {
    /// Report pairs whose exact Jaccard is at least this. Default 0.8.
    pub threshold: f64,
    /// Also report pairs where the smaller document lies at least this much inside the
    /// larger (containment of its shingles). Off by default.
    pub containment: Option<f64>,
    /// Which member of a cluster to keep.
    pub keep: KeepPolicy,
    /// LSH buckets larger than this are linked as chains instead of all pairs. Default 200.
    pub max_bucket: usize,
    /// Containment candidates sample 1 in `sample_rate` shingles (power of two). Default 8.
    pub sample_rate: u32,
    /// Sampled shingles found in more documents than this are ignored. Default 200.
    pub sample_max_df: usize,
    /// List every pair: all pairs of a group of exact copies (up to `max_bucket` copies),
    /// and each near-duplicate pair repeated for every exact copy of its two documents.
    /// Off by default: a group of exact copies is listed as a star on its first copy (one
    /// pair per copy) and a near-duplicate pair once, between first copies — the same
    /// clusters and keep decisions, in output linear in the documents. The full listing is
    /// the star one expanded (exact copies have the same shingle set).
    pub all_pairs: bool,
}

impl DedupConfig {
    /// Whether a group of `copies` exact copies is listed as a star on its first copy.
    pub fn exact_star(&self, copies: usize) -> bool {
        !self.all_pairs || copies > self.max_bucket
    }
}

impl Default for DedupConfig {
    fn default() -> Self {
        DedupConfig {
            threshold: 0.8,
            containment: None,
            keep: KeepPolicy::First,
            max_bucket: 200,
            sample_rate: 8,
            sample_max_df: 200,
            all_pairs: false,
        }
    }
}

/// Access to each document's shingles during verification: any order, repeats allowed.
/// Only documents in candidate pairs are looked at, and their sets are sorted then — so
/// the per-document hot path never sorts.
pub trait ShingleSets: Sync {
    /// The shingle values of `doc` (any order, repeats allowed).
    fn set(&self, doc: Doc) -> &[u32];
}

impl ShingleSets for Vec<Vec<u32>> {
    fn set(&self, doc: Doc) -> &[u32] {
        &self[doc as usize]
    }
}

/// One document as the deduper sees it.
#[derive(Debug, Clone, Copy)]
pub struct DocInput<'a> {
    /// Hash of the normalized token sequence.
    pub exact: u64,
    /// Token count (0 = empty document, never a duplicate).
    pub tokens: u32,
    /// Sortable date for `KeepPolicy::Earliest`.
    pub date: Option<i64>,
    /// LSH bucket keys, one per band (empty when the shingle set is empty).
    pub band_keys: &'a [u32],
    /// Shingle values, any order (used only for containment sampling at insert time).
    pub set: &'a [u32],
}

/// A verified duplicate pair, `a` before `b` in input order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    /// First document.
    pub a: Doc,
    /// Second document.
    pub b: Doc,
    /// Exact shingle overlap.
    pub overlap: Overlap,
    /// Same normalized token sequence.
    pub exact: bool,
}

impl Pair {
    /// Exact Jaccard (1 for exact copies, even those too short to have shingles).
    pub fn jaccard(&self) -> f64 {
        if self.exact {
            1.0
        } else {
            self.overlap.jaccard()
        }
    }

    /// Share of `a` inside `b`.
    pub fn a_in_b(&self) -> f64 {
        if self.exact {
            1.0
        } else {
            self.overlap.a_in_b()
        }
    }

    /// Share of `b` inside `a`.
    pub fn b_in_a(&self) -> f64 {
        if self.exact {
            1.0
        } else {
            self.overlap.b_in_a()
        }
    }
}

/// Counts describing a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DedupStats {
    /// Documents added.
    pub documents: u64,
    /// Documents without any token.
    pub empty: u64,
    /// Documents that are exact copies of an earlier one (same normalized token sequence).
    pub exact_copies: u64,
    /// Candidate pairs from LSH.
    pub lsh_candidates: u64,
    /// Candidate pairs from containment sampling.
    pub containment_candidates: u64,
    /// Candidates that passed verification.
    pub verified: u64,
    /// Buckets linked as chains.
    pub oversized_buckets: u64,
    /// Bytes of the LSH band tables.
    pub index_bytes: u64,
    /// Blocks verification fetched shingle sets in (1 when they all fit the budget, 0
    /// without candidates).
    pub verify_blocks: u64,
}

/// The outcome: pairs, clusters, and each document's cluster.
#[derive(Debug, Clone, Default)]
pub struct DedupResult {
    /// Verified pairs sorted by `(a, b)`.
    pub pairs: Vec<Pair>,
    /// Clusters ordered by first member.
    pub clusters: Vec<Cluster>,
    /// Cluster index per document, `None` for documents without duplicates.
    pub cluster_of: Vec<Option<u32>>,
    /// Counts.
    pub stats: DedupStats,
}

impl DedupResult {
    /// Whether `doc` is kept (it has no duplicate, or it represents its cluster).
    pub fn keep(&self, doc: Doc) -> bool {
        self.duplicate_of(doc).is_none()
    }

    /// Documents dropped as duplicates (every cluster member but its representative).
    pub fn dropped(&self) -> usize {
        self.clusters.iter().map(|c| c.members.len() - 1).sum()
    }

    /// The representative `doc` is a duplicate of, if it is dropped.
    pub fn duplicate_of(&self, doc: Doc) -> Option<Doc> {
        let c = self.cluster_of[doc as usize]?;
        let rep = self.clusters[c as usize].representative;
        (rep != doc).then_some(rep)
    }
}

/// Streams documents in, then finds duplicates. Documents are numbered 0, 1, ... in the
/// order they are added.
#[derive(Debug)]
pub struct Deduper {
    cfg: DedupConfig,
    index: CandidateIndex,
    samples: Option<SampleIndex>,
    /// Keyed by the exact-text hash, already a good 64-bit hash.
    first_with_hash: reprint_text::hash::KeyMap<u64, Doc>,
    exact_pairs: Vec<(Doc, Doc)>,
    /// Distinct shingles of each first copy that has exact copies (measured on a copy).
    exact_len: HashMap<Doc, u32>,
    keys: Vec<KeepKey>,
    stats: DedupStats,
    scratch: Vec<u32>,
}

impl Deduper {
    /// A deduper with LSH banding `lsh`.
    pub fn new(cfg: DedupConfig, lsh: LshParams) -> Deduper {
        Deduper {
            cfg,
            index: CandidateIndex::new(lsh.bands),
            samples: cfg.containment.map(|_| SampleIndex::new()),
            first_with_hash: HashMap::default(),
            exact_pairs: Vec::new(),
            exact_len: HashMap::new(),
            keys: Vec::new(),
            stats: DedupStats::default(),
            scratch: Vec::new(),
        }
    }

    /// Adds the next document; returns its number.
    pub fn add(&mut self, doc: DocInput<'_>) -> Doc {
        let id = self.keys.len() as Doc;
        self.keys.push(KeepKey {
            tokens: doc.tokens,
            date: doc.date,
        });
        self.stats.documents += 1;
        let mut canonical = true;
        if doc.tokens == 0 {
            self.stats.empty += 1;
            canonical = false;
        } else {
            let first = *self.first_with_hash.entry(doc.exact).or_insert(id);
            if first != id {
                if let std::collections::hash_map::Entry::Vacant(e) = self.exact_len.entry(first) {
                    // The copy has the first copy's tokens, hence its set: count it now, so
                    // verification never needs the first copy's set for this.
                    e.insert(distinct_count(doc.set, &mut self.scratch));
                }
                self.exact_pairs.push((first, id));
                self.stats.exact_copies += 1;
                canonical = false;
            }
        }
        // Only the first copy of a text enters the indexes: copies join through their exact
        // pair, and a thousand copies never make a thousand-document bucket.
        let in_index = canonical && !doc.band_keys.is_empty();
        if in_index {
            self.index.insert(id, doc.band_keys);
        }
        if let Some(s) = &mut self.samples {
            s.insert(
                id,
                if in_index { doc.set } else { &[] },
                self.cfg.sample_rate,
            );
        }
        id
    }

    /// Bytes held by the LSH tables so far.
    pub fn index_bytes(&self) -> usize {
        self.index.memory_bytes()
    }

    /// Bytes held for the documents added so far: the LSH tables, the exact-text table,
    /// the containment samples and the per-document keys (capacities, so an estimate of
    /// what the allocator holds, without its own overhead).
    pub fn memory_bytes(&self) -> usize {
        self.index.memory_bytes()
            + self.first_with_hash.capacity() * (std::mem::size_of::<(u64, Doc)>() + 1)
            + self.exact_pairs.capacity() * std::mem::size_of::<(Doc, Doc)>()
            + self.exact_len.capacity() * (std::mem::size_of::<(Doc, u32)>() + 1)
            + self.keys.capacity() * std::mem::size_of::<KeepKey>()
            + self.samples.as_ref().map_or(0, SampleIndex::memory_bytes)
    }

    /// Finds candidates, verifies each against the exact shingle sets, and clusters:
    /// [`Deduper::candidates`] then [`Candidates::verify`] with sets from `sets`.
    pub fn finish(self, sets: &impl ShingleSets) -> DedupResult {
        let candidates = self.candidates();
        let gathered = candidates
            .involved()
            .par_iter()
            .map(|&d| sets.set(d).to_vec())
            .collect();
        candidates.verify(gathered)
    }

    /// Ends adding: finds the candidate pairs. Their documents' shingle sets are needed
    /// next ([`Candidates::involved`]); the caller may fetch them however it likes (from
    /// memory, or by reading those documents again).
    pub fn candidates(mut self) -> Candidates {
        self.stats.index_bytes = self.index.memory_bytes() as u64;
        self.index.finish();
        let (mut candidates, cstats) = self.index.candidate_pairs(self.cfg.max_bucket);
        self.stats.lsh_candidates = cstats.pairs;
        self.stats.oversized_buckets = cstats.oversized_buckets;
        drop(self.index);
        if let (Some(samples), Some(t)) = (self.samples.take(), self.cfg.containment) {
            // Ask for half the expected share of samples: sampling is noisy on small sets.
            let extra = samples.candidate_pairs(t * 0.5, self.cfg.sample_max_df);
            self.stats.containment_candidates = extra.len() as u64;
            candidates.extend(extra);
            candidates.par_sort_unstable();
            candidates.dedup();
        }
        let mut involved: Vec<Doc> = candidates
            .iter()
            .flat_map(|&p| {
                let (a, b) = unpack_pair(p);
                [a, b]
            })
            .collect();
        involved.par_sort_unstable();
        involved.dedup();
        Candidates {
            cfg: self.cfg,
            keys: self.keys,
            exact_pairs: self.exact_pairs,
            exact_len: self.exact_len,
            stats: self.stats,
            candidates,
            involved,
        }
    }
}

/// Number of distinct values in `set` (shingle hashes, already well mixed), with an
/// open-addressing table in `table`: a few times faster than sorting a copy.
pub fn distinct_count(set: &[u32], table: &mut Vec<u32>) -> u32 {
    let size = (set.len() * 2).next_power_of_two().max(16);
    let mask = size - 1;
    table.clear();
    // Slots hold value + 1; 0 is empty (the value u32::MAX is counted apart).
    table.resize(size, 0);
    let mut count = 0;
    let mut saw_max = false;
    for &v in set {
        if v == u32::MAX {
            saw_max = true;
            continue;
        }
        let mut i = (v.wrapping_mul(0x9E37_79B9) >> 7) as usize & mask;
        loop {
            let slot = table[i];
            if slot == 0 {
                table[i] = v + 1;
                count += 1;
                break;
            }
            if slot == v + 1 {
                break;
            }
            i = (i + 1) & mask;
        }
    }
    count + saw_max as u32
}

/// The pairs of a group of exact copies (ascending, first copy first), each with `len`
/// distinct shingles: a star on the first copy when `star` ([`DedupConfig::exact_star`]),
/// else every pair (the cluster is the same either way).
pub fn exact_pairs(group: &[Doc], star: bool, len: u32, mut emit: impl FnMut(Pair)) {
    let overlap = Overlap {
        shared: len,
        a: len,
        b: len,
    };
    let all = !star;
    for (i, &x) in group.iter().enumerate() {
        for &y in &group[i + 1..] {
            if all || i == 0 {
                emit(Pair {
                    a: x,
                    b: y,
                    overlap,
                    exact: true,
                });
            }
        }
    }
}

/// Candidate pairs waiting for verification: the result of [`Deduper::candidates`].
#[derive(Debug)]
pub struct Candidates {
    cfg: DedupConfig,
    keys: Vec<KeepKey>,
    exact_pairs: Vec<(Doc, Doc)>,
    exact_len: HashMap<Doc, u32>,
    stats: DedupStats,
    candidates: Vec<u64>,
    involved: Vec<Doc>,
}

impl Candidates {
    /// Bytes held: the candidate pairs, the involved documents, the keep keys and the
    /// exact copies (capacities).
    pub fn memory_bytes(&self) -> usize {
        self.candidates.capacity() * 8
            + self.involved.capacity() * 4
            + self.keys.capacity() * std::mem::size_of::<KeepKey>()
            + self.exact_pairs.capacity() * std::mem::size_of::<(Doc, Doc)>()
            + self.exact_len.capacity() * (std::mem::size_of::<(Doc, u32)>() + 1)
    }

    /// The documents that take part in a candidate pair, ascending: [`Candidates::verify`]
    /// needs their shingle sets, in this order.
    pub fn involved(&self) -> &[Doc] {
        &self.involved
    }

    /// Verifies every candidate with the exact Jaccard and containment, and clusters.
    /// `sets[i]` is the shingle set of `involved()[i]` in any order, repeats allowed (as
    /// [`reprint_text::Fingerprint`] gives it).
    ///
    /// # Panics
    /// If `sets` does not have one set per involved document.
    pub fn verify(self, sets: Vec<Vec<u32>>) -> DedupResult {
        assert_eq!(
            sets.len(),
            self.involved.len(),
            "one shingle set per involved document"
        );
        // An unbounded budget makes one block, and its documents are `involved()`: the
        // sets pass through as given.
        let mut sets = Some(sets);
        let fetched: Result<DedupResult, std::convert::Infallible> =
            self.verify_with(usize::MAX, |_| Ok(sets.take().expect("one block")));
        match fetched {
            Ok(r) => r,
            Err(never) => match never {},
        }
    }

    /// [`Candidates::verify`], with the shingle sets fetched block by block: `fetch(docs)`
    /// gets ascending documents and returns their sets in that order (any order within a
    /// set, repeats allowed). A block holds candidate pairs (in ascending order) whose
    /// documents' sets are estimated to fit in `budget_bytes` (four bytes per token, an
    /// upper bound), so memory stays bounded whatever the number of candidates; a
    /// document in several blocks is fetched once per block. The result does not depend
    /// on the budget.
    pub fn verify_with<E>(
        mut self,
        budget_bytes: usize,
        mut fetch: impl FnMut(&[Doc]) -> Result<Vec<Vec<u32>>, E>,
    ) -> Result<DedupResult, E> {
        let n = self.keys.len();
        self.involved = Vec::new();
        let candidates = std::mem::take(&mut self.candidates);
        let threshold = self.cfg.threshold;
        let containment = self.cfg.containment;
        let estimate = |d: Doc| self.keys[d as usize].tokens as usize * 4 + 64;
        let mut pairs: Vec<Pair> = Vec::new();
        let mut block_docs: Vec<Doc> = Vec::new();
        let mut in_block: HashSet<Doc> = HashSet::new();
        let mut start = 0;
        let mut bytes = 0usize;
        let mut blocks = 0u64;
        let mut i = 0;
        while start < candidates.len() {
            // Grow the block while its sets fit (always at least one pair).
            while i < candidates.len() {
                let (a, b) = unpack_pair(candidates[i]);
                let extra: usize = [a, b]
                    .iter()
                    .filter(|d| !in_block.contains(d))
                    .map(|&d| estimate(d))
                    .sum();
                if i > start && bytes.saturating_add(extra) > budget_bytes {
                    break;
                }
                bytes += extra;
                for d in [a, b] {
                    if in_block.insert(d) {
                        block_docs.push(d);
                    }
                }
                i += 1;
            }
            block_docs.sort_unstable();
            let sets = fetch(&block_docs)?;
            assert_eq!(sets.len(), block_docs.len(), "one set per fetched document");
            let sorted: Vec<Vec<u32>> = sets
                .into_par_iter()
                .map(|mut v| {
                    v.sort_unstable();
                    v.dedup();
                    v
                })
                .collect();
            let set_of = |d: Doc| -> &[u32] {
                let i = block_docs.binary_search(&d).expect("document in block");
                &sorted[i]
            };
            pairs.par_extend(candidates[start..i].par_iter().filter_map(|&p| {
                let (a, b) = unpack_pair(p);
                let o = Overlap::of(set_of(a), set_of(b));
                let near = o.jaccard() >= threshold;
                let contained = containment.is_some_and(|t| o.max_containment() >= t);
                (near || contained).then_some(Pair {
                    a,
                    b,
                    overlap: o,
                    exact: false,
                })
            }));
            blocks += 1;
            start = i;
            bytes = 0;
            block_docs.clear();
            in_block.clear();
        }
        drop(candidates);
        self.stats.verify_blocks = blocks;
        self.stats.verified = pairs.len() as u64;
        // Exact copies stand for their first copy in the index; give them its pairs too, so
        // every duplicate pair is reported, not only those of first copies.
        let mut copies: HashMap<Doc, Vec<Doc>> = HashMap::new();
        for &(first, copy) in &self.exact_pairs {
            copies.entry(first).or_default().push(copy);
        }
        let members = |d: Doc| -> Vec<Doc> {
            let mut m = vec![d];
            if let Some(c) = copies.get(&d) {
                m.extend_from_slice(c);
            }
            m
        };
        let mut expanded = Vec::with_capacity(pairs.len());
        for p in pairs.iter().filter(|_| self.cfg.all_pairs) {
            let (ma, mb) = (members(p.a), members(p.b));
            for &x in &ma {
                for &y in &mb {
                    let o = if x < y {
                        p.overlap
                    } else {
                        Overlap {
                            shared: p.overlap.shared,
                            a: p.overlap.b,
                            b: p.overlap.a,
                        }
                    };
                    expanded.push(Pair {
                        a: x.min(y),
                        b: x.max(y),
                        overlap: o,
                        exact: false,
                    });
                }
            }
        }
        let mut pairs = if self.cfg.all_pairs { expanded } else { pairs };
        let mut firsts: Vec<Doc> = copies.keys().copied().collect();
        firsts.sort_unstable();
        for first in firsts {
            let len = self.exact_len[&first];
            let group = members(first);
            exact_pairs(&group, self.cfg.exact_star(group.len()), len, |p| {
                pairs.push(p)
            });
        }
        pairs.sort_by_key(|p| (p.a, p.b));
        let clusters = clusters(
            n,
            pairs.iter().map(|p| (p.a, p.b)),
            &self.keys,
            self.cfg.keep,
        );
        let mut cluster_of = vec![None; n];
        for (i, c) in clusters.iter().enumerate() {
            for &m in &c.members {
                cluster_of[m as usize] = Some(i as u32);
            }
        }
        Ok(DedupResult {
            pairs,
            clusters,
            cluster_of,
            stats: self.stats,
        })
    }
}

#[cfg(test)]
mod distinct_tests {
    use super::distinct_count;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn counts_like_sort_and_dedup(
            set in proptest::collection::vec(prop_oneof![0u32..50, Just(u32::MAX), any::<u32>()], 0..400)
        ) {
            let mut sorted = set.clone();
            sorted.sort_unstable();
            sorted.dedup();
            prop_assert_eq!(distinct_count(&set, &mut Vec::new()) as usize, sorted.len());
        }
    }
}
