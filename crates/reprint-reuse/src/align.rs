//! Aligning one pair of documents: seed matches → exact fragments → chains → extended,
//! scored passages, all in token coordinates.
//!
//! * **Matches**: every seed (word n-gram) the two documents share, at every position
//!   (seeds repeated more than `max_seed_repeats` times in either document are skipped: they
//!   are lists or chants, not passages).
//! * **Fragments**: matches on the same diagonal at consecutive positions, i.e. maximal
//!   exact runs of at least `seed_n` tokens.
//! * **Chains**: fragments in increasing order on both sides, each at most `max_gap` tokens
//!   after the previous one in both documents; a changed word, a dropped quote or an OCR
//!   error breaks a run but not the chain, so one reused paragraph is one chain.
//! * **Extension**: past each end of a chain, matching runs shorter than a seed are taken
//!   in while they are close (at most `max_gap` skipped) and at least half as long as the
//!   skip, so "would have serious consequences" against "would have very serious
//!   consequences" ends at "consequences".
//! * **Score**: the LCS of the two token spans gives `matched_tokens`; identity is
//!   `matched_tokens / max(len_a, len_b)`.

use crate::corpus::seed_hash;
use crate::lcs::lcs_len;
use crate::ReuseConfig;

/// A passage copied between two documents, in token coordinates (half-open ranges).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TokAlign {
    pub(crate) a0: u32,
    pub(crate) a1: u32,
    pub(crate) b0: u32,
    pub(crate) b1: u32,
    pub(crate) matched: u32,
}

impl TokAlign {
    pub(crate) fn mirrored(self) -> TokAlign {
        TokAlign {
            a0: self.b0,
            a1: self.b1,
            b0: self.a0,
            b1: self.a1,
            matched: self.matched,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    a0: usize,
    a1: usize,
    b0: usize,
    b1: usize,
}

/// All passages `a` and `b` share, sorted by position in `a`.
pub(crate) fn align_pair(a: &[u32], b: &[u32], cfg: &ReuseConfig) -> Vec<TokAlign> {
    align_pair_counted(a, b, cfg, &mut 0)
}

/// [`align_pair`], adding to `steps` the work it did: matches listed, predecessors tried
/// while chaining, token comparisons while extending and merging, diagonals and token
/// comparisons of the LCS. A deterministic measure of the cost, whatever the machine.
pub(crate) fn align_pair_counted(
    a: &[u32],
    b: &[u32],
    cfg: &ReuseConfig,
    steps: &mut u64,
) -> Vec<TokAlign> {
    let frags = fragments(a, b, cfg, steps);
    if frags.is_empty() {
        return Vec::new();
    }
    let gap = cfg.max_gap;
    let mut blocks = chain(&frags, gap, cfg.seed_n, steps);
    for blk in &mut blocks {
        let (da, db) = extend(
            |k| a.get(blk.a1 + k).copied(),
            |k| b.get(blk.b1 + k).copied(),
            gap,
            cfg.seed_n,
            steps,
        );
        blk.a1 += da;
        blk.b1 += db;
        let (a0, b0) = (blk.a0, blk.b0);
        let (da, db) = extend(
            |k| (k < a0).then(|| a[a0 - 1 - k]),
            |k| (k < b0).then(|| b[b0 - 1 - k]),
            gap,
            cfg.seed_n,
            steps,
        );
        blk.a0 -= da;
        blk.b0 -= db;
    }
    let blocks = merge_close(blocks, gap, cfg.seed_n, steps);
    let mut out = Vec::new();
    for blk in blocks {
        let (la, lb) = (blk.a1 - blk.a0, blk.b1 - blk.b0);
        if la < cfg.min_words || lb < cfg.min_words {
            continue;
        }
        let longer = la.max(lb);
        let need = (cfg.min_identity * longer as f64).ceil() as usize;
        let budget = (la + lb).saturating_sub(2 * need);
        let Some(matched) = lcs_len(&a[blk.a0..blk.a1], &b[blk.b0..blk.b1], budget, steps) else {
            continue;
        };
        if matched < cfg.min_words || (matched as f64) < cfg.min_identity * longer as f64 {
            continue;
        }
        out.push(TokAlign {
            a0: blk.a0 as u32,
            a1: blk.a1 as u32,
            b0: blk.b0 as u32,
            b1: blk.b1 as u32,
            matched: matched as u32,
        });
    }
    out.sort_unstable_by_key(|t| (t.a0, t.b0, t.a1, t.b1));
    out.dedup();
    out
}

/// Sorted `(seed, position)` of every seed of `t`.
fn seeds(t: &[u32], n: usize) -> Vec<(u64, u32)> {
    if t.len() < n {
        return Vec::new();
    }
    let mut v: Vec<(u64, u32)> = t
        .windows(n)
        .enumerate()
        .map(|(i, w)| (seed_hash(w), i as u32))
        .collect();
    v.sort_unstable();
    v
}

/// Maximal exact runs covered by shared seeds, sorted by `(a0, b0)`.
fn fragments(a: &[u32], b: &[u32], cfg: &ReuseConfig, steps: &mut u64) -> Vec<Block> {
    let n = cfg.seed_n;
    let (sa, sb) = (seeds(a, n), seeds(b, n));
    let mut matches: Vec<(i64, u32)> = Vec::new(); // (diagonal, position in a)
    let (mut i, mut j) = (0, 0);
    while i < sa.len() && j < sb.len() {
        let (ha, hb) = (sa[i].0, sb[j].0);
        if ha < hb {
            i += 1;
        } else if hb < ha {
            j += 1;
        } else {
            let ie = i + sa[i..].iter().take_while(|s| s.0 == ha).count();
            let je = j + sb[j..].iter().take_while(|s| s.0 == ha).count();
            if ie - i <= cfg.max_seed_repeats && je - j <= cfg.max_seed_repeats {
                for &(_, pa) in &sa[i..ie] {
                    for &(_, pb) in &sb[j..je] {
                        matches.push((pb as i64 - pa as i64, pa));
                    }
                }
            }
            i = ie;
            j = je;
        }
    }
    *steps += (sa.len() + sb.len() + matches.len()) as u64;
    matches.sort_unstable();
    let mut frags: Vec<Block> = Vec::new();
    let mut k = 0;
    while k < matches.len() {
        let (diag, start) = matches[k];
        let mut end = start;
        k += 1;
        while k < matches.len() && matches[k].0 == diag && matches[k].1 == end + 1 {
            end += 1;
            k += 1;
        }
        let a0 = start as usize;
        let b0 = (a0 as i64 + diag) as usize;
        let len = (end - start) as usize + n;
        frags.push(Block {
            a0,
            a1: a0 + len,
            b0,
            b1: b0 + len,
        });
    }
    frags.sort_unstable_by_key(|f| (f.a0, f.b0));
    frags
}

/// How many earlier fragments a fragment looks back at for a predecessor.
const LOOKBACK: usize = 512;

/// Best-scoring chains (dynamic programming, as in genome read mappers): a fragment's score
/// is its length, or a predecessor's score plus the words it adds minus the gap penalty.
/// Chains are read back from the best-scoring ends, each fragment used once.
///
/// Greedy chaining is not enough: a sentence repeated in one document offers several
/// predecessors, and the first one found drags the passage across the repeat.
fn chain(frags: &[Block], gap: usize, n: usize, steps: &mut u64) -> Vec<Block> {
    let mut score = vec![0i64; frags.len()];
    let mut pred = vec![usize::MAX; frags.len()];
    for (k, f) in frags.iter().enumerate() {
        let len = (f.a1 - f.a0) as i64;
        score[k] = len;
        *steps += (k - k.saturating_sub(LOOKBACK)) as u64 + 1;
        for p in (k.saturating_sub(LOOKBACK)..k).rev() {
            let Some((ga, gb)) = continues(&frags[p], f, gap, n) else {
                continue;
            };
            let added = len - (-ga).max(0);
            let penalty = (ga - gb).abs() + ga.min(gb).max(0) / 2;
            let s = score[p] + added - penalty;
            if s > score[k] || (s == score[k] && pred[k] != usize::MAX && p > pred[k]) {
                score[k] = s;
                pred[k] = p;
            }
        }
    }
    let mut order: Vec<usize> = (0..frags.len()).collect();
    order.sort_unstable_by_key(|&k| (std::cmp::Reverse(score[k]), k));
    let mut used = vec![false; frags.len()];
    let mut out = Vec::new();
    for end in order {
        if used[end] {
            continue;
        }
        let mut first = end;
        used[end] = true;
        while pred[first] != usize::MAX && !used[pred[first]] {
            first = pred[first];
            used[first] = true;
        }
        out.push(Block {
            a0: frags[first].a0,
            a1: frags[end].a1,
            b0: frags[first].b0,
            b1: frags[end].b1,
        });
    }
    out.sort_unstable_by_key(|c| (c.a0, c.b0, c.a1, c.b1));
    out
}

/// Merges blocks that continue each other under the chaining rule ([`continues`]); after
/// extension, two chains split by a long gap may have grown together.
fn merge_close(mut blocks: Vec<Block>, gap: usize, n: usize, steps: &mut u64) -> Vec<Block> {
    blocks.sort_unstable_by_key(|c| (c.a0, c.b0, c.a1, c.b1));
    let mut out: Vec<Block> = Vec::with_capacity(blocks.len());
    for c in blocks {
        match out.iter_mut().rev().find(|p| {
            *steps += 1;
            continues(p, &c, gap, n).is_some()
        }) {
            Some(p) => {
                p.a1 = c.a1;
                p.b1 = c.b1;
            }
            None => out.push(c),
        }
    }
    out
}

/// Whether `f` can follow `p` in one passage: it starts and ends later on both sides,
/// overlaps `p` by at most `n` words, leaves at most `gap` words unmatched on either side,
/// and shifts the diagonal by at most `gap`. Returns the gaps `(ga, gb)` (negative for an
/// overlap).
fn continues(p: &Block, f: &Block, gap: usize, n: usize) -> Option<(i64, i64)> {
    if p.a0 >= f.a0 || p.b0 >= f.b0 || p.a1 >= f.a1 || p.b1 >= f.b1 {
        return None;
    }
    let ga = f.a0 as i64 - p.a1 as i64;
    let gb = f.b0 as i64 - p.b1 as i64;
    let (gap, n) = (gap as i64, n as i64);
    (ga >= -n && gb >= -n && ga <= gap && gb <= gap && (ga - gb).abs() <= gap).then_some((ga, gb))
}

/// How far a copy continues past one end: `(tokens in a, tokens in b)`. `a_at(k)` is the
/// k-th token beyond the end (or `None` past the document).
///
/// A run is taken in when it is shorter than a seed (`2 <= r < n`) and at least half as
/// long as the skip before it, so no skip longer than `2 (n - 1)` words can ever qualify:
/// the search looks no further than that, whatever `gap` is, and costs O(n³) per step.
fn extend(
    a_at: impl Fn(usize) -> Option<u32>,
    b_at: impl Fn(usize) -> Option<u32>,
    gap: usize,
    n: usize,
    steps: &mut u64,
) -> (usize, usize) {
    let compared = std::cell::Cell::new(0u64);
    let run_len = |i: usize, j: usize, cap: usize| {
        let mut r = 0;
        while r < cap {
            compared.set(compared.get() + 1);
            match (a_at(i + r), b_at(j + r)) {
                (Some(x), Some(y)) if x == y => r += 1,
                _ => break,
            }
        }
        r
    };
    let skip = gap.min(2 * n.saturating_sub(1));
    let (mut i, mut j) = (0, 0);
    loop {
        let r = run_len(i, j, 2 * gap + 1);
        i += r;
        j += r;
        let mut next = None;
        'search: for s in 1..=2 * skip {
            for di in s.saturating_sub(skip)..=s.min(skip) {
                let dj = s - di;
                let r = run_len(i + di, j + dj, n);
                // A run of `n` or more words is a fragment, which chaining already placed
                // (or rejected): taking it in here could jump onto a repeat.
                if r >= 2 && r < n && 2 * r >= di.max(dj) {
                    next = Some((di, dj));
                    break 'search;
                }
            }
        }
        match next {
            Some((di, dj)) => {
                i += di;
                j += dj;
            }
            None => {
                *steps += compared.get();
                return (i, j);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<u32> {
        s.split_whitespace()
            .map(|w| reprint_text::hash::token_hash(w.as_bytes()) as u32)
            .collect()
    }

    fn cfg() -> ReuseConfig {
        ReuseConfig {
            seed_n: 3,
            min_words: 6,
            max_gap: 4,
            ..ReuseConfig::default()
        }
    }

    #[test]
    fn one_changed_word_is_one_passage() {
        let a = toks("x y z one two three four five six seven eight nine ten q r");
        let b = toks("k one two three four FIVE six seven eight nine ten m");
        let got = align_pair(&a, &b, &cfg());
        assert_eq!(got.len(), 1, "{got:?}");
        let t = got[0];
        assert_eq!((t.a0, t.a1, t.b0, t.b1), (3, 13, 1, 11));
        assert_eq!(t.matched, 9);
    }

    #[test]
    fn extension_takes_in_a_short_tail_after_an_insertion() {
        let a = toks("p one two three four five six would have serious consequences");
        let b = toks("one two three four five six would have very serious consequences z z z");
        let got = align_pair(&a, &b, &cfg());
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].a1, got[0].b1), (a.len() as u32, 11));
    }

    #[test]
    fn unrelated_texts_do_not_align() {
        let a = toks("one two three four five six seven eight");
        let b = toks("alpha beta gamma delta epsilon zeta eta theta");
        assert!(align_pair(&a, &b, &cfg()).is_empty());
    }

    #[test]
    fn short_shared_runs_are_dropped() {
        let a = toks("one two three four a b c d e f g");
        let b = toks("h i j k one two three four l m n");
        assert!(align_pair(&a, &b, &cfg()).is_empty());
    }

    #[test]
    fn far_apart_runs_stay_separate_passages() {
        let a = toks("a1 a2 a3 a4 a5 a6 a7 x x x x x x x x x x b1 b2 b3 b4 b5 b6 b7");
        let b = toks("a1 a2 a3 a4 a5 a6 a7 y y y y y y y y y y y y y b1 b2 b3 b4 b5 b6 b7");
        let got = align_pair(&a, &b, &cfg());
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].matched, 7);
    }

    /// The search before it was bounded: every skip up to `gap` on both sides.
    fn extend_unbounded(a: &[u32], b: &[u32], gap: usize, n: usize) -> (usize, usize) {
        let run_len = |i: usize, j: usize| {
            let mut r = 0;
            while r <= 2 * gap {
                match (a.get(i + r), b.get(j + r)) {
                    (Some(x), Some(y)) if x == y => r += 1,
                    _ => break,
                }
            }
            r
        };
        let (mut i, mut j) = (0, 0);
        loop {
            let r = run_len(i, j);
            i += r;
            j += r;
            let mut next = None;
            'search: for s in 1..=2 * gap {
                for di in s.saturating_sub(gap)..=s.min(gap) {
                    let dj = s - di;
                    let r = run_len(i + di, j + dj);
                    if r >= 2 && r < n && 2 * r >= di.max(dj) {
                        next = Some((di, dj));
                        break 'search;
                    }
                }
            }
            match next {
                Some((di, dj)) => {
                    i += di;
                    j += dj;
                }
                None => return (i, j),
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        /// Bounding the search changes no answer: a small alphabet makes many short runs.
        #[test]
        fn bounded_extension_equals_the_unbounded_search(
            a in proptest::collection::vec(0u32..4, 0..60),
            b in proptest::collection::vec(0u32..4, 0..60),
            gap in 0usize..30,
            n in 2usize..7,
        ) {
            let got = extend(|k| a.get(k).copied(), |k| b.get(k).copied(), gap, n, &mut 0);
            proptest::prop_assert_eq!(got, extend_unbounded(&a, &b, gap, n));
        }
    }

    #[test]
    fn extend_stops_at_a_lone_common_word() {
        let a = toks("the end x x x x");
        let b = toks("y y y the z z");
        assert_eq!(
            extend(|k| a.get(k).copied(), |k| b.get(k).copied(), 4, 3, &mut 0),
            (0, 0)
        );
    }
}
