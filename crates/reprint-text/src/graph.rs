//! The two graph routines every level uses: a bucket of documents turned into edges, and
//! connected components of the edges.

/// Edges among the members of one bucket (documents sharing a band key, a seed, …), given
/// in the order a chain should follow. Up to `max` members: every pair. More: a chain
/// through consecutive members, plus (`star`) every member to the first — the members stay
/// connected and the edges stay linear. Each edge is `(smaller, larger)`.
pub fn bucket_edges(members: &[u32], max: usize, star: bool, mut emit: impl FnMut(u32, u32)) {
    let edge = |x: u32, y: u32| (x.min(y), x.max(y));
    if members.len() < 2 {
        return;
    }
    if members.len() <= max {
        for (i, &x) in members.iter().enumerate() {
            for &y in &members[i + 1..] {
                let (a, b) = edge(x, y);
                emit(a, b);
            }
        }
        return;
    }
    for w in members.windows(2) {
        let (a, b) = edge(w[0], w[1]);
        emit(a, b);
    }
    if star {
        for &y in &members[2..] {
            let (a, b) = edge(members[0], y);
            emit(a, b);
        }
    }
}

/// Disjoint sets over `0..n` with path halving. The root of a set is always its smallest
/// element, so roots do not depend on the order of unions.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    /// `n` singleton sets.
    pub fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n as u32).collect(),
        }
    }

    /// The root (smallest element) of `x`'s set.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }

    /// Merges the sets of `a` and `b`; returns whether they were apart.
    pub fn union(&mut self, a: u32, b: u32) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        let (lo, hi) = (ra.min(rb), ra.max(rb));
        self.parent[hi as usize] = lo;
        true
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.parent.len()
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.parent.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bfs_components(n: usize, edges: &[(u32, u32)]) -> Vec<usize> {
        let mut adj = vec![Vec::new(); n];
        for &(a, b) in edges {
            adj[a as usize].push(b as usize);
            adj[b as usize].push(a as usize);
        }
        let mut comp = vec![usize::MAX; n];
        let mut next = 0;
        for s in 0..n {
            if comp[s] != usize::MAX {
                continue;
            }
            let mut queue = std::collections::VecDeque::from([s]);
            comp[s] = next;
            while let Some(x) = queue.pop_front() {
                for &y in &adj[x] {
                    if comp[y] == usize::MAX {
                        comp[y] = next;
                        queue.push_back(y);
                    }
                }
            }
            next += 1;
        }
        comp
    }

    #[test]
    fn buckets_become_all_pairs_or_a_chain() {
        let mut got = Vec::new();
        bucket_edges(&[3, 1, 2], 3, true, |a, b| got.push((a, b)));
        assert_eq!(got, vec![(1, 3), (2, 3), (1, 2)]);
        got.clear();
        bucket_edges(&[1, 2, 3, 4], 3, false, |a, b| got.push((a, b)));
        assert_eq!(got, vec![(1, 2), (2, 3), (3, 4)]);
        got.clear();
        bucket_edges(&[1, 2, 3, 4], 3, true, |a, b| got.push((a, b)));
        assert_eq!(got, vec![(1, 2), (2, 3), (3, 4), (1, 3), (1, 4)]);
    }

    proptest! {
        #[test]
        fn equals_bfs_components_and_roots_are_minima(n in 1usize..60, raw in proptest::collection::vec((0u32..60, 0u32..60), 0..120)) {
            let edges: Vec<(u32, u32)> = raw.into_iter().map(|(a, b)| (a % n as u32, b % n as u32)).collect();
            let mut uf = UnionFind::new(n);
            for &(a, b) in &edges {
                uf.union(a, b);
            }
            let comp = bfs_components(n, &edges);
            for a in 0..n {
                let min = (0..n).find(|&b| comp[b] == comp[a]).unwrap();
                prop_assert_eq!(uf.find(a as u32) as usize, min);
                for b in 0..n {
                    prop_assert_eq!(uf.find(a as u32) == uf.find(b as u32), comp[a] == comp[b]);
                }
            }
        }
    }
}
