//! Clusters from verified pairs, and which member to keep.

use crate::index::Doc;
use reprint_text::UnionFind;

/// Which member of a cluster is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeepPolicy {
    /// The first in input order (default).
    #[default]
    First,
    /// The one with the most tokens; ties go to the first.
    Longest,
    /// The one with the earliest date; undated documents come last; ties go to the first.
    Earliest,
}

/// What the keep policy looks at for each document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeepKey {
    /// Token count.
    pub tokens: u32,
    /// Sortable date (e.g. days or seconds since the epoch), if known.
    pub date: Option<i64>,
}

/// A group of duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// Members in input order.
    pub members: Vec<Doc>,
    /// The member kept.
    pub representative: Doc,
}

/// Connected components of `pairs` over `n` documents (only components with two or more
/// members), ordered by their first member, each with its representative.
pub fn clusters(
    n: usize,
    pairs: impl IntoIterator<Item = (Doc, Doc)>,
    keys: &[KeepKey],
    policy: KeepPolicy,
) -> Vec<Cluster> {
    debug_assert_eq!(keys.len(), n);
    let mut uf = UnionFind::new(n);
    let mut touched = Vec::new();
    for (a, b) in pairs {
        uf.union(a, b);
        touched.push(a);
        touched.push(b);
    }
    touched.sort_unstable();
    touched.dedup();
    // Group by root; `touched` is in input order so members come out sorted.
    let mut by_root: std::collections::HashMap<u32, usize> = Default::default();
    let mut out: Vec<Cluster> = Vec::new();
    for d in touched {
        let r = uf.find(d);
        let slot = *by_root.entry(r).or_insert_with(|| {
            out.push(Cluster {
                members: Vec::new(),
                representative: d,
            });
            out.len() - 1
        });
        out[slot].members.push(d);
    }
    for c in &mut out {
        c.representative = representative(&c.members, keys, policy);
    }
    out
}

fn representative(members: &[Doc], keys: &[KeepKey], policy: KeepPolicy) -> Doc {
    let first = members[0];
    match policy {
        KeepPolicy::First => first,
        // min_by_key returns the first of equal minima: members are in input order.
        KeepPolicy::Longest => *members
            .iter()
            .min_by_key(|&&d| std::cmp::Reverse(keys[d as usize].tokens))
            .unwrap_or(&first),
        KeepPolicy::Earliest => *members
            .iter()
            .min_by_key(|&&d| keys[d as usize].date.unwrap_or(i64::MAX))
            .unwrap_or(&first),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_and_representatives() {
        let keys = vec![
            KeepKey {
                tokens: 5,
                date: Some(30),
            },
            KeepKey {
                tokens: 9,
                date: None,
            },
            KeepKey {
                tokens: 1,
                date: None,
            },
            KeepKey {
                tokens: 9,
                date: Some(10),
            },
            KeepKey {
                tokens: 2,
                date: Some(10),
            },
        ];
        let pairs = [(0, 1), (3, 1), (2, 4)];
        let c = clusters(5, pairs, &keys, KeepPolicy::First);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].members, vec![0, 1, 3]);
        assert_eq!(c[0].representative, 0);
        assert_eq!(c[1].members, vec![2, 4]);
        let c = clusters(5, pairs, &keys, KeepPolicy::Longest);
        assert_eq!(c[0].representative, 1);
        let c = clusters(5, pairs, &keys, KeepPolicy::Earliest);
        assert_eq!(c[0].representative, 3);
        assert_eq!(c[1].representative, 4);
    }
}
