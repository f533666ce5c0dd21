//! A Bloom filter over the bucket keys in the store, kept in memory: most documents share
//! no bucket with any other, and the filter answers "no such bucket" without touching the
//! B-tree. A false positive only costs a lookup; the filter never hides a bucket.
//!
//! Blocked: a key's probes all fall in one 64-bit word, so a lookup is one cache miss. The
//! word is a monotone function of the key (band, then the band key, itself a uniform hash),
//! so the sorted inserts of a batch, and a rebuild from the sorted tables, sweep memory in
//! order instead of jumping around it.

/// Bits per key: 16 bits and 4 probes in one word give about 1% false positives.
const BITS_PER_KEY: usize = 16;
const PROBES: u64 = 4;

#[derive(Debug, Clone)]
pub(crate) struct BandFilter {
    bits: Vec<u64>,
    /// Words per band.
    per_band: u64,
    bands: u64,
    keys: usize,
}

impl BandFilter {
    /// A filter of keys `(band << 32) | key` for `bands` bands, sized for `keys` keys and
    /// room to grow to four times that.
    pub(crate) fn with_capacity(keys: usize, bands: usize) -> BandFilter {
        let bands = bands.max(1) as u64;
        let words = (keys.max(1 << 14) * 4 * BITS_PER_KEY / 64) as u64;
        let per_band = words.div_ceil(bands).max(1);
        BandFilter {
            bits: vec![0; (per_band * bands) as usize],
            per_band,
            bands,
            keys: 0,
        }
    }

    /// Whether the filter is too full to stay accurate.
    pub(crate) fn is_full(&self) -> bool {
        self.keys * BITS_PER_KEY > self.bits.len() * 64
    }

    /// The word and the bits of `key` in it.
    fn place(&self, key: u64) -> (usize, u64) {
        let band = (key >> 32).min(self.bands - 1);
        let within = ((key & 0xffff_ffff) * self.per_band) >> 32;
        let word = (band * self.per_band + within) as usize;
        let mut g = key.wrapping_mul(0x94d0_49bb_1331_11eb);
        let mut bits = 0u64;
        for _ in 0..PROBES {
            g = g.rotate_left(6);
            bits |= 1 << (g & 63);
        }
        (word, bits)
    }

    pub(crate) fn insert(&mut self, key: u64) {
        let (w, bits) = self.place(key);
        self.bits[w] |= bits;
        self.keys += 1;
    }

    pub(crate) fn may_contain(&self, key: u64) -> bool {
        let (w, bits) = self.place(key);
        self.bits[w] & bits == bits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_forgets_a_key_and_rarely_invents_one() {
        // Band keys are uniform hashes: draw them so.
        let key = |i: u64| {
            let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            ((i % 21) << 32) | (h >> 32)
        };
        let mut f = BandFilter::with_capacity(100_000, 21);
        for k in 0..100_000u64 {
            f.insert(key(k));
        }
        assert!((0..100_000u64).all(|k| f.may_contain(key(k))));
        let false_hits = (100_000..200_000u64)
            .filter(|&k| f.may_contain(key(k)))
            .count();
        assert!(false_hits < 3_000, "{false_hits} false positives");
        assert!(!f.is_full());
    }
}
