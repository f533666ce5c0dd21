//! Candidates for containment: pairs where a small document lies inside a large one.
//!
//! LSH on Jaccard misses them (a 50-word post quoted in a 1,000-word reply has Jaccard 0.05).
//! Instead every document keeps a content-defined sample of its shingles (those whose hash
//! falls in a fixed 1/`rate` slice), so whatever of A lies inside B is sampled in B too.
//! Documents sharing enough samples become candidates. Samples present in more than
//! `max_df` documents (boilerplate) are ignored, which bounds the pair count.

use crate::index::{pack_pair, Doc};
use rayon::prelude::*;

/// Whether a shingle value is in the sample (1 in `rate`, `rate` a power of two).
#[inline]
pub fn is_sampled(v: u32, rate: u32) -> bool {
    debug_assert!(rate.is_power_of_two());
    (v.wrapping_mul(0x9E37_79B1) >> 16) & (rate - 1) == 0
}

/// An inverted index of sampled shingles.
#[derive(Debug, Clone, Default)]
pub struct SampleIndex {
    rows: Vec<(u32, Doc)>,
    counts: Vec<u32>,
}

impl SampleIndex {
    /// Empty index.
    pub fn new() -> SampleIndex {
        SampleIndex::default()
    }

    /// Bytes held (capacities).
    pub fn memory_bytes(&self) -> usize {
        self.rows.capacity() * std::mem::size_of::<(u32, Doc)>() + self.counts.capacity() * 4
    }

    /// Adds the sampled values of `doc`'s shingles (any order, repeats allowed). Documents
    /// must be added in increasing order, each once.
    pub fn insert(&mut self, doc: Doc, set: &[u32], rate: u32) {
        debug_assert_eq!(doc as usize, self.counts.len());
        let before = self.rows.len();
        self.rows.extend(
            set.iter()
                .filter(|&&v| is_sampled(v, rate))
                .map(|&v| (v, doc)),
        );
        self.rows[before..].sort_unstable();
        let mut w = before;
        for r in before..self.rows.len() {
            if r == before || self.rows[r] != self.rows[w - 1] {
                self.rows[w] = self.rows[r];
                w += 1;
            }
        }
        self.rows.truncate(w);
        self.counts.push((self.rows.len() - before) as u32);
    }

    /// Pairs sharing at least `min_share` of the smaller document's samples (and at least
    /// one), packed and sorted.
    pub fn candidate_pairs(mut self, min_share: f64, max_df: usize) -> Vec<u64> {
        self.rows.par_sort_unstable();
        let mut raw: Vec<u64> = Vec::new();
        for run in self.rows.chunk_by(|x, y| x.0 == y.0) {
            if run.len() < 2 || run.len() > max_df {
                continue;
            }
            for (i, x) in run.iter().enumerate() {
                for y in &run[i + 1..] {
                    if x.1 != y.1 {
                        raw.push(pack_pair(x.1, y.1));
                    }
                }
            }
        }
        raw.par_sort_unstable();
        let mut out = Vec::new();
        for run in raw.chunk_by(|x, y| x == y) {
            let (a, b) = crate::index::unpack_pair(run[0]);
            let smaller = self.counts[a as usize].min(self.counts[b as usize]);
            let need = ((smaller as f64) * min_share).floor().max(1.0) as usize;
            if run.len() >= need {
                out.push(run[0]);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_small_document_inside_a_large_one() {
        let big: Vec<u32> = (0..20_000u32)
            .map(|x| x.wrapping_mul(2_654_435_761))
            .collect();
        let mut big_sorted = big.clone();
        big_sorted.sort_unstable();
        let mut small: Vec<u32> = big[100..400].to_vec();
        small.sort_unstable();
        let mut other: Vec<u32> = (50_000..50_300u32).collect();
        other.sort_unstable();
        let mut idx = SampleIndex::new();
        idx.insert(0, &big_sorted, 8);
        idx.insert(1, &small, 8);
        idx.insert(2, &other, 8);
        let pairs = idx.candidate_pairs(0.5, 100);
        assert_eq!(pairs, vec![pack_pair(0, 1)]);
    }

    #[test]
    fn sampling_rate_is_about_right() {
        let n = (0..80_000u32)
            .filter(|&v| is_sampled(v.wrapping_mul(747_796_405), 8))
            .count();
        assert!((9_000..11_000).contains(&n), "{n}");
    }
}
