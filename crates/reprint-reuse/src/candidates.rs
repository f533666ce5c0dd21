//! Candidate pairs from shared seeds: a sort-based inverted index, never all pairs.
//!
//! Every word n-gram (seed) of every document is hashed and packed with its document id
//! into one `u64`; sorting puts each seed's documents next to each other. A seed found in
//! `2..=max_df` documents votes for every pair of them; a more frequent seed only links its
//! documents as a chain (in content order), so a paragraph repeated in 100 000 documents
//! costs 100 000 pairs, not five billion. Pairs with at least `min_shared_seeds` votes are
//! the candidates. To bound memory, seeds are processed in hash partitions, each a separate
//! sort (an external sort in memory-sized runs).

use crate::corpus::{seed_hash, Corpus};
use crate::ReuseConfig;
use rayon::prelude::*;

/// Index entries per partition: 4 Mi entries (32 MiB) keeps each sort in cache-friendly
/// memory while the partitions run in parallel.
const PARTITION_ENTRIES: usize = 1 << 22;

/// Counters from the candidate stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CandidateStats {
    /// Seed occurrences indexed (document-distinct).
    pub seeds: u64,
    /// Hash partitions the index was sorted in.
    pub partitions: u32,
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

    let runs: Vec<PartitionRun> = (0..parts)
        .into_par_iter()
        .map(|p| {
            let mut entries = Vec::with_capacity(windows / parts as usize + 1024);
            for d in 0..corpus.len() as u32 {
                let toks = corpus.doc(d);
                if toks.len() < n {
                    continue;
                }
                for w in toks.windows(n) {
                    let h = seed_hash(w);
                    if h % parts == p {
                        entries.push((h & !doc_mask) | d as u64);
                    }
                }
            }
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
                reprint_text::bucket_edges(&group, cfg.max_df, false, |a, b| {
                    pairs.push(pack(a, b))
                });
                i = j;
            }
            let seeds = entries.len() as u64;
            drop(entries);
            (count_runs(pairs), seeds, frequent)
        })
        .collect();

    let mut stats = CandidateStats {
        partitions: parts as u32,
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
    fn repeated_seed_in_one_document_votes_once() {
        let docs = ["a b c a b c a b c", "x a b c y"];
        let c = Corpus::build(&docs);
        let (pairs, _) = candidate_pairs(&c, &cfg());
        assert!(pairs.is_empty());
    }
}
