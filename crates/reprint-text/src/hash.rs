//! The stable hashes reprint uses for tokens, shingles and whole documents.
//!
//! These values may be persisted (index files) or compared across machines, so they are
//! specified here and never depend on the platform or the Rust version:
//! * a token hashes to `xxh3_64(normalized token bytes)` (seed 0);
//! * a shingle of token hashes `t0..tn` folds them with [`combine`] and ends with [`fmix64`];
//! * a document's exact hash folds all its token hashes the same way ([`sequence_hash`]).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use xxhash_rust::xxh3::xxh3_64;

/// Hash of one normalized token.
#[inline]
pub fn token_hash(normalized: &[u8]) -> u64 {
    xxh3_64(normalized)
}

/// [`token_hash`] of the lowercase form of `word`, an ASCII word (bytes `[0-9A-Za-z_]`) of
/// 1 to 16 bytes, without copying it: the XXH3 short-input paths with the default secret and
/// seed 0, on bytes lowercased in registers. Equal to `xxh3_64` of the lowercased bytes
/// (tested against `xxhash-rust`).
#[inline]
pub(crate) fn xxh3_ascii_lower(word: &[u8]) -> u64 {
    let n = word.len();
    debug_assert!((1..=16).contains(&n));
    if n >= 9 {
        let lo = lower8(u64::from_le_bytes(word[..8].try_into().expect("8 bytes")));
        let hi = lower8(u64::from_le_bytes(
            word[n - 8..].try_into().expect("8 bytes"),
        ));
        let lo = lo ^ (SECRET_24 ^ SECRET_32);
        let hi = hi ^ (SECRET_40 ^ SECRET_48);
        let acc = (n as u64)
            .wrapping_add(lo.swap_bytes())
            .wrapping_add(hi)
            .wrapping_add(mul128_fold64(lo, hi));
        xxh3_avalanche(acc)
    } else if n >= 4 {
        let first = lower4(u32::from_le_bytes(word[..4].try_into().expect("4 bytes")));
        let last = lower4(u32::from_le_bytes(
            word[n - 4..].try_into().expect("4 bytes"),
        ));
        let input = (last as u64).wrapping_add((first as u64) << 32);
        rrmxmx(input ^ (SECRET_8 ^ SECRET_16), n as u64)
    } else {
        let c1 = word[0].to_ascii_lowercase() as u32;
        let c2 = word[n >> 1].to_ascii_lowercase() as u32;
        let c3 = word[n - 1].to_ascii_lowercase() as u32;
        let combined = (c1 << 16) | (c2 << 24) | c3 | ((n as u32) << 8);
        xxh64_avalanche(combined as u64 ^ SECRET_0_4)
    }
}

// The first bytes of XXH3's default secret, as the short-input paths read them.
const SECRET_0_4: u64 = (0xbe4b_a423_u32 ^ 0x396c_feb8_u32) as u64;
const SECRET_8: u64 = 0x1cad_21f7_2c81_017c;
const SECRET_16: u64 = 0xdb97_9083_e96d_d4de;
const SECRET_24: u64 = 0x1f67_b3b7_a4a4_4072;
const SECRET_32: u64 = 0x78e5_c0cc_4ee6_79cb;
const SECRET_40: u64 = 0x2172_ffcc_7dd0_5a82;
const SECRET_48: u64 = 0x8e24_43f7_7446_08b8;

/// Lowercases the ASCII letters among 8 ASCII bytes at once.
#[inline]
fn lower8(v: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // Per byte b < 0x80: b + 0x3f has its top bit set iff b >= 'A', b + 0x25 iff b > 'Z'.
    let upper = (v.wrapping_add(0x3f * ONES) & !v.wrapping_add(0x25 * ONES)) & (0x80 * ONES);
    v | (upper >> 2)
}

#[inline]
fn lower4(v: u32) -> u32 {
    lower8(v as u64) as u32
}

#[inline]
fn mul128_fold64(a: u64, b: u64) -> u64 {
    let p = a as u128 * b as u128;
    (p as u64) ^ ((p >> 64) as u64)
}

#[inline]
fn xxh3_avalanche(mut h: u64) -> u64 {
    h ^= h >> 37;
    h = h.wrapping_mul(0x1656_6791_9E37_79F9);
    h ^ (h >> 32)
}

#[inline]
fn xxh64_avalanche(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    h ^= h >> 29;
    h = h.wrapping_mul(0x1656_67B1_9E37_79F9);
    h ^ (h >> 32)
}

#[inline]
fn rrmxmx(mut h: u64, len: u64) -> u64 {
    h ^= h.rotate_left(49) ^ h.rotate_left(24);
    h = h.wrapping_mul(0x9FB2_1C65_1E98_DF25);
    h ^= (h >> 35).wrapping_add(len);
    h = h.wrapping_mul(0x9FB2_1C65_1E98_DF25);
    h ^ (h >> 28)
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

/// A hasher for keys that are already hashes (band keys, term and entity keys): one
/// multiply, where the standard library's SipHash costs more than the lookup it serves.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A map keyed by keys that are already hashes.
pub type KeyMap<K, V> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;

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

    proptest::proptest! {
        #[test]
        fn short_ascii_words_hash_as_xxh3_of_their_lowercase(word in "[0-9A-Za-z_]{1,16}") {
            let lower = word.to_ascii_lowercase();
            proptest::prop_assert_eq!(xxh3_ascii_lower(word.as_bytes()), xxh3_64(lower.as_bytes()));
        }
    }

    #[test]
    fn every_short_length_and_case_matches_xxh3() {
        let base = b"AbCdEfGhIjKlMnOpZz_09";
        for n in 1..=16 {
            for start in 0..base.len() - n {
                let w = &base[start..start + n];
                assert_eq!(
                    xxh3_ascii_lower(w),
                    xxh3_64(&w.to_ascii_lowercase()),
                    "{n} {start}"
                );
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
