//! The exact word n-gram pair count: the baseline of the reuse level (see `ngram-count`).

use rayon::prelude::*;

/// `(pairs, n-grams)`: how many pairs of `texts` share at least `min_shared` distinct word
/// `n`-grams found in at most `max_df` documents, and how many document-distinct n-grams
/// were indexed. Exact up to 64-bit hash collisions; the sort-based way, on every core.
pub fn shared_ngram_pairs(
    texts: &[String],
    n: usize,
    max_df: usize,
    min_shared: usize,
) -> (u64, u64) {
    let doc_bits = 64 - (texts.len().max(2) as u64 - 1).leading_zeros();
    let mask = (1u64 << doc_bits) - 1;
    let mut keys: Vec<u64> = texts
        .par_iter()
        .enumerate()
        .flat_map_iter(|(d, t)| {
            let mut toks = Vec::new();
            reprint_text::for_each_token(t, false, |tok| toks.push(tok.hash));
            let mut v: Vec<u64> = toks
                .windows(n)
                .map(|w| (reprint_text::hash::shingle_hash(w) & !mask) | d as u64)
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect();
    keys.par_sort_unstable();
    let mut pairs: Vec<u64> = keys
        .par_chunk_by(|x, y| x & !mask == y & !mask)
        .filter(|g| g.len() >= 2 && g.len() <= max_df)
        .flat_map_iter(|g| {
            (0..g.len()).flat_map(move |i| {
                g[i + 1..]
                    .iter()
                    .map(move |y| ((g[i] & mask) << 32) | (y & mask))
            })
        })
        .collect();
    pairs.par_sort_unstable();
    let found = pairs
        .chunk_by(|x, y| x == y)
        .filter(|g| g.len() >= min_shared)
        .count();
    (found as u64, keys.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_pairs_that_share_enough_ngrams() {
        let shared = "one two three four five six seven eight nine ten eleven";
        let texts: Vec<String> = vec![
            format!("alpha {shared} beta"),
            format!("gamma {shared} delta"),
            "one two three four five six seven eight".to_string(), // one 8-gram only
            "nothing in common with anything else at all here".to_string(),
        ];
        // 0 and 1 share 4 eight-grams; 2 shares one with each.
        assert_eq!(shared_ngram_pairs(&texts, 8, 50, 3), (1, 6 + 6 + 1 + 2));
        assert_eq!(shared_ngram_pairs(&texts, 8, 50, 1).0, 3);
        // An n-gram in more than max_df documents does not count.
        assert_eq!(shared_ngram_pairs(&texts, 8, 2, 1).0, 1);
    }
}
