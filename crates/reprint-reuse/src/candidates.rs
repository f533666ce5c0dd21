//! Candidate pairs from shared seeds: a sort-based inverted index, never all pairs.
//!
//! Every word n-gram (seed) of every document is hashed and packed with its document id
//! into one `u64`; sorting puts each seed's documents next to each other. A seed found in
//! `2..=max_df` documents votes for every pair of them; a more frequent seed only links its
//! documents as a chain (in content order), so a paragraph repeated in 100 000 documents
//! costs 100 000 pairs, not five billion. Pairs with at least `min_shared_seeds` votes are
//! the candidates.
//!
//! The work is linear in the corpus: one walk hashes every window exactly once and
//! scatters its entry to a hash partition (about [`PARTITION_ENTRIES`] entries each); each
//! partition is then sorted on its own. The entries held in memory are bounded by
//! [`ReuseLimits::index_bytes`]: the partitions that fit stay in memory, the others go to
//! one temporary file (in [`ReuseLimits::spill_dir`]) in chunks and are read back when
//! their turn comes, so the peak is the budget plus the partitions being sorted, whatever
//! the corpus, and what is written is about the part of the index that does not fit.

use crate::corpus::{content_key, seed_hash, tokenize_into, OrderKeys};
use crate::{ReuseConfig, ReuseError, ReuseLimits, Texts};
use rayon::prelude::*;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::Mutex;

/// Index entries per partition: 4 Mi entries (32 MiB) keeps each sort in cache-friendly
/// memory while the partitions run in parallel.
const PARTITION_ENTRIES: usize = 1 << 22;

/// Entries a worker gathers per partition before it appends them under the partition's
/// lock.
const LOCAL_ENTRIES: usize = 256;

/// Partitions sorted together before their pair votes join the tally.
const MERGE_GROUP: usize = 16;

/// Counters from the candidate stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CandidateStats {
    /// Seed occurrences indexed (document-distinct).
    pub seeds: u64,
    /// Hash partitions the index was sorted in.
    pub partitions: u32,
    /// Windows hashed: every window of every document, once.
    pub seed_hashes: u64,
    /// Index entries written to the temporary file because the index outgrew
    /// [`ReuseLimits::index_bytes`] (0 when it fit).
    pub spilled_entries: u64,
    /// Distinct seeds found in more than `max_df` documents (linked as chains).
    pub frequent_seeds: u64,
    /// Pairs with at least `min_shared_seeds` shared seeds.
    pub candidate_pairs: u64,
}

/// One partition's `(pair, votes)` run, seeds indexed and frequent seeds.
type PartitionRun = (Vec<(u64, u32)>, u64, u64);

/// One partition while the corpus is walked: the entries in memory and the chunks
/// `(byte offset, entries)` already in the spill file.
#[derive(Default)]
struct Partition {
    mem: Vec<u64>,
    chunks: Vec<(u64, usize)>,
}

/// The temporary file partitions spill to, created on first use; `end` is its length.
struct Spill<'a> {
    limits: &'a ReuseLimits,
    file: Mutex<Option<(std::fs::File, u64)>>,
    error: Mutex<Option<std::io::Error>>,
}

impl Spill<'_> {
    /// Appends `entries` and returns the offset they were written at.
    fn write(&self, entries: &[u64]) -> std::io::Result<u64> {
        let mut bytes = Vec::with_capacity(entries.len() * 8);
        for e in entries {
            bytes.extend_from_slice(&e.to_le_bytes());
        }
        let mut guard = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            let file = match &self.limits.spill_dir {
                Some(d) => tempfile::tempfile_in(d)?,
                None => tempfile::tempfile()?,
            };
            *guard = Some((file, 0));
        }
        let (file, end) = guard.as_mut().expect("spill file");
        let at = *end;
        file.seek(SeekFrom::Start(at))?;
        file.write_all(&bytes)?;
        *end += bytes.len() as u64;
        Ok(at)
    }

    /// Reads the chunks back, appending to `out`.
    fn read(&self, chunks: &[(u64, usize)], out: &mut Vec<u64>) -> std::io::Result<()> {
        let mut bytes = Vec::new();
        for &(at, n) in chunks {
            bytes.resize(n * 8, 0);
            {
                let mut guard = self.file.lock().unwrap_or_else(|e| e.into_inner());
                let (file, _) = guard.as_mut().expect("spill file");
                file.seek(SeekFrom::Start(at))?;
                file.read_exact(&mut bytes)?;
            }
            out.extend(
                bytes
                    .chunks_exact(8)
                    .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes"))),
            );
        }
        Ok(())
    }

    fn fail(&self, e: std::io::Error) {
        self.error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert(e);
    }

    fn failed(&self) -> bool {
        self.error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }
}

/// What the candidate stage found: the pairs and every document's order key.
pub(crate) type Candidates = (Vec<(u32, u32)>, OrderKeys, CandidateStats);

/// `(a, b)` document pairs (`a < b`), sorted, that share enough seeds to be aligned, and the
/// order key of every document (computed on the way: each text is tokenized once here).
pub(crate) fn candidate_pairs<T: Texts + ?Sized>(
    texts: &T,
    cfg: &ReuseConfig,
    limits: &ReuseLimits,
) -> Result<Candidates, ReuseError> {
    candidate_pairs_in(texts, cfg, limits, PARTITION_ENTRIES)
}

/// Bytes of text per word window, about: partitions are sized from the text's length
/// before any of it is tokenized (the partitioning never changes the result).
const BYTES_PER_WINDOW: usize = 6;

/// [`candidate_pairs`] with partitions of about `partition_entries` entries.
fn candidate_pairs_in<T: Texts + ?Sized>(
    texts: &T,
    cfg: &ReuseConfig,
    limits: &ReuseLimits,
    partition_entries: usize,
) -> Result<Candidates, ReuseError> {
    let n = cfg.seed_n;
    let bytes: usize = (0..texts.count()).map(|d| texts.text_len(d)).sum();
    let estimate = bytes / BYTES_PER_WINDOW;
    let parts = estimate.div_ceil(partition_entries).max(1);
    let doc_bits = (64 - (texts.count().max(2) as u64 - 1).leading_zeros()).max(1);
    let doc_mask = (1u64 << doc_bits) - 1;
    // What each partition may hold in memory before it spills a chunk. The partitions that
    // fit three quarters of the budget stay in memory whole (up to twice their expected
    // size, in case the estimate is low); the others keep a small buffer each, spilled
    // whenever it fills. So what goes to disk is about what does not fit, not the index.
    let budget = limits.index_bytes / 8;
    let expect = estimate / parts + 1;
    let resident = if expect * parts <= budget {
        parts
    } else {
        (budget * 3 / 4) / expect
    };
    let buffer = (budget / 4 / (parts - resident).max(1)).clamp(LOCAL_ENTRIES, 1 << 16);
    let cap_of = |k: usize| if k < resident { 2 * expect } else { buffer };
    let docs = texts.count() as u32;

    // One walk of the corpus: each window hashed once, its entry scattered to the partition
    // of its hash. Workers gather small batches and append them under the partition's lock;
    // a partition over its share writes its entries to the spill file as one chunk.
    let partitions: Vec<Mutex<Partition>> = (0..parts)
        .map(|_| Mutex::new(Partition::default()))
        .collect();
    let spill = Spill {
        limits,
        file: Mutex::new(None),
        error: Mutex::new(None),
    };
    let flush = |k: usize, buf: &mut Vec<u64>| {
        let mut p = partitions[k].lock().unwrap_or_else(|e| e.into_inner());
        let cap = cap_of(k);
        if p.mem.capacity() - p.mem.len() < buf.len() {
            // Grow towards the cap, never past it: a spilling partition holds at most
            // `cap + LOCAL_ENTRIES` entries.
            let want = (p.mem.capacity() * 2)
                .max(4 * LOCAL_ENTRIES)
                .min(cap + LOCAL_ENTRIES)
                .max(p.mem.len() + buf.len());
            let len = p.mem.len();
            p.mem.reserve_exact(want - len);
        }
        p.mem.extend_from_slice(buf);
        buf.clear();
        if p.mem.len() >= cap && !spill.failed() {
            match spill.write(&p.mem) {
                Ok(at) => {
                    let len = p.mem.len();
                    p.chunks.push((at, len));
                    p.mem.clear();
                }
                Err(e) => spill.fail(e),
            }
        }
    };
    let walked: Vec<Vec<(u64, u32)>> = (0..docs)
        .into_par_iter()
        .chunks(1024)
        .map(|chunk| {
            let mut local: Vec<Vec<u64>> = vec![Vec::new(); parts];
            let mut order = Vec::with_capacity(chunk.len());
            let mut toks = Vec::new();
            for d in chunk {
                toks.clear();
                tokenize_into(&texts.text(d as usize), &mut toks);
                order.push((content_key(&toks), toks.len() as u32));
                if toks.len() < n {
                    continue;
                }
                for w in toks.windows(n) {
                    let h = seed_hash(w);
                    let k = partition_of(h, parts);
                    local[k].push((h & !doc_mask) | d as u64);
                    if local[k].len() >= LOCAL_ENTRIES {
                        flush(k, &mut local[k]);
                    }
                }
            }
            for (k, buf) in local.iter_mut().enumerate() {
                if !buf.is_empty() {
                    flush(k, buf);
                }
            }
            order
        })
        .collect();
    let mut order = OrderKeys::default();
    for (key, len) in walked.into_iter().flatten() {
        order.keys.push(key);
        order.lens.push(len);
    }
    let windows: u64 = order
        .lens
        .iter()
        .map(|&l| (l as u64).saturating_sub(n as u64 - 1))
        .sum();
    let io_error = |e: std::io::Error| ReuseError::Spill {
        reason: e.to_string(),
    };
    if let Some(e) = spill.error.lock().unwrap_or_else(|e| e.into_inner()).take() {
        return Err(io_error(e));
    }
    let partitions: Vec<Partition> = partitions
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect();
    let spilled_entries: usize = partitions
        .iter()
        .flat_map(|p| p.chunks.iter().map(|c| c.1))
        .sum();
    let mut stats = CandidateStats {
        partitions: parts as u32,
        seed_hashes: windows,
        spilled_entries: spilled_entries as u64,
        ..CandidateStats::default()
    };
    // Partitions are sorted a group at a time and their pair votes merged into one sorted
    // tally as each group ends: a pair sharing seeds in many partitions has a vote in each,
    // so holding every partition's votes at once would grow with partitions × pairs.
    let mut all: Vec<(u64, u32)> = Vec::new();
    let mut left = partitions.into_iter();
    loop {
        let group: Vec<Partition> = left.by_ref().take(MERGE_GROUP).collect();
        if group.is_empty() {
            break;
        }
        let runs: Vec<PartitionRun> = group
            .into_par_iter()
            .map(|p| {
                let mut entries = p.mem;
                spill.read(&p.chunks, &mut entries)?;
                Ok(partition_pairs(entries, &order, cfg, doc_mask))
            })
            .collect::<std::io::Result<_>>()
            .map_err(io_error)?;
        let mut votes: Vec<(u64, u32)> = Vec::with_capacity(runs.iter().map(|r| r.0.len()).sum());
        for (r, seeds, frequent) in runs {
            stats.seeds += seeds;
            stats.frequent_seeds += frequent;
            votes.extend(r);
        }
        votes.par_sort_unstable();
        all = merge_votes(&all, &votes);
    }
    // The tally has one entry per pair, sorted.
    let out: Vec<(u32, u32)> = all
        .iter()
        .filter(|&&(_, votes)| votes as u64 >= cfg.min_shared_seeds as u64)
        .map(|&(pair, _)| ((pair >> 32) as u32, pair as u32))
        .collect();
    stats.candidate_pairs = out.len() as u64;
    Ok((out, order, stats))
}

/// The partition of seed hash `h`: its low 32 bits scaled to `0..parts` (a multiply and a
/// shift instead of a division: the candidate stage took 6–13% less time at 1M documents).
/// The entry keeps the hash's top bits, so an entry's partition and its sort key come from
/// different bits.
#[inline]
fn partition_of(h: u64, parts: usize) -> usize {
    debug_assert!(parts <= u32::MAX as usize);
    (((h & 0xffff_ffff) * parts as u64) >> 32) as usize
}

/// One partition's entries (seed hash | document) → its `(pair, votes)` run, the entries
/// (document-distinct seed occurrences) and the frequent seeds among them.
fn partition_pairs(
    mut entries: Vec<u64>,
    order: &OrderKeys,
    cfg: &ReuseConfig,
    doc_mask: u64,
) -> PartitionRun {
    sort_uniform(&mut entries);
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
            group.sort_unstable_by_key(|&d| order.get(d));
        }
        reprint_text::bucket_edges(&group, cfg.max_df, false, |a, b| pairs.push(pack(a, b)));
        i = j;
    }
    let seeds = entries.len() as u64;
    drop(entries);
    (count_runs(pairs), seeds, frequent)
}

/// Sorts entries whose top bits are uniform (seed hashes): one counting pass scatters them
/// into buckets of their top bits (about a thousand entries each, so the scatter's write
/// heads stay in cache), then each bucket is sorted on its own, in cache.
fn sort_uniform(v: &mut Vec<u64>) {
    if v.len() < 1 << 14 {
        v.sort_unstable();
        return;
    }
    let bits = (v.len() / 1024).ilog2().clamp(1, 12);
    let shift = 64 - bits;
    let mut starts = vec![0usize; (1 << bits) + 1];
    for &e in v.iter() {
        starts[(e >> shift) as usize + 1] += 1;
    }
    for b in 1..starts.len() {
        starts[b] += starts[b - 1];
    }
    let mut out = vec![0u64; v.len()];
    let mut next = starts.clone();
    for &e in v.iter() {
        let b = (e >> shift) as usize;
        out[next[b]] = e;
        next[b] += 1;
    }
    for w in starts.windows(2) {
        out[w[0]..w[1]].sort_unstable();
    }
    *v = out;
}

fn pack(a: u32, b: u32) -> u64 {
    debug_assert!(a < b);
    ((a as u64) << 32) | b as u64
}

/// The tally `a` (sorted, one entry per pair) with the sorted votes `b` added: one entry
/// per pair, votes summed.
fn merge_votes(a: &[(u64, u32)], b: &[(u64, u32)]) -> Vec<(u64, u32)> {
    let mut out: Vec<(u64, u32)> = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let next = if j == b.len() || (i < a.len() && a[i].0 <= b[j].0) {
            i += 1;
            a[i - 1]
        } else {
            j += 1;
            b[j - 1]
        };
        match out.last_mut() {
            Some((p, v)) if *p == next.0 => *v += next.1,
            _ => out.push(next),
        }
    }
    out.shrink_to_fit();
    out
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
    fn votes_merge_into_one_entry_per_pair() {
        let tally = merge_votes(&[(1, 2), (5, 1)], &[(1, 1), (3, 1), (3, 2), (9, 4)]);
        assert_eq!(tally, vec![(1, 3), (3, 3), (5, 1), (9, 4)]);
        assert_eq!(merge_votes(&[], &[(2, 1), (2, 1)]), vec![(2, 2)]);
    }

    #[test]
    fn pairs_need_enough_shared_seeds() {
        let docs = [
            "alpha beta gamma delta epsilon",
            "zeta alpha beta gamma delta",  // shares 2 seeds with 0
            "alpha beta gamma omega sigma", // shares 1 seed with 0 and 1
        ];
        let (pairs, _, stats) =
            candidate_pairs(&docs[..], &cfg(), &ReuseLimits::default()).unwrap();
        assert_eq!(pairs, vec![(0, 1)]);
        assert_eq!(stats.candidate_pairs, 1);
        assert_eq!(stats.frequent_seeds, 0);
    }

    #[test]
    fn frequent_seeds_link_a_chain_not_all_pairs() {
        let text = "the same boilerplate line here";
        let docs = [text; 6];
        let (pairs, _, stats) =
            candidate_pairs(&docs[..], &cfg(), &ReuseLimits::default()).unwrap();
        // Identical documents: a chain of 5 links instead of 15 pairs.
        assert_eq!(pairs.len(), 5);
        assert_eq!(stats.frequent_seeds, 3);
    }

    /// `n` documents that share passages in overlapping groups, with some frequent seeds.
    fn corpus_of(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                format!(
                    "doc {i} alpha beta gamma delta epsilon zeta eta theta {} {} {} {i} \
                     shared passage number {} goes on for a few words {} more",
                    i % 7,
                    i % 11,
                    i % 13,
                    i % 17,
                    i % 5
                )
            })
            .collect()
    }

    fn windows(texts: &[&str], n: usize) -> u64 {
        texts
            .iter()
            .map(|t| {
                let mut toks = Vec::new();
                tokenize_into(t, &mut toks);
                toks.len().saturating_sub(n - 1) as u64
            })
            .sum()
    }

    #[test]
    fn each_window_is_hashed_once_whatever_the_partitions_and_budget() {
        for docs in [200, 800] {
            let texts = corpus_of(docs);
            let c: Vec<&str> = texts.iter().map(String::as_str).collect();
            let all = windows(&c, cfg().seed_n);
            for (partition_entries, index_bytes) in [(1 << 22, 256 << 20), (64, 0), (500, 16)] {
                let limits = ReuseLimits {
                    index_bytes,
                    spill_dir: None,
                };
                let (_, order, stats) =
                    candidate_pairs_in(&c[..], &cfg(), &limits, partition_entries).unwrap();
                assert_eq!(order.keys.len(), docs);
                assert_eq!(stats.seed_hashes, all, "{docs} docs, {partition_entries}");
            }
        }
    }

    #[test]
    fn spilling_the_index_changes_nothing_but_the_counter() {
        let texts = corpus_of(3000);
        let c: Vec<&str> = texts.iter().map(String::as_str).collect();
        let (whole, _, whole_stats) =
            candidate_pairs_in(&c[..], &cfg(), &ReuseLimits::default(), 1 << 22).unwrap();
        assert!(whole.len() > 1000, "{}", whole.len());
        assert_eq!(whole_stats.spilled_entries, 0);
        assert!(whole_stats.frequent_seeds > 0);
        let dir = tempfile::tempdir().unwrap();
        let tiny = ReuseLimits {
            index_bytes: 0,
            spill_dir: Some(dir.path().to_path_buf()),
        };
        let (spilled, _, stats) = candidate_pairs_in(&c[..], &cfg(), &tiny, 2000).unwrap();
        assert_eq!(spilled, whole);
        assert!(stats.partitions > 10, "{}", stats.partitions);
        assert!(stats.spilled_entries > stats.seeds / 2, "{stats:?}");
        assert_eq!(
            CandidateStats {
                partitions: whole_stats.partitions,
                spilled_entries: 0,
                ..stats
            },
            whole_stats
        );
        // The spill file is unlinked: nothing is left in the directory.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        // With room for half the index, about the other half is written, not all of it.
        let half = ReuseLimits {
            index_bytes: whole_stats.seed_hashes as usize * 8 / 2,
            spill_dir: None,
        };
        let (pairs, _, stats) = candidate_pairs_in(&c[..], &cfg(), &half, 2000).unwrap();
        assert_eq!(pairs, whole);
        let share = stats.spilled_entries as f64 / stats.seed_hashes as f64;
        assert!(share > 0.3 && share < 0.8, "{share}");
    }

    #[test]
    fn a_spill_directory_that_cannot_be_written_is_an_error() {
        let texts = corpus_of(3000);
        let c: Vec<&str> = texts.iter().map(String::as_str).collect();
        let limits = ReuseLimits {
            index_bytes: 0,
            spill_dir: Some("/nonexistent/reprint-spill".into()),
        };
        let err = candidate_pairs_in(&c[..], &cfg(), &limits, 2000).unwrap_err();
        assert!(
            matches!(&err, ReuseError::Spill { .. }) && err.to_string().contains("temporary file"),
            "{err}"
        );
    }

    #[test]
    fn partitions_are_in_range_and_even() {
        for parts in [1usize, 7, 123, 1000] {
            let mut count = vec![0u32; parts];
            for i in 0..1_000_000u64 {
                let k = partition_of(reprint_text::hash::fmix64(i), parts);
                assert!(k < parts, "{k} of {parts}");
                count[k] += 1;
            }
            let mean = 1_000_000.0 / parts as f64;
            let (lo, hi) = (count.iter().min().unwrap(), count.iter().max().unwrap());
            assert!(
                (*lo as f64) > mean * 0.8 && (*hi as f64) < mean * 1.2,
                "{parts} parts: {lo}..{hi} around {mean}"
            );
        }
        assert_eq!(partition_of(u64::MAX, 123), 122);
        assert_eq!(partition_of(0, 123), 0);
    }

    #[test]
    fn bucketed_sort_sorts() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for n in [0usize, 1, 1000, (1 << 14) - 1, 1 << 14, 100_000, 300_001] {
            let mut v: Vec<u64> = (0..n)
                .map(|i| {
                    state = reprint_text::hash::fmix64(state.wrapping_add(i as u64));
                    // Some repeats, and both ends of the range.
                    match i % 97 {
                        0 => 0,
                        1 => u64::MAX,
                        2 => 42,
                        _ => state,
                    }
                })
                .collect();
            let mut want = v.clone();
            want.sort_unstable();
            sort_uniform(&mut v);
            assert_eq!(v, want, "{n}");
        }
    }

    #[test]
    fn repeated_seed_in_one_document_votes_once() {
        let docs = ["a b c a b c a b c", "x a b c y"];
        let (pairs, _, _) = candidate_pairs(&docs[..], &cfg(), &ReuseLimits::default()).unwrap();
        assert!(pairs.is_empty());
    }
}
