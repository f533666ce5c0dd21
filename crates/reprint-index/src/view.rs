//! Reading the duplicate state of the index: a document's group of exact copies, the
//! verified pairs of first copies, and from them every pair and the cluster of a document.
//! The same code reads a write transaction (while adding) and a read transaction.

use crate::store::{pair_counts, postings, DocMeta, PairValue};
use crate::texts::Texts;
use crate::IndexError;
use redb::ReadableTable;
use reprint_dedup::{clusters, KeepKey, KeepPolicy, Overlap, Pair};

/// The tables the duplicate level reads.
pub(crate) struct View<'a, D, T, E, P, Q> {
    pub docs: D,
    pub texts: T,
    /// Where the texts are (the table, or the log the table points into).
    pub text_store: Texts<'a>,
    pub exact: E,
    pub pairs: P,
    pub pairs_by_b: Q,
}

/// A document's cluster: members ascending, the kept one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClusterOf {
    pub members: Vec<u32>,
    pub representative: u32,
}

impl<D, T, E, P, Q> View<'_, D, T, E, P, Q>
where
    D: ReadableTable<u32, &'static [u8]>,
    T: ReadableTable<u32, &'static [u8]>,
    E: ReadableTable<(u64, u32), ()>,
    P: ReadableTable<(u32, u32), PairValue>,
    Q: ReadableTable<(u32, u32), ()>,
{
    pub fn meta(&self, d: u32) -> Result<DocMeta, IndexError> {
        match self.docs.get(d)? {
            Some(v) => DocMeta::decode(v.value(), d),
            None => Err(IndexError::Corrupted {
                detail: format!("document {d} is referenced but not stored"),
            }),
        }
    }

    pub fn text(&self, d: u32) -> Result<String, IndexError> {
        match self.texts.get(d)? {
            Some(v) => self.text_store.read(v.value(), d),
            None => Err(IndexError::Corrupted {
                detail: format!("the text of document {d} is missing"),
            }),
        }
    }

    /// Every copy of a document with this exact hash, first copy first.
    pub fn group(&self, m: &DocMeta) -> Result<Vec<u32>, IndexError> {
        if m.tokens == 0 {
            return Ok(Vec::new());
        }
        postings(&self.exact, m.exact)
    }

    /// Verified partners of first copy `d`: (partner, shingles shared, shingles of `d`,
    /// shingles of the partner).
    pub fn near(&self, d: u32) -> Result<Vec<(u32, u32, u32, u32)>, IndexError> {
        let mut out = Vec::new();
        for e in self.pairs.range((d, 0)..=(d, u32::MAX))? {
            let (k, v) = e?;
            let b = k.value().1;
            let (shared, la, lb) = pair_counts(d, b, v.value())?;
            out.push((b, shared, la, lb));
        }
        for e in self.pairs_by_b.range((d, 0)..=(d, u32::MAX))? {
            let a = e?.0.value().1;
            let v = self.pairs.get((a, d))?.map(|v| v.value()).ok_or_else(|| {
                IndexError::Corrupted {
                    detail: format!("pair ({a}, {d}) is indexed but not stored"),
                }
            })?;
            let (shared, la, lb) = pair_counts(a, d, v)?;
            out.push((a, shared, lb, la));
        }
        out.sort_unstable();
        Ok(out)
    }

    /// Every verified pair of `d` as the batch lists them: exact copies (a star on the
    /// first copy unless `cfg.all_pairs`) and near-duplicates (between first copies, or
    /// expanded to every copy with `cfg.all_pairs`).
    pub fn pairs_of(
        &self,
        d: u32,
        m: &DocMeta,
        cfg: &reprint_dedup::DedupConfig,
    ) -> Result<Vec<Pair>, IndexError> {
        let group = self.group(m)?;
        let mut out = Vec::new();
        let Some(&first) = group.first() else {
            return Ok(out);
        };
        let star = cfg.exact_star(group.len());
        // A first copy counted nothing when it arrived alone; its copies did.
        let mut len = m.shingles;
        // Every copy has the same count: the first one that counted it will do.
        for &x in &group {
            if len != 0 {
                break;
            }
            if x != d {
                len = self.meta(x)?.shingles;
            }
        }
        for &x in &group {
            if x != d && (!star || x == first || d == first) {
                out.push(Pair {
                    a: x.min(d),
                    b: x.max(d),
                    overlap: Overlap {
                        shared: len,
                        a: len,
                        b: len,
                    },
                    exact: true,
                });
            }
        }
        for (p, shared, mine, theirs) in self.near(first)? {
            // Without the full listing, near pairs are listed between first copies only.
            let partners = if cfg.all_pairs {
                self.group(&self.meta(p)?)?
            } else if d == first {
                vec![p]
            } else {
                Vec::new()
            };
            for q in partners {
                let overlap = if d < q {
                    Overlap {
                        shared,
                        a: mine,
                        b: theirs,
                    }
                } else {
                    Overlap {
                        shared,
                        a: theirs,
                        b: mine,
                    }
                };
                out.push(Pair {
                    a: d.min(q),
                    b: d.max(q),
                    overlap,
                    exact: false,
                });
            }
        }
        out.sort_by_key(|p| (p.a, p.b));
        Ok(out)
    }

    /// The cluster `d` belongs to, if it has any duplicate.
    pub fn cluster_of(
        &self,
        m: &DocMeta,
        keep: KeepPolicy,
    ) -> Result<Option<ClusterOf>, IndexError> {
        let group = self.group(m)?;
        let Some(&first) = group.first() else {
            return Ok(None);
        };
        // First copies connected by verified pairs, then each one's copies.
        let mut seen = vec![first];
        let mut known: std::collections::HashSet<u32> = [first].into();
        let mut todo = vec![first];
        while let Some(x) = todo.pop() {
            for (p, ..) in self.near(x)? {
                if known.insert(p) {
                    seen.push(p);
                    todo.push(p);
                }
            }
        }
        let mut members = Vec::new();
        for &c in &seen {
            if c == first {
                members.extend_from_slice(&group);
            } else {
                members.extend(self.group(&self.meta(c)?)?);
            }
        }
        if members.len() < 2 {
            return Ok(None);
        }
        members.sort_unstable();
        members.dedup();
        let keys: Vec<KeepKey> = members
            .iter()
            .map(|&x| {
                self.meta(x).map(|mm| KeepKey {
                    tokens: mm.tokens,
                    date: mm.date,
                })
            })
            .collect::<Result<_, _>>()?;
        let n = members.len();
        let c = clusters(n, (1..n as u32).map(|i| (0, i)), &keys, keep);
        let representative = members[c[0].representative as usize];
        Ok(Some(ClusterOf {
            members,
            representative,
        }))
    }
}
