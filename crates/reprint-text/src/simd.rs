//! Word-byte bitmasks for pure-ASCII text, 64 bytes at a time.
//!
//! The only unsafe code of the tokenizer lives here: SSE2 (always present on x86_64)
//! compares 16 bytes at once. [`word_mask_scalar`] is the reference the tests compare
//! against, and the fallback on other targets.

/// Bit `k` of the first mask is set when `block[k]` is an ASCII word byte `[0-9A-Za-z_]`,
/// of the second when it is an uppercase letter. `block` must be ASCII (bytes < 0x80).
#[inline]
pub(crate) fn word_mask(block: &[u8; 64]) -> (u64, u64) {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is part of the x86_64 baseline, so the intrinsics are available on
        // every x86_64 CPU; `block` is 64 readable bytes and the loads are unaligned loads.
        unsafe { word_mask_sse2(block) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        word_mask_scalar(block)
    }
}

/// Scalar reference of [`word_mask`].
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
pub(crate) fn word_mask_scalar(block: &[u8; 64]) -> (u64, u64) {
    let (mut m, mut u) = (0u64, 0u64);
    for (k, &b) in block.iter().enumerate() {
        m |= ((b.is_ascii_alphanumeric() || b == b'_') as u64) << k;
        u |= (b.is_ascii_uppercase() as u64) << k;
    }
    (m, u)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
unsafe fn word_mask_sse2(block: &[u8; 64]) -> (u64, u64) {
    use std::arch::x86_64::*;
    let mut m = 0u64;
    let mut u = 0u64;
    let cap_lo = _mm_set1_epi8(b'A' as i8 - 1);
    let cap_hi = _mm_set1_epi8(b'Z' as i8 + 1);
    // Signed byte compares are exact here: ASCII bytes are 0..=127.
    let a_lo = _mm_set1_epi8(b'a' as i8 - 1);
    let z_hi = _mm_set1_epi8(b'z' as i8 + 1);
    let d_lo = _mm_set1_epi8(b'0' as i8 - 1);
    let d_hi = _mm_set1_epi8(b'9' as i8 + 1);
    let us = _mm_set1_epi8(b'_' as i8);
    let case = _mm_set1_epi8(0x20);
    for k in 0..4 {
        // SAFETY: k * 16 + 16 <= 64 = block.len(); _mm_loadu_si128 has no alignment need.
        let v = _mm_loadu_si128(block.as_ptr().add(k * 16) as *const __m128i);
        let lower = _mm_or_si128(v, case);
        let alpha = _mm_and_si128(_mm_cmpgt_epi8(lower, a_lo), _mm_cmpgt_epi8(z_hi, lower));
        let digit = _mm_and_si128(_mm_cmpgt_epi8(v, d_lo), _mm_cmpgt_epi8(d_hi, v));
        let word = _mm_or_si128(_mm_or_si128(alpha, digit), _mm_cmpeq_epi8(v, us));
        m |= (_mm_movemask_epi8(word) as u32 as u64 & 0xffff) << (k * 16);
        let upper = _mm_and_si128(_mm_cmpgt_epi8(v, cap_lo), _mm_cmpgt_epi8(cap_hi, v));
        u |= (_mm_movemask_epi8(upper) as u32 as u64 & 0xffff) << (k * 16);
    }
    (m, u)
}

/// Calls `f(start, end, has_upper)` for every maximal run of ASCII word bytes in `text`,
/// which must be ASCII; `has_upper` may be true for a word without uppercase letters when
/// the word crosses a 64-byte block (never false for one with).
#[inline]
pub(crate) fn ascii_words(text: &[u8], mut f: impl FnMut(usize, usize, bool)) {
    debug_assert!(text.is_ascii());
    let mut start: Option<usize> = None;
    let mut prev_word = 0u64; // 1 when the byte before this block was a word byte
    let mut off = 0;
    let mut block = [0u8; 64];
    while off < text.len() {
        let n = (text.len() - off).min(64);
        let (m, u) = if n == 64 {
            word_mask(text[off..off + 64].try_into().expect("64 bytes"))
        } else {
            block[..n].copy_from_slice(&text[off..]);
            block[n..].fill(b' ');
            word_mask(&block)
        };
        // Transitions: bit k set where byte k differs in class from byte k-1.
        let mut t = m ^ ((m << 1) | prev_word);
        while t != 0 {
            let k = t.trailing_zeros() as usize;
            t &= t - 1;
            match start.take() {
                None => start = Some(off + k),
                Some(s) => {
                    // Upper bits of the word within this block; a word that began in an
                    // earlier block is assumed to have uppercase (the caller re-checks).
                    let from = s.max(off) - off;
                    let bits = (u >> from) & ((1u64 << (k - from)) - 1);
                    f(s, off + k, bits != 0 || s < off)
                }
            }
        }
        prev_word = m >> 63;
        off += 64;
    }
    if let Some(s) = start {
        f(s, text.len(), true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn simd_matches_scalar(bytes in proptest::collection::vec(0u8..128, 64)) {
            let block: [u8; 64] = bytes.try_into().unwrap();
            prop_assert_eq!(word_mask(&block), word_mask_scalar(&block));
        }

        #[test]
        fn runs_match_a_plain_scan(text in "[a-zA-Z0-9_ .,!\\n-]{0,300}") {
            let mut got = Vec::new();
            ascii_words(text.as_bytes(), |s, e, upper| {
                let has = text.as_bytes()[s..e].iter().any(u8::is_ascii_uppercase);
                assert!(upper || !has);
                got.push((s, e));
            });
            let mut want = Vec::new();
            let mut start = None;
            for (i, b) in text.bytes().enumerate() {
                let w = b.is_ascii_alphanumeric() || b == b'_';
                match (w, start) {
                    (true, None) => start = Some(i),
                    (false, Some(s)) => { want.push((s, i)); start = None; }
                    _ => {}
                }
            }
            if let Some(s) = start { want.push((s, text.len())); }
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn every_byte_value() {
        for b in 0u8..128 {
            let block = [b; 64];
            assert_eq!(word_mask(&block), word_mask_scalar(&block), "byte {b}");
        }
    }
}
