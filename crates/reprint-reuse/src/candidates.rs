//! Candidate pairs from shared seeds: a sort-based inverted index, never all pairs.
//!
//! Every word n-gram (seed) of every document is hashed and packed with its document id
//! into one `u64`; sorting puts each seed's documents next to each other. A seed found in
//! `2..=max_df` documents votes for every pair of them; a more frequent seed only links its
//! documents as a chain (in content order), so a paragraph repeated in 100 000 documents
//! costs 100 000 pairs, not five billion. Pairs with at least `min_shared_seeds` votes are
//! the candidates. To bound memory, seeds are processed in hash partitions, each a separate
//! sort. Partitions are filled in rounds of up to [`ROUND_ENTRIES`] entries: each round
//! walks the corpus once, hashes every window once and scatters the entries to its
//! partitions, so a corpus that fits one round is hashed exactly once (the work is linear
//! in its size) and a larger one once per round.

use crate::corpus::{seed_hash, Corpus};
use crate::ReuseConfig;
use rayon::prelude::*;

/// Index entries per partition: 4 Mi entries (32 MiB) keeps each sort in cache-friendly
/// memory while the partitions run in parallel.
const PARTITION_ENTRIES: usize = 1 << 22;

/// Index entries held at once: 32 Mi entries (256 MiB) per round of partitions.
const ROUND_ENTRIES: usize = 1 << 25;

/// Counters from the candidate stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CandidateStats {
    /// Seed occurrences indexed (document-distinct).
    pub seeds: u64,
    /// Hash partitions the index was sorted in.
    pub partitions: u32,
    /// Windows hashed: the corpus' windows times the rounds (see the module's note).
    pub seed_hashes: u64,
    /// Distinct seeds found in more than `max_df` documents (linked as chains).
    pub frequent_seeds: u64,
    /// Pairs with at least `min_shared_seeds` shared seeds.
    pub candidate_pairs: u64,
}

/// One partition's `(pair, votes)` run, seeds indexed and frequent seeds.
type PartitionRun = (Vec<(u64, u32)>, u64, u64);

/// `(a, b)` document pairs (`a < b`), sorted, that share enough seeds to be aligned.
pub(crate) fn candidate_pairs(
    corpus: &Corpus,
    cfg: &ReuseConfig,
) -> (Vec<(u32, u32)>, CandidateStats) {
    let n = cfg.seed_n;
    let windows: usize = (0..corpus.len() as u32)
        .map(|d| corpus.doc(d).len().saturating_sub(n - 1))
        .sum();
    let parts = windows.div_ceil(PARTITION_ENTRIES).max(1) as u64;
    let doc_bits = (64 - (corpus.len().max(2) as u64 - 1).leading_zeros()).max(1);
    let doc_mask = (1u64 << doc_bits) - 1;

    let per_round = (ROUND_ENTRIES / PARTITION_ENTRIES).max(1) as u64;
    let docs = corpus.len() as u32;
    let mut runs: Vec<PartitionRun> = Vec::with_capacity(parts as usize);
    let mut rounds = 0u64;
    let mut first = 0u64;
    while first < parts {
        let last = (first + per_round).min(parts);
        rounds += 1;
        // One walk of the corpus: each window hashed once, its entry scattered to the
        // partition of its hash when that partition is in this round. Workers gather small
        // batches and append them under the partition's lock, so the round's entries exist
        // once (each partition sized for its expected share up front).
        let expect = windows / parts as usize;
        let partitions: Vec<std::sync::Mutex<Vec<u64>>> = (first..last)
            .map(|_| std::sync::Mutex::new(Vec::with_capacity(expect + expect / 8 + 1024)))
            .collect();
        (0..docs).into_par_iter().chunks(1024).for_each(|chunk| {
            let mut local: Vec<Vec<u64>> = vec![Vec::new(); (last - first) as usize];
            let flush = |k: usize, buf: &mut Vec<u64>| {
                partitions[k]
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend_from_slice(buf);
                buf.clear();
            };
            for d in chunk {
                let toks = corpus.doc(d);
                if toks.len() < n {
                    continue;
                }
                for w in toks.windows(n) {
                    let h = seed_hash(w);
                    let p = h % parts;
                    if p >= first && p < last {
                        let k = (p - first) as usize;
                        local[k].push((h & !doc_mask) | d as u64);
                        if local[k].len() >= 4096 {
                            flush(k, &mut local[k]);
                        }
                    }
                }
            }
            for (k, buf) in local.iter_mut().enumerate() {
                if !buf.is_empty() {
                    flush(k, buf);
                }
            }
        });
        let partitions: Vec<Vec<u64>> = partitions
            .into_iter()
            .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
            .collect();
        runs.par_extend(
            partitions
                .into_par_iter()
                .map(|entries| partition_pairs(entries, corpus, cfg, doc_mask)),
        );
        first = last;
    }

    let mut stats = CandidateStats {
        partitions: parts as u32,
        seed_hashes: windows as u64 * rounds,
        ..CandidateStats::default()
    };
    let mut all: Vec<(u64, u32)> = Vec::new();
    for (r, seeds, frequent) in runs {
        stats.seeds += seeds;
        stats.frequent_seeds += frequent;
        all.extend(r);
    }
    all.par_sort_unstable();
    let mut out = Vec::new();
    let mut i = 0;
    while i < all.len() {
        let mut votes = 0u64;
        let mut j = i;
        while j < all.len() && all[j].0 == all[i].0 {
            votes += all[j].1 as u64;
            j += 1;
        }
        if votes >= cfg.min_shared_seeds as u64 {
            out.push(((all[i].0 >> 32) as u32, all[i].0 as u32));
        }
        i = j;
    }
    stats.candidate_pairs = out.len() as u64;
    (out, stats)
}

/// One partition's entries (seed hash | document) → its `(pair, votes)` run, the entries
/// (document-distinct seed occurrences) and the frequent seeds among them.
fn partition_pairs(
    mut entries: Vec<u64>,
    corpus: &Corpus,
    cfg: &ReuseConfig,
    doc_mask: u64,
) -> PartitionRun {
    entries.sort_unstable();
    entries.dedup();
    let mut pairs: Vec<u64> = Vec::new();
    let mut frequent = 0u64;
    let mut group: Vec<u32> = Vec::new();
    let mut i = 0;
    while i < entries.len() {
        let key = entries[i] & !doc_mask;
        let mut j = i;
        group.clear();
        while j < entries.len() && entries[j] & !doc_mask == key {
            group.push((entries[j] & doc_mask) as u32);
            j += 1;
        }
        if group.len() > cfg.max_df {
            // A frequent seed: a chain in content order, not all pairs.
            frequent += 1;
            group.sort_unstable_by_key(|&d| corpus.order_key(d));
        }
        reprint_text::bucket_edges(&group, cfg.max_df, false, |a, b| pairs.push(pack(a, b)));
        i = j;
    }
    let seeds = entries.len() as u64;
    drop(entries);
    (count_runs(pairs), seeds, frequent)
}

fn pack(a: u32, b: u32) -> u64 {
    debug_assert!(a < b);
    ((a as u64) << 32) | b as u64
}

/// Sorted `(pair, votes)` from a list of pair votes.
fn count_runs(mut pairs: Vec<u64>) -> Vec<(u64, u32)> {
    pairs.sort_unstable();
    let mut out: Vec<(u64, u32)> = Vec::new();
    for p in pairs {
        match out.last_mut() {
            Some((q, c)) if *q == p => *c += 1,
            _ => out.push((p, 1)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> ReuseConfig {
        ReuseConfig {
            seed_n: 3,
            max_df: 3,
            min_shared_seeds: 2,
            ..ReuseConfig::default()
        }
    }

    #[test]
    fn pairs_need_enough_shared_seeds() {
        let docs = [
            "alpha beta gamma delta epsilon",
            "zeta alpha beta gamma delta",  // shares 2 seeds with 0
            "alpha beta gamma omega sigma", // shares 1 seed with 0 and 1
        ];
        let c = Corpus::build(&docs);
        let (pairs, stats) = candidate_pairs(&c, &cfg());
        assert_eq!(pairs, vec![(0, 1)]);
        assert_eq!(stats.candidate_pairs, 1);
        assert_eq!(stats.frequent_seeds, 0);
    }

    #[test]
    fn frequent_seeds_link_a_chain_not_all_pairs() {
        let text = "the same boilerplate line here";
        let docs = vec![text; 6];
        let c = Corpus::build(&docs);
        let (pairs, stats) = candidate_pairs(&c, &cfg());
        // Identical documents: a chain of 5 links instead of 15 pairs.
        assert_eq!(pairs.len(), 5);
        assert_eq!(stats.frequent_seeds, 3);
    }

    #[test]
    fn each_window_is_hashed_once_when_the_corpus_fits_a_round() {
        let docs: Vec<String> = (0..200)
            .map(|i| format!("doc {i} alpha beta gamma delta epsilon zeta eta theta {i}"))
            .collect();
        let docs: Vec<&str> = docs.iter().map(String::as_str).collect();
        let c = Corpus::build(&docs);
        let (_, stats) = candidate_pairs(&c, &cfg());
        let windows: u64 = (0..c.len() as u32)
            .map(|d| c.doc(d).len().saturating_sub(2) as u64)
            .sum();
        assert_eq!(stats.seed_hashes, windows);
    }

    #[test]
    fn repeated_seed_in_one_document_votes_once() {
        let docs = ["a b c a b c a b c", "x a b c y"];
        let c = Corpus::build(&docs);
        let (pairs, _) = candidate_pairs(&c, &cfg());
        assert!(pairs.is_empty());
    }
}
