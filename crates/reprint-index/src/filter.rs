//! A Bloom filter over the bucket keys in the store, kept in memory: most documents share
//! no bucket with any other, and the filter answers "no such bucket" without touching the
//! B-tree. A false positive only costs a lookup; the filter never hides a bucket.
//!
//! Blocked: a key's probes all fall in one 64-bit word, so a lookup is one cache miss.

/// Bits per key: 16 bits and 4 probes in one word give about 1% false positives.
const BITS_PER_KEY: usize = 16;
const PROBES: u64 = 4;

#[derive(Debug, Clone)]
pub(crate) struct BandFilter {
    bits: Vec<u64>,
    mask: u64,
    keys: usize,
}

impl BandFilter {
    /// A filter sized for `keys` keys (and room to grow to twice that).
    pub(crate) fn with_capacity(keys: usize) -> BandFilter {
        let bits = (keys.max(1 << 14) * 2 * BITS_PER_KEY).next_power_of_two();
        BandFilter {
            bits: vec![0; bits / 64],
            mask: bits as u64 - 1,
            keys: 0,
        }
    }

    /// Whether the filter is too full to stay accurate.
    pub(crate) fn is_full(&self) -> bool {
        self.keys * BITS_PER_KEY > self.bits.len() * 64
    }

    /// The word and the bits of `key` in it.
    fn place(&self, key: u64) -> (usize, u64) {
        let h = (key ^ (key >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        let h = h ^ (h >> 32);
        let word = ((h & self.mask) >> 6) as usize;
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
        let mut f = BandFilter::with_capacity(100_000);
        for k in 0..100_000u64 {
            f.insert(k * 7919);
        }
        assert!((0..100_000u64).all(|k| f.may_contain(k * 7919)));
        let false_hits = (0..100_000u64)
            .filter(|k| f.may_contain(k * 7919 + 1))
            .count();
        assert!(false_hits < 3_000, "{false_hits} false positives");
        assert!(!f.is_full());
    }
}
