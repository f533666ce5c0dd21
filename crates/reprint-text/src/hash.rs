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

/// Hash of a window of token hashes (one shingle).
#[inline]
pub fn shingle_hash(window: &[u64]) -> u64 {
    let mut acc = window.len() as u64;
    for &t in window {
        acc = combine(acc, t);
    }
    fmix64(acc)
}

/// Hash of a whole token sequence (exact-duplicate key): the token hashes folded with
/// [`combine`] from a start of `!len`, then [`fmix64`].
pub fn sequence_hash(tokens: &[u64]) -> u64 {
    fmix64(
        tokens
            .iter()
            .fold(!(tokens.len() as u64), |acc, &t| combine(acc, t)),
    )
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
    fn hashes_are_stable() {
        // Persisted values: changing these breaks every stored index.
        assert_eq!(token_hash(b"putin"), xxh3_64(b"putin"));
        assert_eq!(fmix64(0), 0);
        assert_eq!(fmix64(1), 0xb456_bcfc_34c2_cb2c);
    }
}
