//! Where a new document's candidates come from: the LSH buckets (stored, and this batch's
//! pending ones) and the reuse level's seed postings, with the filters that skip lookups of
//! keys never stored.

use super::*;

/// Bucket entries of a batch, inserted sorted when the batch ends (sorted inserts keep the
/// B-tree's pages in cache); candidates look here too.
#[derive(Default)]
pub(crate) struct PendingBands {
    rows: Vec<(u64, u32)>,
    /// The first pending document of each bucket; the rare later ones in `more`. Keyed by
    /// band keys, themselves uniform hashes.
    by_key: KeyMap<u64, u32>,
    more: KeyMap<u64, Vec<u32>>,
}

impl PendingBands {
    /// Room for `rows` entries (a batch's documents times the bands): growing the maps
    /// rehashes every entry again.
    pub(crate) fn with_capacity(rows: usize) -> PendingBands {
        PendingBands {
            rows: Vec::with_capacity(rows),
            by_key: KeyMap::with_capacity_and_hasher(rows, Default::default()),
            more: KeyMap::default(),
        }
    }

    pub(crate) fn push(&mut self, bk: u64, d: u32) {
        self.rows.push((bk, d));
        match self.by_key.entry(bk) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(d);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.more.entry(bk).or_default().push(d);
            }
        }
    }

    /// Stores the batch's entries: as a run when there are `run_min` or more, else entry
    /// by entry in the per-band tables.
    pub(crate) fn flush(
        &mut self,
        t: &mut Tables<'_>,
        run_min: usize,
        filter: &mut Option<BandFilter>,
    ) -> Result<(), IndexError> {
        self.rows.sort_unstable();
        if self.rows.len() >= run_min {
            t.runs.push(&self.rows)?;
        } else {
            for &(bk, d) in &self.rows {
                t.bands[(bk >> 32) as usize].insert((bk as u32, d), ())?;
            }
        }
        if let Some(f) = filter.as_mut() {
            for &(bk, _) in &self.rows {
                f.insert(bk);
            }
        }
        self.rows.clear();
        self.by_key.clear();
        self.more.clear();
        Ok(())
    }
}

impl Index {
    /// First copies sharing a bucket with `keys`, ascending; a bucket of `max_bucket` or
    /// more gives only its first and last members (the batch links oversized buckets as a
    /// chain plus a star on the first). A bucket's members are in the per-band tables, in
    /// the runs and in this batch's pending entries.
    pub(crate) fn candidates(
        &self,
        (bands, runs): (
            &[impl ReadableTable<(u32, u32), ()>],
            &[impl ReadableTable<runs::Row, &'static [u8]>],
        ),
        pending: &PendingBands,
        filter: Option<&BandFilter>,
        keys: &[u32],
    ) -> Result<Vec<u32>, IndexError> {
        let max = self.cfg.dedup.max_bucket;
        let mut out = Vec::new();
        let mut got = Vec::new();
        for (band, &k) in keys.iter().enumerate() {
            let bk = band_key(band, k);
            let stored = filter.is_none_or(|f| f.may_contain(bk));
            if !stored && !pending.by_key.contains_key(&bk) {
                continue;
            }
            // Up to `max` first members of each place, and the last member of all.
            got.clear();
            let mut last = None;
            if stored {
                for e in bands[band].range((k, 0)..=(k, u32::MAX))? {
                    got.push(e?.0.value().1);
                    if got.len() >= max {
                        break;
                    }
                }
                last = if got.len() >= max {
                    match bands[band].range((k, 0)..=(k, u32::MAX))?.next_back() {
                        Some(e) => Some(e?.0.value().1),
                        None => None,
                    }
                } else {
                    got.last().copied()
                };
                for r in runs {
                    last = last.max(runs::bucket(r, bk, max, &mut got)?);
                }
            }
            // Documents of this batch come after every stored one.
            if let Some(&first) = pending.by_key.get(&bk) {
                got.push(first);
                got.extend(pending.more.get(&bk).into_iter().flatten());
                last = got.last().copied();
            }
            if got.len() >= max {
                // The batch links an oversized bucket as a chain plus a star on its first
                // member: a newcomer meets the last member and the first.
                out.extend(got.iter().min());
                out.extend(last);
            } else {
                out.extend_from_slice(&got);
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// Documents sharing at least `min_shared_seeds` seeds with a document (number `d`,
    /// content key `key`). A seed in `max_df` or more documents votes only for the
    /// document's neighbours in chain order, as the batch's chain does.
    pub(crate) fn reuse_candidates(
        &self,
        seeds_t: &impl ReadableTable<[u8; 12], ()>,
        filter: Option<&BandFilter>,
        seeds: &[u64],
        key: u64,
        d: u32,
        rc: &reprint_reuse::ReuseConfig,
    ) -> Result<Vec<u32>, IndexError> {
        let mut votes: BTreeMap<u32, u32> = BTreeMap::new();
        let key = key32(key);
        let mut posted: Vec<u32> = seeds.iter().map(|&s| seed32(s)).collect();
        posted.sort_unstable();
        posted.dedup();
        for s in posted {
            if filter.is_some_and(|f| !f.may_contain(s as u64)) {
                continue;
            }
            let lo = seed_posting(s, 0, 0);
            let hi = seed_posting(s, u32::MAX, u32::MAX);
            let mut docs = Vec::new();
            let mut frequent = false;
            for e in seeds_t.range(lo..=hi)? {
                let x = posting_doc(&e?.0.value());
                if x == d {
                    continue;
                }
                docs.push(x);
                if docs.len() >= rc.max_df {
                    frequent = true;
                    break;
                }
            }
            if frequent {
                docs.clear();
                let me = seed_posting(s, key, d);
                let before = seeds_t.range(lo..me)?.next_back();
                if let Some(e) = before {
                    docs.push(posting_doc(&e?.0.value()));
                }
                let after = seeds_t
                    .range((std::ops::Bound::Excluded(me), std::ops::Bound::Included(hi)))?
                    .next();
                if let Some(e) = after {
                    let x = posting_doc(&e?.0.value());
                    if x != d {
                        docs.push(x);
                    }
                }
            }
            for x in docs {
                *votes.entry(x).or_insert(0) += 1;
            }
        }
        Ok(votes
            .into_iter()
            .filter(|&(_, v)| v as usize >= rc.min_shared_seeds)
            .map(|(x, _)| x)
            .collect())
    }
}

/// A filter of every bucket key in `bands` and in `runs` (of `run_rows` entries).
pub(crate) fn build_filter(
    bands: &[impl ReadableTable<(u32, u32), ()>],
    runs: &[impl ReadableTable<runs::Row, &'static [u8]>],
    run_rows: u64,
) -> Result<BandFilter, IndexError> {
    let mut n = run_rows as usize;
    for t in bands {
        n += t.len()? as usize;
    }
    let mut f = BandFilter::with_capacity(n, bands.len());
    for (band, t) in bands.iter().enumerate() {
        for e in t.iter()? {
            f.insert(band_key(band, e?.0.value().0));
        }
    }
    for r in runs {
        runs::for_each(r, |bk, _| f.insert(bk))?;
    }
    Ok(f)
}

/// A filter of every seed posted in `seeds`.
pub(crate) fn build_seed_filter(
    seeds: &impl ReadableTable<[u8; 12], ()>,
) -> Result<BandFilter, IndexError> {
    let mut f = BandFilter::with_capacity(seeds.len()? as usize, 1);
    for e in seeds.iter()? {
        f.insert(posting_seed(&e?.0.value()) as u64);
    }
    Ok(f)
}

/// `(band << 32) | key`: one bucket.
pub(crate) fn band_key(band: usize, key: u32) -> u64 {
    ((band as u64) << 32) | key as u64
}
