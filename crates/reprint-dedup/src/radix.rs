//! LSD radix sort on a 32-bit key: four passes of 8 bits, a pass skipped when every key
//! has the same byte there. Stable, so band-table rows inserted in document order stay in
//! document order within a key. Several times faster than a comparison sort on the
//! uniformly random keys reprint sorts (band keys, shingle hashes).

/// Sorts `v` by `key`, stably, using `scratch` as the second buffer.
pub(crate) fn sort_by_key<T: Copy>(v: &mut [T], scratch: &mut Vec<T>, key: impl Fn(T) -> u32) {
    let n = v.len();
    if n < 64 {
        v.sort_by_key(|&x| key(x));
        return;
    }
    let mut hist = [[0u32; 256]; 4];
    for &x in v.iter() {
        let k = key(x);
        for (d, h) in hist.iter_mut().enumerate() {
            h[((k >> (8 * d)) & 0xff) as usize] += 1;
        }
    }
    scratch.clear();
    scratch.extend_from_slice(v);
    let mut in_v = true; // whether the current order lives in `v`
    for (d, h) in hist.iter().enumerate() {
        if h.iter().any(|&c| c as usize == n) {
            continue; // one byte value for all: this pass would not move anything
        }
        let mut offsets = [0u32; 256];
        let mut sum = 0;
        for (o, &c) in offsets.iter_mut().zip(h.iter()) {
            *o = sum;
            sum += c;
        }
        let (src, dst): (&[T], &mut [T]) = if in_v {
            (&*v, scratch.as_mut_slice())
        } else {
            (scratch.as_slice(), &mut *v)
        };
        for &x in src {
            let b = ((key(x) >> (8 * d)) & 0xff) as usize;
            dst[offsets[b] as usize] = x;
            offsets[b] += 1;
        }
        in_v = !in_v;
    }
    if !in_v {
        v.copy_from_slice(scratch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn matches_a_stable_sort(
            v in proptest::collection::vec((prop_oneof![any::<u32>(), 0u32..4, Just(0x0100_0000)], any::<u32>()), 0..600)
        ) {
            let mut want = v.clone();
            want.sort_by_key(|&(k, _)| k);
            let mut got = v.clone();
            sort_by_key(&mut got, &mut Vec::new(), |(k, _)| k);
            prop_assert_eq!(got, want);
        }
    }
}
