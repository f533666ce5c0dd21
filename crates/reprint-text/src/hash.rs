//! The stable hashes reprint uses for tokens, shingles and whole documents.
//!
//! These values may be persisted (index files) or compared across machines, so they are
//! specified here and never depend on the platform or the Rust version:
//! * a token hashes to `xxh3_64(normalized token bytes)` (seed 0);
//! * a shingle of token hashes `t0..tn` folds them with [`combine`] and ends with [`fmix64`];
//! * a document's exact hash folds all its token hashes the same way ([`sequence_hash`]).

use xxhash_rust::xxh3::xxh3_64;

/// Hash of one normalized token.
#[inline]
pub fn token_hash(normalized: &[u8]) -> u64 {
    xxh3_64(normalized)
}

const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// Order-dependent fold step used for shingles: `(acc.rotl(23) ^ next) * K`.
#[inline]
pub fn combine(acc: u64, next: u64) -> u64 {
    (acc.rotate_left(23) ^ next).wrapping_mul(K)
}

/// MurmurHash3's 64-bit finalizer: a bijection that spreads every input bit.
#[inline]
pub fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^= k >> 33;
    k
}

/// Hash of a window of token hashes `t0..t(n-1)` (one shingle):
/// `fmix64(n ^ rotl(t0, n-1) ^ rotl(t1, n-2) ^ … ^ t(n-1))`.
///
/// The rotations make it order-dependent; the form lets [`ShingleRoller`] slide it by one
/// token with two rotations and two XORs. `n` is at most 64, so every position has its own
/// rotation.
#[inline]
pub fn shingle_hash(window: &[u64]) -> u64 {
    let n = window.len() as u32;
    let mut acc = 0u64;
    for (i, &t) in window.iter().enumerate() {
        acc ^= t.rotate_left(n - 1 - i as u32);
    }
    fmix64(acc ^ n as u64)
}

/// Rolling form of [`shingle_hash`] over a token sequence.
#[derive(Debug, Clone, Copy)]
pub struct ShingleRoller {
    n: u32,
    acc: u64,
}

impl ShingleRoller {
    /// Starts on the first window `first` (its length is the shingle size).
    #[inline]
    pub fn new(first: &[u64]) -> ShingleRoller {
        let n = first.len() as u32;
        let mut acc = 0u64;
        for (i, &t) in first.iter().enumerate() {
            acc ^= t.rotate_left(n - 1 - i as u32);
        }
        ShingleRoller { n, acc }
    }

    /// Hash of the current window.
    #[inline]
    pub fn hash(&self) -> u64 {
        fmix64(self.acc ^ self.n as u64)
    }

    /// Slides the window: drops `old` (its first token), appends `new`.
    #[inline]
    pub fn roll(&mut self, old: u64, new: u64) {
        self.acc = (self.acc ^ old.rotate_left(self.n - 1)).rotate_left(1) ^ new;
    }
}

/// Hash of a whole token sequence (exact-duplicate key): token `i` is folded with
/// [`combine`] into lane `i % 4` (each lane starting from `!len`), the four lanes are
/// combined in order, then [`fmix64`]. Four lanes let the CPU overlap the multiplications.
pub fn sequence_hash(tokens: &[u64]) -> u64 {
    let start = !(tokens.len() as u64);
    let mut lanes = [start; 4];
    let mut chunks = tokens.chunks_exact(4);
    for c in &mut chunks {
        for k in 0..4 {
            lanes[k] = combine(lanes[k], c[k]);
        }
    }
    for (k, &t) in chunks.remainder().iter().enumerate() {
        lanes[k] = combine(lanes[k], t);
    }
    fmix64(lanes.iter().fold(0, |acc, &l| combine(acc, l)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shingle_hash_is_order_dependent() {
        assert_ne!(shingle_hash(&[1, 2, 3]), shingle_hash(&[3, 2, 1]));
        assert_ne!(shingle_hash(&[1, 2]), shingle_hash(&[1, 2, 0]));
    }

    #[test]
    fn sequence_hash_sees_order_and_length() {
        let a = sequence_hash(&[1, 2, 3, 4, 5]);
        assert_ne!(a, sequence_hash(&[1, 2, 3, 5, 4]));
        assert_ne!(a, sequence_hash(&[5, 2, 3, 4, 1]));
        assert_ne!(sequence_hash(&[]), sequence_hash(&[0]));
        assert_eq!(a, sequence_hash(&[1, 2, 3, 4, 5]));
    }

    #[test]
    fn rolling_matches_direct() {
        let toks: Vec<u64> = (0..40u64).map(|i| fmix64(i * 7 + 1)).collect();
        for n in [1usize, 2, 5, 13] {
            let mut r = ShingleRoller::new(&toks[..n]);
            for start in 0..=toks.len() - n {
                assert_eq!(
                    r.hash(),
                    shingle_hash(&toks[start..start + n]),
                    "n {n} at {start}"
                );
                if start + n < toks.len() {
                    r.roll(toks[start], toks[start + n]);
                }
            }
        }
    }

    #[test]
    fn hashes_are_stable() {
        // Persisted values: changing these breaks every stored index.
        assert_eq!(token_hash(b"putin"), xxh3_64(b"putin"));
        assert_eq!(fmix64(0), 0);
        assert_eq!(fmix64(1), 0xb456_bcfc_34c2_cb2c);
    }
}
