//! Batch stories: every document weighed against the whole collection at once.
//!
//! 1. Features for every document (in parallel), weighted by the document frequencies of the
//!    whole collection.
//! 2. A sparse similarity graph: each document's heaviest keys (terms and entities) are
//!    posted; documents sharing keys are candidates, the ones sharing the most are scored
//!    with [`crate::pair_similarity`], and the [`StoriesConfig::neighbors`] most similar are
//!    kept. A key held by very many documents is read only around the document (in date
//!    order, then content order), so no document reads more than 64 entries per key: the
//!    work is linear in the collection.
//! 3. Average-link clustering of that graph (nearest-neighbour chains), stopped at
//!    [`StoriesConfig::link_threshold`]: two stories are linked while the average similarity
//!    over all pairs of their documents reaches the threshold, a pair the graph does not hold
//!    counting as 0. Documents the caller links (copies of one article) start as one story.
//!
//! Nothing depends on the order of the input: ties are broken by a hash of the content,
//! never by position, and sums run in an order fixed by the merge tree.

use crate::cluster::{index_keys, label, Assignment, StoriesResult, Story};
use crate::dates::{date_clues, resolve_clues, DocDate, Found};
use crate::features::{extract_into, extract_with, name_term, KeyMap};
use crate::model::{pair_similarity, top, Collection, DocFeatures};
use crate::{StoriesConfig, StoriesError, StoryDoc};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use xxhash_rust::xxh3::xxh3_64;

/// Candidates scored in full per document (those sharing the most keys with it).
const MAX_SCORED: usize = 32;
/// Keys a document posts (its heaviest terms, and half as many entities).
const POST_KEYS: usize = 8;
/// Keys a document looks up: it finds another when one of its heavier keys is among the
/// other's heaviest.
const QUERY_KEYS: usize = 24;
/// Entries read from one key's list: all of a short list, else this many around the
/// document in posting order (date, then content). Bounds the work per document.
const WINDOW: usize = 64;
/// Documents whose features are extracted together (bounds the names held at once).
const CHUNK: usize = 4096;

/// A document's weighted counts: terms, entities (key-sorted).
type Counts = (Vec<(u32, f32)>, Vec<(u32, f32)>);

/// Stories of a whole collection; see [`cluster_linked`].
pub fn cluster(docs: &[StoryDoc], cfg: &StoriesConfig) -> Result<StoriesResult, StoriesError> {
    cluster_linked(docs, cfg, &[])
}

/// Stories of a whole collection, with `linked` pairs of documents (input indices) always in
/// one story — e.g. the copies the duplicate level found.
///
/// Documents are dated with [`crate::dates::resolve_dates`]. Story ids follow the timeline:
/// by first date (undated last), then by content. Feature extraction and the graph run on
/// rayon; the result does not depend on the number of threads or on the input order.
pub fn cluster_linked(
    docs: &[StoryDoc],
    cfg: &StoriesConfig,
    linked: &[(u32, u32)],
) -> Result<StoriesResult, StoriesError> {
    cluster_linked_by(docs.len(), |i, f| f(&docs[i]), cfg, linked)
}

/// What the first reading keeps of a document: its counts (until the chunk's document
/// frequencies are added, or to the end while they fit the caller's budget), its date clues
/// (unless the caller dated it) and its content key.
type Read = (Counts, Option<Vec<f32>>, Option<Found>, u64);

/// [`cluster_linked`] over `n` documents handed out one at a time: `doc(i, f)` calls `f`
/// with document `i`. Each document is read once, in chunks, and only its counts are kept
/// until the collection's frequencies are known, so the caller may read the texts from disk
/// one by one instead of holding them all. [`cluster_dated_by`] bounds the counts too.
pub fn cluster_linked_by<F>(
    n: usize,
    doc: F,
    cfg: &StoriesConfig,
    linked: &[(u32, u32)],
) -> Result<StoriesResult, StoriesError>
where
    F: Fn(usize, &mut dyn FnMut(&StoryDoc<'_>)) + Sync,
{
    run(n, doc, None, Budget::unlimited(), cfg, linked)
}

/// [`cluster_linked_by`] with the documents' dates already resolved (as
/// [`crate::dates::resolve_dates`] or [`resolve_clues`] give them: the first reading then
/// skips the date clues), and at most about `budget.bytes` of documents' counts held between
/// the two passes: the counts of the documents past that budget are dropped once the
/// collection has seen them, and those documents are read again for their features. The
/// same budget decides whether the weighted features are held through the clustering
/// (which does not read them) for the stories' labels, or dropped before it and weighed
/// again from a third reading. The result is the same whatever the budget; a smaller one
/// costs more readings (about a quarter more time each).
pub fn cluster_dated_by<F>(
    n: usize,
    doc: F,
    dates: &[Option<DocDate>],
    budget: Budget<'_>,
    cfg: &StoriesConfig,
    linked: &[(u32, u32)],
) -> Result<StoriesResult, StoriesError>
where
    F: Fn(usize, &mut dyn FnMut(&StoryDoc<'_>)) + Sync,
{
    assert_eq!(dates.len(), n, "one date (or None) per document");
    run(n, doc, Some(dates), budget, cfg, linked)
}

/// What [`cluster_dated_by`] may hold to save a reading of the documents, and how it hands
/// back what it frees. The default keeps nothing (three readings).
#[derive(Clone, Copy, Default)]
pub struct Budget<'a> {
    /// Bytes of documents' counts (between the first two readings) and of their weighted
    /// features (through the clustering) it may keep.
    pub bytes: usize,
    /// Called when a large part of the level's memory has just been freed (the features,
    /// before the clustering), e.g. to return it to the system: an allocator that keeps
    /// each thread's freed memory for that thread would not give it to the clustering.
    pub freed: Option<&'a (dyn Fn() + Sync)>,
}

impl Budget<'_> {
    /// Everything may be kept (one reading).
    pub fn unlimited() -> Budget<'static> {
        Budget {
            bytes: usize::MAX,
            freed: None,
        }
    }
}

/// Calls `doc(i, f)` once and returns what `f` made of the document.
fn read_one<F, T>(doc: &F, i: usize, f: impl FnOnce(&StoryDoc<'_>) -> T) -> T
where
    F: Fn(usize, &mut dyn FnMut(&StoryDoc<'_>)) + Sync,
{
    let mut f = Some(f);
    let mut out = None;
    doc(i, &mut |d| out = f.take().map(|f| f(d)));
    out.expect("doc(i, f) must call f exactly once")
}

fn run<F>(
    n: usize,
    doc: F,
    dated: Option<&[Option<DocDate>]>,
    budget: Budget<'_>,
    cfg: &StoriesConfig,
    linked: &[(u32, u32)],
) -> Result<StoriesResult, StoriesError>
where
    F: Fn(usize, &mut dyn FnMut(&StoryDoc<'_>)) + Sync,
{
    let mut collection = Collection::new(cfg.clone())?;
    if let Some(&(a, b)) = linked
        .iter()
        .find(|&&(a, b)| a as usize >= n || b as usize >= n)
    {
        panic!("linked pair ({a}, {b}) names a document past the {n} given");
    }
    // Pass 1: document frequencies, the surface names of every key, date clues; the counts
    // themselves while they fit the budget (documents in input order, so the same ones
    // whatever the threads).
    let mut names = Names::default();
    let mut clues: Vec<Found> = Vec::with_capacity(if dated.is_some() { 0 } else { n });
    let mut keys: Vec<u64> = Vec::with_capacity(n);
    let mut kept: Vec<Option<(Counts, Option<Vec<f32>>)>> = Vec::with_capacity(n);
    let mut kept_bytes = 0usize;
    for first in (0..n).step_by(CHUNK) {
        let (read, chunk_names) = (first..(first + CHUNK).min(n))
            .into_par_iter()
            .fold(
                || (Vec::new(), Names::default()),
                |(mut v, mut acc): (Vec<Read>, Names), i| {
                    v.push(read_one(&doc, i, |d| {
                        let r = extract_into(d, cfg, &mut acc.terms);
                        acc.learn(&r);
                        (
                            (r.terms, r.entities),
                            d.embedding.map(<[f32]>::to_vec),
                            dated.is_none().then(|| date_clues(d.date, d.text)),
                            content_key(d),
                        )
                    }));
                    (v, acc)
                },
            )
            .reduce(
                || (Vec::new(), Names::default()),
                |(mut a, mut na), (b, nb)| {
                    a.extend(b);
                    na.merge(nb);
                    (a, na)
                },
            );
        for ((mut t, mut e), emb, clue, key) in read {
            collection.add_counts(&t, &e);
            clues.extend(clue);
            keys.push(key);
            let bytes = (t.len() + e.len()) * std::mem::size_of::<(u32, f32)>()
                + emb.as_ref().map_or(0, |v| v.len() * 4)
                + 96;
            if kept_bytes.saturating_add(bytes) <= budget.bytes {
                kept_bytes += bytes;
                t.shrink_to_fit();
                e.shrink_to_fit();
                kept.push(Some(((t, e), emb)));
            } else {
                kept.push(None);
            }
        }
        names.merge(chunk_names);
    }
    let resolved;
    let dates = match dated {
        Some(d) => d,
        None => {
            resolved = resolve_clues(clues);
            &resolved[..]
        }
    };
    // Pass 2: features weighed by the whole collection, from the kept counts or from the
    // document read again.
    let days: Vec<Option<i64>> = dates.iter().map(|x| x.as_ref().map(|x| x.days)).collect();
    let weigh = |i: usize| {
        read_one(&doc, i, |d| {
            let r = extract_with(d, cfg, None);
            collection.weigh_counts(&r.terms, &r.entities, days[i], d.embedding)
        })
    };
    let feats: Vec<DocFeatures> = kept
        .into_par_iter()
        .enumerate()
        .with_min_len(64)
        .map(|(i, counts)| match counts {
            Some(((t, e), emb)) => collection.weigh_counts(&t, &e, days[i], emb.as_deref()),
            None => weigh(i),
        })
        .collect();
    let edges = graph(&feats, &keys, cfg);
    // The clustering needs none of the features and the stories' labels need them once
    // more: they are held through it while they fit the budget, else dropped now and
    // weighed again (a third reading) story by story.
    let feats_bytes: usize = feats.iter().map(features_bytes).sum();
    let held = (feats_bytes <= budget.bytes).then_some(feats);
    if held.is_none() {
        if let Some(freed) = budget.freed {
            freed();
        }
    }
    let clusters = average_link(n, &keys, &edges, linked, cfg.link_threshold);
    let features = |d: u32| match &held {
        Some(f) => Cow::Borrowed(&f[d as usize]),
        None => Cow::Owned(weigh(d as usize)),
    };
    Ok(assemble(
        &days, &keys, &edges, clusters, &names, cfg, features,
    ))
}

/// Bytes a document's features hold.
fn features_bytes(f: &DocFeatures) -> usize {
    std::mem::size_of::<DocFeatures>()
        + (f.terms.capacity() + f.entities.capacity()) * std::mem::size_of::<(u32, f32)>()
        + f.embedding.as_ref().map_or(0, |e| e.capacity() * 4)
}

/// The order-free identity of a document, used for every tie: its text, title and id.
fn content_key(d: &StoryDoc) -> u64 {
    let t = xxh3_64(d.text.as_bytes());
    let t = d
        .title
        .map_or(t, |title| t ^ xxh3_64(title.as_bytes()).rotate_left(1));
    d.id.map_or(t, |id| t ^ xxh3_64(id.as_bytes()).rotate_left(2))
}

/// Surface names of term and entity keys. When two documents write one key differently
/// ("PUTIN", "Putin"), the form with more lowercase letters wins, then the smaller string:
/// the choice does not depend on which document came first.
#[derive(Default)]
struct Names {
    terms: KeyMap<u32, String>,
    entities: KeyMap<u32, String>,
}

fn better(new: &str, old: &str) -> bool {
    let lower = |s: &str| s.chars().filter(|c| c.is_lowercase()).count();
    (lower(new), std::cmp::Reverse(new)) > (lower(old), std::cmp::Reverse(old))
}

fn put(map: &mut KeyMap<u32, String>, k: u32, v: &str) {
    match map.get_mut(&k) {
        Some(old) if old != v && better(v, old) => *old = v.to_string(),
        Some(_) => {}
        None => {
            map.insert(k, v.to_string());
        }
    }
}

impl Names {
    /// Learns a document's entity names (its terms were named while it was read).
    fn learn(&mut self, raw: &crate::features::Raw) {
        for (&k, v) in &raw.entity_names {
            put(&mut self.entities, k, v);
        }
    }

    fn merge(&mut self, other: Names) {
        let (mut a, b) =
            if self.terms.len() + self.entities.len() >= other.terms.len() + other.entities.len() {
                (std::mem::take(self), other)
            } else {
                (other, std::mem::take(self))
            };
        for (k, v) in b.terms {
            name_term(&mut a.terms, k, &v);
        }
        for (k, v) in b.entities {
            put(&mut a.entities, k, &v);
        }
        *self = a;
    }
}

/// One edge of the similarity graph: documents `a < b` and their similarity.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Edge {
    a: u32,
    b: u32,
    sim: f64,
}

/// The similarity graph: for every document, the [`StoriesConfig::neighbors`] most similar
/// candidates at or above half the link threshold; an edge is kept when either end keeps it.
fn graph(feats: &[DocFeatures], keys: &[u64], cfg: &StoriesConfig) -> Vec<Edge> {
    let n = feats.len();
    // Posting order: by date (undated last), then content key, then position (only identical
    // documents tie there, and they are interchangeable).
    let mut rank_order: Vec<u32> = (0..n as u32).collect();
    rank_order.par_sort_unstable_by_key(|&i| {
        let f = &feats[i as usize];
        (f.date.is_none(), f.date, keys[i as usize], i)
    });
    let mut rank = vec![0u32; n];
    for (r, &i) in rank_order.iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    // (key, rank) for every posted key, sorted: each key's list is in posting order.
    let mut postings = gather(feats.par_iter().enumerate().flat_map_iter(|(i, f)| {
        let r = rank[i];
        index_keys(&f.terms, &f.entities, POST_KEYS)
            .into_iter()
            .map(move |k| (k, r))
    }));
    postings.par_sort_unstable();
    // Where each key's list starts and ends.
    let mut lists: KeyMap<u64, (u32, u32)> = KeyMap::default();
    for (at, run) in postings
        .chunk_by(|x, y| x.0 == y.0)
        .scan(0usize, |at, run| {
            let start = *at;
            *at += run.len();
            Some((start, run))
        })
    {
        lists.insert(run[0].0, (at as u32, (at + run.len()) as u32));
    }
    let ranks: Vec<u32> = postings.iter().map(|p| p.1).collect();
    drop(postings);
    let floor = cfg.link_threshold / 2.0;
    // Few, long tasks: each allocates its scratch arrays once.
    let min_len = (n / 64).max(256);
    let mut edges = gather(
        (0..n)
            .into_par_iter()
            .with_min_len(min_len)
            .map_init(
                || (vec![0u32; n], vec![0u32; n]),
                |(stamp, hits), i| {
                    // Documents sharing keys with `i`, counted in scratch arrays stamped by `i`.
                    let mark = i as u32 + 1;
                    let mut touched: Vec<u32> = Vec::new();
                    let f = &feats[i];
                    for k in index_keys(&f.terms, &f.entities, QUERY_KEYS) {
                        let Some(&(lo, hi)) = lists.get(&k) else {
                            continue;
                        };
                        let list = &ranks[lo as usize..hi as usize];
                        let (from, to) = if list.len() <= WINDOW {
                            (0, list.len())
                        } else {
                            let at = list.partition_point(|&r| r < rank[i]);
                            let from = at.saturating_sub(WINDOW / 2).min(list.len() - WINDOW);
                            (from, from + WINDOW)
                        };
                        for &r in &list[from..to] {
                            let j = rank_order[r as usize];
                            if j as usize == i {
                                continue;
                            }
                            if stamp[j as usize] != mark {
                                stamp[j as usize] = mark;
                                hits[j as usize] = 0;
                                touched.push(j);
                            }
                            hits[j as usize] += 1;
                        }
                    }
                    // (shared keys, content key, doc): most shared first, ties by content.
                    let mut counted: Vec<(std::cmp::Reverse<u32>, u64, u32)> = touched
                        .iter()
                        .map(|&j| (std::cmp::Reverse(hits[j as usize]), keys[j as usize], j))
                        .collect();
                    if counted.len() > MAX_SCORED {
                        counted.select_nth_unstable(MAX_SCORED);
                        counted.truncate(MAX_SCORED);
                    }
                    (i, counted)
                },
            )
            .flat_map_iter(|(i, counted)| {
                let fi = &feats[i];
                let mut scored: Vec<(f64, u64, u32)> = counted
                    .into_iter()
                    .filter(|&(_, _, j)| {
                        let fj = &feats[j as usize];
                        fi.date
                            .zip(fj.date)
                            .is_none_or(|(x, y)| (x - y).abs() <= cfg.window_days)
                    })
                    .map(|(_, key, j)| (pair_similarity(fi, &feats[j as usize], cfg), key, j))
                    .filter(|&(s, _, _)| s >= floor)
                    .collect();
                scored.sort_unstable_by(|a, b| {
                    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
                });
                scored.truncate(cfg.neighbors);
                let i = i as u32;
                scored.into_iter().map(move |(sim, _, j)| Edge {
                    a: i.min(j),
                    b: i.max(j),
                    sim,
                })
            }),
    );
    edges.par_sort_unstable_by(|x, y| (x.a, x.b).cmp(&(y.a, y.b)));
    // An edge both ends kept is there twice: the copies' room is given back.
    edges.dedup_by(|x, y| x.a == y.a && x.b == y.b);
    edges.shrink_to_fit();
    edges
}

/// The items of `items` in one array sized once: each worker's run is moved in and freed
/// in turn, so the items are never held twice (a parallel `collect` holds its pieces and
/// the whole at once).
fn gather<T: Send>(items: impl ParallelIterator<Item = T>) -> Vec<T> {
    let runs: Vec<Vec<T>> = items
        .fold(Vec::new, |mut run, x| {
            run.push(x);
            run
        })
        .collect();
    let mut all = Vec::with_capacity(runs.iter().map(Vec::len).sum());
    for run in runs {
        all.extend(run);
    }
    all
}

/// A cluster during average-link clustering.
struct Node {
    size: u32,
    /// Smallest (content key, document) of its members: the cluster's order-free identity.
    key: (u64, u32),
    /// Neighbouring clusters and their sums, by cluster.
    sums: Vec<Sum>,
}

/// A neighbouring cluster and the sum of the similarities of their document pairs. Packed
/// to 12 bytes (a `(u32, f64)` pads to 16): the clustering holds two per graph edge.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, packed(4))]
struct Sum {
    c: u32,
    s: f64,
}

/// Adds `s` to `c`'s sum in the sorted list `v`.
fn add_sum(v: &mut Vec<Sum>, c: u32, s: f64) {
    match v.binary_search_by_key(&c, |e| e.c) {
        Ok(i) => v[i].s += s,
        Err(i) => v.insert(i, Sum { c, s }),
    }
}

/// Removes `c` from the sorted list `v`.
fn take_sum(v: &mut Vec<Sum>, c: u32) {
    if let Ok(i) = v.binary_search_by_key(&c, |e| e.c) {
        v.remove(i);
    }
}

/// The neighbour sums of two merged clusters `keep` and `gone`: both lists summed, without
/// the two themselves. Each sum is `keep`'s + `gone`'s, as each neighbour's own list adds it.
fn merge_sums(a: &[Sum], b: &[Sum], keep: u32, gone: u32) -> Vec<Sum> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let e = if j == b.len() || (i < a.len() && a[i].c < b[j].c) {
            i += 1;
            a[i - 1]
        } else if i == a.len() || b[j].c < a[i].c {
            j += 1;
            b[j - 1]
        } else {
            i += 1;
            j += 1;
            Sum {
                c: a[i - 1].c,
                s: a[i - 1].s + b[j - 1].s,
            }
        };
        if e.c != keep && e.c != gone {
            out.push(e);
        }
    }
    out
}

/// Average-link clustering of the graph by nearest-neighbour chains; returns each
/// document's cluster root.
fn average_link(
    n: usize,
    keys: &[u64],
    edges: &[Edge],
    linked: &[(u32, u32)],
    threshold: f64,
) -> Vec<u32> {
    let mut degree = vec![0u32; n];
    for e in edges {
        degree[e.a as usize] += 1;
        degree[e.b as usize] += 1;
    }
    let mut nodes: Vec<Node> = (0..n)
        .map(|i| Node {
            size: 1,
            key: (keys[i], i as u32),
            sums: Vec::with_capacity(degree[i] as usize),
        })
        .collect();
    drop(degree);
    // Edges come sorted by (a, b): each node receives its neighbours in ascending order.
    for e in edges {
        nodes[e.a as usize].sums.push(Sum { c: e.b, s: e.sim });
        nodes[e.b as usize].sums.push(Sum { c: e.a, s: e.sim });
    }
    // Where each document's cluster lives: a merged cluster's node stays in one of its two
    // slots and the other points at it (a union-find; `find_slot` follows it).
    let mut slot: Vec<u32> = (0..n as u32).collect();
    let merge = |nodes: &mut Vec<Node>, slot: &mut Vec<u32>, x: u32, y: u32| -> u32 {
        // Keep the node with more neighbours; move the other into it.
        let (keep, gone) = if nodes[x as usize].sums.len() >= nodes[y as usize].sums.len() {
            (x, y)
        } else {
            (y, x)
        };
        let moved = std::mem::take(&mut nodes[gone as usize].sums);
        for &Sum { c, s } in &moved {
            if c != keep {
                let cs = &mut nodes[c as usize].sums;
                take_sum(cs, gone);
                add_sum(cs, keep, s);
            }
        }
        let kept = std::mem::take(&mut nodes[keep as usize].sums);
        nodes[keep as usize].sums = merge_sums(&kept, &moved, keep, gone);
        let (gs, gk) = (nodes[gone as usize].size, nodes[gone as usize].key);
        let k = &mut nodes[keep as usize];
        k.size += gs;
        k.key = k.key.min(gk);
        slot[gone as usize] = keep;
        keep
    };
    // Linked documents start as one cluster.
    for &(a, b) in linked {
        let (ra, rb) = (find_slot(&mut slot, a), find_slot(&mut slot, b));
        if ra != rb {
            merge(&mut nodes, &mut slot, ra, rb);
        }
    }
    let best = |nodes: &Vec<Node>, x: u32| -> Option<u32> {
        let nx = &nodes[x as usize];
        let mut best: Option<(f64, (u64, u32), u32)> = None;
        for &Sum { c, s } in &nx.sums {
            let nc = &nodes[c as usize];
            let avg = s / (nx.size as f64 * nc.size as f64);
            if avg < threshold {
                continue;
            }
            if best.is_none_or(|(b, bk, _)| avg > b || (avg == b && nc.key < bk)) {
                best = Some((avg, nc.key, c));
            }
        }
        best.map(|(_, _, c)| c)
    };
    let mut done = vec![false; n];
    let mut starts: Vec<u32> = (0..n as u32).collect();
    starts.sort_unstable_by_key(|&i| (keys[i as usize], i));
    let mut chain: Vec<u32> = Vec::new();
    for s in starts {
        let s = find_slot(&mut slot, s);
        if done[s as usize] {
            continue;
        }
        chain.push(s);
        while let Some(&x) = chain.last() {
            match best(&nodes, x) {
                None => {
                    done[x as usize] = true;
                    chain.pop();
                }
                Some(y) if chain.len() >= 2 && chain[chain.len() - 2] == y => {
                    // Reciprocal nearest neighbours: merge; the chain below goes on.
                    chain.truncate(chain.len() - 2);
                    merge(&mut nodes, &mut slot, x, y);
                }
                Some(y) => chain.push(y),
            }
        }
    }
    (0..n as u32).map(|i| find_slot(&mut slot, i)).collect()
}

fn find_slot(slot: &mut [u32], mut x: u32) -> u32 {
    while slot[x as usize] != x {
        let next = slot[x as usize];
        slot[x as usize] = slot[next as usize];
        x = next;
    }
    x
}

/// Stories from the clusters: members, dates, a centroid label; each document's score is its
/// strongest link inside its story.
///
/// `days` are the documents' dates; `features(d)` gives document `d`'s features (held, or
/// weighed again), asked for once per document.
fn assemble<'f>(
    days: &[Option<i64>],
    keys: &[u64],
    edges: &[Edge],
    root: Vec<u32>,
    names: &Names,
    cfg: &StoriesConfig,
    features: impl Fn(u32) -> Cow<'f, DocFeatures> + Sync,
) -> StoriesResult {
    let n = days.len();
    let mut members: HashMap<u32, Vec<u32>> = HashMap::new();
    for (i, &r) in root.iter().enumerate() {
        members.entry(r).or_default().push(i as u32);
    }
    let mut strongest = vec![f64::NAN; n];
    for e in edges {
        if root[e.a as usize] == root[e.b as usize] {
            for d in [e.a, e.b] {
                let s = &mut strongest[d as usize];
                if s.is_nan() || e.sim > *s {
                    *s = e.sim;
                }
            }
        }
    }
    // Order-free story order: first date (undated last), then smallest content key.
    let mut groups: Vec<Vec<u32>> = members.into_values().collect();
    let sort_key = |g: &Vec<u32>| {
        let first = g.iter().filter_map(|&d| days[d as usize]).min();
        let key = g.iter().map(|&d| (keys[d as usize], d)).min();
        (first.is_none(), first, key)
    };
    groups.par_sort_unstable_by_key(sort_key);
    let mut assignments = vec![
        Assignment {
            doc: 0,
            story: 0,
            score: 1.0,
            started: false
        };
        n
    ];
    let stories: Vec<Story> = groups
        .par_iter()
        .enumerate()
        .map(|(id, g)| {
            // The centroid: full sums in content order (the same whatever the input order;
            // documents with one key have the same features), cut to its heaviest once.
            let mut by_content = g.clone();
            by_content.sort_unstable_by_key(|&d| (keys[d as usize], d));
            let mut term_sums: KeyMap<u32, f64> = KeyMap::default();
            let mut entity_sums: KeyMap<u32, f64> = KeyMap::default();
            for &d in &by_content {
                let f = features(d);
                for &(k, w) in &f.terms {
                    *term_sums.entry(k).or_default() += w as f64;
                }
                for &(k, w) in &f.entities {
                    *entity_sums.entry(k).or_default() += w as f64;
                }
            }
            let cut = |sums: KeyMap<u32, f64>| {
                top(
                    sums.into_iter().map(|(k, w)| (k, w as f32)).collect(),
                    cfg.max_story_terms,
                )
            };
            let (terms, entities) = (cut(term_sums), cut(entity_sums));
            let mut g = g.clone();
            g.sort_unstable();
            let (lab, top_entities, top_terms) =
                label(&names.terms, &names.entities, &terms, &entities);
            let dates = g.iter().filter_map(|&d| days[d as usize]);
            Story {
                id: id as u32,
                first_seen: dates.clone().min(),
                last_seen: dates.max(),
                members: g,
                label: lab,
                top_entities,
                top_terms,
            }
        })
        .collect();
    for s in &stories {
        let first = s
            .members
            .iter()
            .min_by_key(|&&d| {
                let day = days[d as usize];
                (day.is_none(), day, keys[d as usize], d)
            })
            .copied();
        for &d in &s.members {
            let st = strongest[d as usize];
            assignments[d as usize] = Assignment {
                doc: d,
                story: s.id,
                score: if st.is_nan() { 1.0 } else { st },
                started: Some(d) == first,
            };
        }
    }
    StoriesResult {
        stories,
        assignments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(a: u32, b: u32, sim: f64) -> Edge {
        Edge { a, b, sim }
    }

    #[test]
    fn average_link_uses_all_pairs() {
        // 0-1 strongly, 2 linked to 0 only: average of {0,1}×{2} = 0.5 / 2 = 0.25.
        let keys = [10, 20, 30];
        let edges = [edge(0, 1, 0.9), edge(0, 2, 0.5)];
        let r = average_link(3, &keys, &edges, &[], 0.3);
        assert_eq!(r[0], r[1]);
        assert_ne!(r[0], r[2]);
        let r = average_link(3, &keys, &edges, &[], 0.2);
        assert!(r[0] == r[1] && r[1] == r[2]);
    }

    #[test]
    fn linked_documents_stay_together() {
        let keys = [1, 2, 3];
        let r = average_link(3, &keys, &[], &[(0, 2)], 0.5);
        assert_eq!(r[0], r[2]);
        assert_ne!(r[0], r[1]);
    }

    #[test]
    fn empty_collection() {
        let r = cluster(&[], &StoriesConfig::default()).unwrap();
        assert!(r.stories.is_empty() && r.assignments.is_empty());
    }

    #[test]
    fn names_prefer_mixed_case_whatever_the_order() {
        let mut a = KeyMap::default();
        put(&mut a, 1, "PUTIN");
        put(&mut a, 1, "Putin");
        let mut b = KeyMap::default();
        put(&mut b, 1, "Putin");
        put(&mut b, 1, "PUTIN");
        assert_eq!(a[&1], "Putin");
        assert_eq!(b[&1], "Putin");
    }
}
