//! Longest common subsequence length by Myers' O((N+M)·D) greedy algorithm.
//!
//! Copies are mostly near-exact, so the number of edits `D` is small and this is close to
//! linear; a budget on `D` bounds the cost of comparing long, very different spans.

/// LCS length of `a` and `b`, or `None` when they need more than `max_d` insertions plus
/// deletions. Adds the diagonals visited and tokens compared to `steps`.
pub(crate) fn lcs_len(a: &[u32], b: &[u32], max_d: usize, steps: &mut u64) -> Option<usize> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    if n == 0 || m == 0 {
        return Some(0);
    }
    let dmax = ((n + m) as usize).min(max_d) as isize;
    let off = dmax + 1;
    let mut v = vec![0isize; 2 * dmax as usize + 3];
    for d in 0..=dmax {
        let mut k = -d;
        while k <= d {
            let idx = (k + off) as usize;
            let mut x = if k == -d || (k != d && v[idx - 1] < v[idx + 1]) {
                v[idx + 1]
            } else {
                v[idx - 1] + 1
            };
            let mut y = x - k;
            let x0 = x;
            while x < n && y < m && y >= 0 && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            *steps += 1 + (x - x0) as u64;
            v[idx] = x;
            if x >= n && y >= m {
                return Some(((n + m - d) / 2) as usize);
            }
            k += 2;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dp(a: &[u32], b: &[u32]) -> usize {
        let mut t = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                t[i][j] = if a[i - 1] == b[j - 1] {
                    t[i - 1][j - 1] + 1
                } else {
                    t[i - 1][j].max(t[i][j - 1])
                };
            }
        }
        t[a.len()][b.len()]
    }

    #[test]
    fn small_cases() {
        assert_eq!(lcs_len(&[1, 2, 3], &[1, 2, 3], 10, &mut 0), Some(3));
        assert_eq!(lcs_len(&[1, 2, 3], &[1, 9, 3], 10, &mut 0), Some(2));
        assert_eq!(lcs_len(&[1, 2, 3], &[4, 5, 6], 10, &mut 0), Some(0));
        assert_eq!(lcs_len(&[1, 2, 3], &[4, 5, 6], 2, &mut 0), None);
        assert_eq!(lcs_len(&[], &[4], 0, &mut 0), Some(0));
    }

    proptest! {
        #[test]
        fn matches_dynamic_programming(a in proptest::collection::vec(0u32..4, 0..30),
                                       b in proptest::collection::vec(0u32..4, 0..30)) {
            prop_assert_eq!(lcs_len(&a, &b, usize::MAX, &mut 0), Some(dp(&a, &b)));
        }
    }
}
