//! Verification in blocks (a memory budget) finds exactly what verification of everything
//! at once finds.

use proptest::prelude::*;
use reprint_dedup::{DedupConfig, Deduper, DocInput};
use reprint_sketch::LshParams;

/// Documents as sets drawn from a few templates with edits, so many pairs are candidates
/// (two bands keyed on the template) and some verify.
fn docs(seeds: &[(u8, u8, u8)]) -> Vec<(u64, Vec<u32>, [u32; 2])> {
    seeds
        .iter()
        .map(|&(template, edit, exactness)| {
            let base = template as u32 % 5;
            let mut set: Vec<u32> = (0..60).map(|i| base * 1000 + i).collect();
            if exactness % 3 != 0 {
                // Replace a few values: a near copy, or a far one.
                for (k, v) in set.iter_mut().take((edit % 40) as usize).enumerate() {
                    *v = 900_000 + edit as u32 * 100 + k as u32;
                }
            }
            let exact = set
                .iter()
                .fold(0u64, |h, &v| h.wrapping_mul(31).wrapping_add(v as u64));
            (exact, set, [base, 100 + (edit as u32 % 2)])
        })
        .collect()
}

fn run(input: &[(u64, Vec<u32>, [u32; 2])], budget: Option<usize>) -> reprint_dedup::DedupResult {
    let cfg = DedupConfig {
        threshold: 0.7,
        ..DedupConfig::default()
    };
    let mut d = Deduper::new(cfg, LshParams::new(2, 2, 4).unwrap());
    for (exact, set, keys) in input {
        d.add(DocInput {
            exact: *exact,
            tokens: set.len() as u32 + 4,
            date: None,
            band_keys: keys,
            set,
        });
    }
    let candidates = d.candidates();
    match budget {
        None => {
            let sets = candidates
                .involved()
                .iter()
                .map(|&i| input[i as usize].1.clone())
                .collect();
            candidates.verify(sets)
        }
        Some(b) => {
            let mut fetched = 0usize;
            let r: Result<_, ()> = candidates.verify_with(b, |block| {
                fetched += block.len();
                assert!(block.windows(2).all(|w| w[0] < w[1]), "ascending, distinct");
                Ok(block.iter().map(|&i| input[i as usize].1.clone()).collect())
            });
            r.unwrap()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn any_budget_finds_the_same(
        seeds in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u8>()), 2..60),
        budget in 0usize..4000,
    ) {
        let input = docs(&seeds);
        let whole = run(&input, None);
        let blocked = run(&input, Some(budget));
        let key = |r: &reprint_dedup::DedupResult| r.pairs.iter()
            .map(|p| (p.a, p.b, p.overlap, p.exact)).collect::<Vec<_>>();
        prop_assert_eq!(key(&whole), key(&blocked));
        prop_assert_eq!(&whole.clusters, &blocked.clusters);
        prop_assert_eq!(whole.stats.verify_blocks, u64::from(whole.stats.lsh_candidates > 0));
        if budget < 300 && whole.stats.lsh_candidates > 1 {
            // Each set is estimated at 4 bytes a token (+64): a small budget takes blocks.
            prop_assert!(blocked.stats.verify_blocks > 1);
        }
    }
}
