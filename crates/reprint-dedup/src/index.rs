//! The candidate index: LSH band tables mapping bucket keys to documents.
//!
//! Built for three users: the batch pipeline (insert everything, then enumerate colliding
//! pairs), the incremental index (query a new document's keys against the tables), and
//! distributed engines (the same `(band, key, doc)` rows, shuffled by key). A table row is
//! 8 bytes, so the resident size is `8 * bands` bytes per document.

use rayon::prelude::*;

/// Documents are numbered densely from 0 in input order.
pub type Doc = u32;

/// Pack an unordered pair as `min << 32 | max`: sorts by first, then second document.
#[inline]
pub fn pack_pair(a: Doc, b: Doc) -> u64 {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    ((lo as u64) << 32) | hi as u64
}

/// Inverse of [`pack_pair`].
#[inline]
pub fn unpack_pair(p: u64) -> (Doc, Doc) {
    ((p >> 32) as Doc, p as Doc)
}

/// Band tables: for each band, `(key, doc)` rows.
#[derive(Debug, Clone)]
pub struct CandidateIndex {
    tables: Vec<Vec<(u32, Doc)>>,
    /// Rows inserted since the last `finish`, per table, in fixed-size blocks: growing
    /// never copies what is already there.
    pending: Vec<Vec<Vec<(u32, Doc)>>>,
    sorted: bool,
}

/// Rows per pending block (512 KiB).
const BLOCK_ROWS: usize = 1 << 16;

/// What enumerating candidate pairs found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CandidateStats {
    /// Distinct candidate pairs.
    pub pairs: u64,
    /// Buckets larger than the cap, linked as chains instead of all pairs.
    pub oversized_buckets: u64,
}

impl CandidateIndex {
    /// An empty index with `bands` tables.
    pub fn new(bands: usize) -> CandidateIndex {
        CandidateIndex {
            tables: vec![Vec::new(); bands],
            pending: vec![Vec::new(); bands],
            sorted: true,
        }
    }

    /// Adds a document's band keys (one per band).
    pub fn insert(&mut self, doc: Doc, keys: &[u32]) {
        debug_assert_eq!(keys.len(), self.tables.len());
        for (blocks, &key) in self.pending.iter_mut().zip(keys) {
            match blocks.last_mut() {
                Some(b) if b.len() < b.capacity() => b.push((key, doc)),
                _ => {
                    // Blocks grow with the table (a quarter of it), so a small collection
                    // wastes at most a fifth and a large one at most one block.
                    let rows: usize = blocks.iter().map(Vec::len).sum();
                    let cap = (rows / 4).clamp(16, BLOCK_ROWS);
                    let mut b = Vec::with_capacity(cap);
                    b.push((key, doc));
                    blocks.push(b);
                }
            }
        }
        self.sorted = false;
    }

    /// Sorts the tables for lookups and enumeration (parallel over bands).
    pub fn finish(&mut self) {
        if !self.sorted {
            // Rows went in in document order and the sort is stable: sorted by (key, doc).
            self.tables
                .par_iter_mut()
                .zip(self.pending.par_iter_mut())
                .for_each_init(Vec::new, |scratch, (t, blocks)| {
                    let added: usize = blocks.iter().map(Vec::len).sum();
                    t.reserve_exact(added);
                    for b in blocks.drain(..) {
                        t.extend_from_slice(&b);
                    }
                    crate::radix::sort_by_key(t, scratch, |(k, _)| k);
                });
            self.sorted = true;
        }
    }

    /// Documents sharing at least one bucket with `keys`, sorted, without repeats.
    pub fn query(&self, keys: &[u32]) -> Vec<Doc> {
        assert!(self.sorted, "call finish() before query()");
        let mut out = Vec::new();
        for (table, &key) in self.tables.iter().zip(keys) {
            let from = table.partition_point(|&(k, _)| k < key);
            out.extend(
                table[from..]
                    .iter()
                    .take_while(|&&(k, _)| k == key)
                    .map(|&(_, d)| d),
            );
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Every pair of documents that share a bucket, packed with [`pack_pair`], sorted.
    ///
    /// A bucket with more than `max_bucket` documents (boilerplate, a thousand copies of one
    /// page) would produce quadratically many pairs; it is instead linked as a chain plus a
    /// star on its first member, which keeps its documents connected when they verify.
    pub fn candidate_pairs(&self, max_bucket: usize) -> (Vec<u64>, CandidateStats) {
        assert!(self.sorted, "call finish() before candidate_pairs()");
        let per_band: Vec<(Vec<u64>, u64)> = self
            .tables
            .par_iter()
            .map(|table| {
                let mut pairs = Vec::new();
                let mut members: Vec<Doc> = Vec::new();
                let mut oversized = 0;
                for run in table.chunk_by(|x, y| x.0 == y.0) {
                    if run.len() < 2 {
                        continue;
                    }
                    if run.len() > max_bucket {
                        oversized += 1;
                    }
                    members.clear();
                    members.extend(run.iter().map(|x| x.1));
                    reprint_text::bucket_edges(&members, max_bucket, true, |a, b| {
                        pairs.push(pack_pair(a, b))
                    });
                }
                pairs.sort_unstable();
                pairs.dedup();
                (pairs, oversized)
            })
            .collect();
        let oversized_buckets = per_band.iter().map(|(_, o)| o).sum();
        let mut all: Vec<u64> = per_band.into_iter().flat_map(|(p, _)| p).collect();
        all.par_sort_unstable();
        all.dedup();
        let stats = CandidateStats {
            pairs: all.len() as u64,
            oversized_buckets,
        };
        (all, stats)
    }

    /// Bytes held by the tables.
    pub fn memory_bytes(&self) -> usize {
        let rows: usize = self
            .tables
            .iter()
            .map(Vec::capacity)
            .chain(self.pending.iter().flatten().map(Vec::capacity))
            .sum();
        rows * std::mem::size_of::<(u32, Doc)>()
    }

    /// Number of bands.
    pub fn bands(&self) -> usize {
        self.tables.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_and_queries() {
        let mut idx = CandidateIndex::new(2);
        idx.insert(0, &[1, 10]);
        idx.insert(1, &[1, 11]);
        idx.insert(2, &[2, 11]);
        idx.insert(3, &[3, 12]);
        idx.finish();
        let (pairs, stats) = idx.candidate_pairs(100);
        assert_eq!(pairs, vec![pack_pair(0, 1), pack_pair(1, 2)]);
        assert_eq!(stats.pairs, 2);
        assert_eq!(idx.query(&[2, 10]), vec![0, 2]);
        assert!(idx.memory_bytes() >= 32);
    }

    #[test]
    fn oversized_buckets_stay_connected_without_quadratic_pairs() {
        let mut idx = CandidateIndex::new(1);
        for d in 0..1000 {
            idx.insert(d, &[7]);
        }
        idx.finish();
        let (pairs, stats) = idx.candidate_pairs(50);
        assert_eq!(stats.oversized_buckets, 1);
        assert!(pairs.len() < 2000);
        assert!(pairs.contains(&pack_pair(998, 999)));
        assert!(pairs.contains(&pack_pair(0, 500)));
    }

    #[test]
    fn pack_is_symmetric() {
        assert_eq!(pack_pair(5, 3), pack_pair(3, 5));
        assert_eq!(unpack_pair(pack_pair(5, 3)), (3, 5));
    }
}
