//! Exact set overlap of two sorted shingle sets.

/// The set verification compares: a document's shingle hashes cut to 32 bits, sorted and
/// distinct. Every path that verifies (the batch pipeline, the index, the batch functions
/// for engines) builds it here, so their Jaccard values agree.
pub fn shingle_set(shingles: &[u64]) -> Vec<u32> {
    let mut set: Vec<u32> = shingles.iter().map(|&h| h as u32).collect();
    set.sort_unstable();
    set.dedup();
    set
}

/// Sizes of two sets and of their intersection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overlap {
    /// |A ∩ B|
    pub shared: u32,
    /// |A|
    pub a: u32,
    /// |B|
    pub b: u32,
}

impl Overlap {
    /// Exact overlap of two sorted, duplicate-free slices (a linear merge).
    pub fn of(a: &[u32], b: &[u32]) -> Overlap {
        debug_assert!(a.windows(2).all(|w| w[0] < w[1]));
        debug_assert!(b.windows(2).all(|w| w[0] < w[1]));
        let (mut i, mut j, mut shared) = (0, 0, 0u32);
        while i < a.len() && j < b.len() {
            let (x, y) = (a[i], b[j]);
            shared += (x == y) as u32;
            i += (x <= y) as usize;
            j += (y <= x) as usize;
        }
        Overlap {
            shared,
            a: a.len() as u32,
            b: b.len() as u32,
        }
    }

    /// |A ∩ B| / |A ∪ B|; 0 when both are empty.
    pub fn jaccard(&self) -> f64 {
        let union = self.a + self.b - self.shared;
        if union == 0 {
            0.0
        } else {
            self.shared as f64 / union as f64
        }
    }

    /// Share of A that lies inside B: |A ∩ B| / |A|.
    pub fn a_in_b(&self) -> f64 {
        ratio(self.shared, self.a)
    }

    /// Share of B that lies inside A: |A ∩ B| / |B|.
    pub fn b_in_a(&self) -> f64 {
        ratio(self.shared, self.b)
    }

    /// Containment of the smaller set in the larger.
    pub fn max_containment(&self) -> f64 {
        self.a_in_b().max(self.b_in_a())
    }
}

fn ratio(x: u32, n: u32) -> f64 {
    if n == 0 {
        0.0
    } else {
        x as f64 / n as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    #[test]
    fn small_cases() {
        let o = Overlap::of(&[1, 2, 3, 4], &[3, 4, 5]);
        assert_eq!(o.shared, 2);
        assert!((o.jaccard() - 0.4).abs() < 1e-12);
        assert!((o.a_in_b() - 0.5).abs() < 1e-12);
        assert!((o.b_in_a() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(Overlap::of(&[], &[]).jaccard(), 0.0);
    }

    proptest! {
        #[test]
        fn matches_btreeset(a in proptest::collection::btree_set(0u32..200, 0..80),
                            b in proptest::collection::btree_set(0u32..200, 0..80)) {
            let av: Vec<u32> = a.iter().copied().collect();
            let bv: Vec<u32> = b.iter().copied().collect();
            let shared = a.intersection(&b).count() as u32;
            prop_assert_eq!(Overlap::of(&av, &bv).shared, shared);
            let _: BTreeSet<u32> = a;
        }
    }
}
