//! Streaming first-story detection and batch clustering.
//!
//! Each document is compared with the centroids of the stories active around its date
//! (seen within [`StoriesConfig::window_days`]). Candidates come from an inverted index over
//! each story's heaviest terms and entities: stories sharing the most keys with the document
//! are scored in full, the rest never are, so the cost per document does not grow with the
//! number of active stories. The document joins the best story when the score reaches
//! [`StoriesConfig::join_threshold`], else it starts a new one.

use crate::dates::doc_date;
use crate::features::{extract, Raw};
use crate::model::{combine, dot, norm, time_factor, top, Collection, Cosines, DocFeatures};
use crate::{StoriesConfig, StoriesError, StoryDoc};
use std::collections::HashMap;

/// Stories scored in full per document (those sharing the most index keys with it).
const MAX_SCORED: usize = 48;

/// One story: documents about the same event.
#[derive(Debug, Clone, PartialEq)]
pub struct Story {
    /// Identifier: the story's place in the timeline for [`cluster()`](fn@crate::cluster), the order of creation
    /// for [`StoryStream`].
    pub id: u32,
    /// Member documents (input indices), ascending.
    pub members: Vec<u32>,
    /// Earliest member date (days since 1970-01-01), if any member is dated.
    pub first_seen: Option<i64>,
    /// Latest member date.
    pub last_seen: Option<i64>,
    /// Short human label: top entities, then top terms.
    pub label: String,
    /// Heaviest entity names of the centroid, as written.
    pub top_entities: Vec<String>,
    /// Heaviest terms of the centroid (normalized form), excluding words of the entities.
    pub top_terms: Vec<String>,
}

/// What happened to one document.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assignment {
    /// The document (input index, or arrival number in a stream).
    pub doc: u32,
    /// The story it belongs to ([`Story::id`]).
    pub story: u32,
    /// Similarity to the story when it joined; `1.0` when it started the story.
    pub score: f64,
    /// The document started a story when it arrived (in [`cluster()`](fn@crate::cluster), a later merge may have
    /// joined that story into another).
    pub started: bool,
}

/// Stories of a collection and the story of every document.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StoriesResult {
    /// Stories as a timeline: by `first_seen` (undated last), then `id`.
    pub stories: Vec<Story>,
    /// One per document, in input order.
    pub assignments: Vec<Assignment>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct State {
    members: Vec<u32>,
    first: Option<i64>,
    last: Option<i64>,
    /// Sum of member term vectors, key-sorted, truncated.
    terms: Vec<(u32, f32)>,
    terms_norm: f64,
    entities: Vec<(u32, f32)>,
    entities_norm: f64,
    embedding: Option<(Vec<f32>, u32)>,
    /// Index keys this story is posted under.
    keys: Vec<u64>,
}

pub(crate) fn add_sparse(acc: &[(u32, f32)], v: &[(u32, f32)], keep: usize) -> Vec<(u32, f32)> {
    let mut out = Vec::with_capacity(acc.len() + v.len());
    let (mut i, mut j) = (0, 0);
    while i < acc.len() || j < v.len() {
        if j == v.len() || (i < acc.len() && acc[i].0 < v[j].0) {
            out.push(acc[i]);
            i += 1;
        } else if i == acc.len() || v[j].0 < acc[i].0 {
            out.push(v[j]);
            j += 1;
        } else {
            out.push((acc[i].0, acc[i].1 + v[j].1));
            i += 1;
            j += 1;
        }
    }
    top(out, keep)
}

fn gap(first: Option<i64>, last: Option<i64>, day: Option<i64>) -> Option<i64> {
    match (first, last, day) {
        (Some(f), Some(l), Some(d)) => Some((f - d).max(d - l).max(0)),
        _ => None,
    }
}

const ENTITY_TAG: u64 = 1 << 32;

pub(crate) fn index_keys(terms: &[(u32, f32)], entities: &[(u32, f32)], n: usize) -> Vec<u64> {
    let heaviest = |v: &[(u32, f32)], n: usize| {
        let mut v = v.to_vec();
        v.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(n);
        v
    };
    let mut keys: Vec<u64> = heaviest(terms, n).iter().map(|&(k, _)| k as u64).collect();
    keys.extend(
        heaviest(entities, n.div_ceil(2))
            .iter()
            .map(|&(k, _)| ENTITY_TAG | k as u64),
    );
    keys.sort_unstable();
    keys
}

/// The clustering core shared by [`StoryStream`] and [`cluster()`](fn@crate::cluster).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Engine {
    cfg: StoriesConfig,
    stories: Vec<State>,
    postings: HashMap<u64, Vec<u32>>,
    posted: usize,
    /// Per story: last document that counted it as a candidate, and its key hits.
    stamp: Vec<u32>,
    hits: Vec<u32>,
    term_names: HashMap<u32, String>,
    entity_names: HashMap<u32, String>,
    pushes: u32,
}

impl Engine {
    fn new(cfg: StoriesConfig) -> Engine {
        Engine {
            cfg,
            stories: Vec::new(),
            postings: HashMap::new(),
            posted: 0,
            stamp: Vec::new(),
            hits: Vec::new(),
            term_names: HashMap::new(),
            entity_names: HashMap::new(),
            pushes: 0,
        }
    }

    fn learn_names(&mut self, raw: &Raw) {
        for (k, v) in &raw.term_names {
            self.term_names.entry(*k).or_insert_with(|| v.clone());
        }
        for (k, v) in &raw.entity_names {
            self.entity_names.entry(*k).or_insert_with(|| v.to_string());
        }
    }

    fn score(&self, s: &State, f: &DocFeatures) -> f64 {
        let c = Cosines {
            terms: if s.terms_norm > 0.0 {
                dot(&f.terms, &s.terms) / s.terms_norm
            } else {
                0.0
            },
            entities: (!f.entities.is_empty() && s.entities_norm > 0.0)
                .then(|| dot(&f.entities, &s.entities) / s.entities_norm),
            embedding: match (&f.embedding, &s.embedding) {
                (Some(x), Some((sum, _))) if x.len() == sum.len() => {
                    let n = sum.iter().map(|&v| v as f64 * v as f64).sum::<f64>().sqrt();
                    (n > 0.0).then(|| {
                        x.iter()
                            .zip(sum)
                            .map(|(&p, &q)| p as f64 * q as f64)
                            .sum::<f64>()
                            / n
                    })
                }
                _ => None,
            },
        };
        combine(
            &c,
            time_factor(gap(s.first, s.last, f.date), &self.cfg),
            &self.cfg,
        )
    }

    /// Stories worth scoring for `f`: those sharing the most index keys, ties to the lower id.
    fn candidates(&mut self, f: &DocFeatures) -> Vec<u32> {
        self.pushes += 1;
        let stamp = self.pushes;
        let mut touched: Vec<u32> = Vec::new();
        for key in index_keys(&f.terms, &f.entities, self.cfg.index_keys) {
            let Some(list) = self.postings.get(&key) else {
                continue;
            };
            let from = list.len().saturating_sub(self.cfg.max_postings);
            for &s in &list[from..] {
                let si = s as usize;
                if self.stamp[si] != stamp {
                    self.stamp[si] = stamp;
                    self.hits[si] = 0;
                    let st = &self.stories[si];
                    let active =
                        gap(st.first, st.last, f.date).is_none_or(|g| g <= self.cfg.window_days);
                    if !active {
                        self.hits[si] = u32::MAX;
                        continue;
                    }
                    touched.push(s);
                }
                if self.hits[si] != u32::MAX && st_has_key(&self.stories[si], key) {
                    self.hits[si] += 1;
                }
            }
        }
        touched.retain(|&s| self.hits[s as usize] > 0 && self.hits[s as usize] != u32::MAX);
        touched.sort_unstable_by(|&a, &b| {
            self.hits[b as usize]
                .cmp(&self.hits[a as usize])
                .then(a.cmp(&b))
        });
        touched.truncate(MAX_SCORED);
        touched
    }

    /// The best story for `f`, if any: (story, similarity).
    fn best(&mut self, f: &DocFeatures) -> Option<(u32, f64)> {
        let mut best: Option<(u32, f64)> = None;
        for s in self.candidates(f) {
            let sc = self.score(&self.stories[s as usize], f);
            if best.is_none_or(|(bs, b)| sc > b || (sc == b && s < bs)) {
                best = Some((s, sc));
            }
        }
        best
    }

    fn push(&mut self, doc: u32, f: DocFeatures) -> (u32, f64, bool) {
        match self.best(&f) {
            Some((s, sc)) if sc >= self.cfg.join_threshold => {
                self.join(s, doc, &f);
                (s, sc, false)
            }
            _ => {
                let s = self.stories.len() as u32;
                self.stories.push(State {
                    members: Vec::new(),
                    first: None,
                    last: None,
                    terms: Vec::new(),
                    terms_norm: 0.0,
                    entities: Vec::new(),
                    entities_norm: 0.0,
                    embedding: None,
                    keys: Vec::new(),
                });
                self.stamp.push(0);
                self.hits.push(0);
                self.join(s, doc, &f);
                (s, 1.0, true)
            }
        }
    }

    fn join(&mut self, s: u32, doc: u32, f: &DocFeatures) {
        let cfg = &self.cfg;
        let st = &mut self.stories[s as usize];
        st.members.push(doc);
        if let Some(d) = f.date {
            st.first = Some(st.first.map_or(d, |x| x.min(d)));
            st.last = Some(st.last.map_or(d, |x| x.max(d)));
        }
        st.terms = add_sparse(&st.terms, &f.terms, cfg.max_story_terms);
        st.terms_norm = norm(&st.terms);
        st.entities = add_sparse(&st.entities, &f.entities, cfg.max_story_terms);
        st.entities_norm = norm(&st.entities);
        if let Some(e) = &f.embedding {
            match &mut st.embedding {
                Some((sum, n)) if sum.len() == e.len() => {
                    sum.iter_mut().zip(e).for_each(|(a, b)| *a += b);
                    *n += 1;
                }
                None => st.embedding = Some((e.clone(), 1)),
                Some(_) => {}
            }
        }
        let keys = index_keys(&st.terms, &st.entities, cfg.index_keys);
        for &k in &keys {
            if st.keys.binary_search(&k).is_err() {
                self.postings.entry(k).or_default().push(s);
                self.posted += 1;
            }
        }
        st.keys = keys;
        if self.posted > 64 * 1024
            && self.posted > 4 * self.cfg.index_keys * 2 * self.stories.len().max(1)
        {
            self.compact();
        }
    }

    /// Drops stale postings (keys a story no longer has).
    fn compact(&mut self) {
        let stories = &self.stories;
        self.posted = 0;
        for (&k, list) in self.postings.iter_mut() {
            list.retain(|&s| stories[s as usize].keys.binary_search(&k).is_ok());
            list.dedup();
            self.posted += list.len();
        }
        self.postings.retain(|_, l| !l.is_empty());
    }

    fn label(&self, st: &State) -> (String, Vec<String>, Vec<String>) {
        label(
            &self.term_names,
            &self.entity_names,
            &st.terms,
            &st.entities,
        )
    }

    fn story(&self, id: u32, st: &State) -> Story {
        let (label, top_entities, top_terms) = self.label(st);
        let mut members = st.members.clone();
        members.sort_unstable();
        Story {
            id,
            members,
            first_seen: st.first,
            last_seen: st.last,
            label,
            top_entities,
            top_terms,
        }
    }
}

/// A story's label from its centroid: up to three entity names (full names preferred over
/// their last word), then up to five terms not already in those names.
pub(crate) fn label<S: std::hash::BuildHasher, T: std::hash::BuildHasher>(
    term_names: &HashMap<u32, String, S>,
    entity_names: &HashMap<u32, String, T>,
    terms: &[(u32, f32)],
    entities: &[(u32, f32)],
) -> (String, Vec<String>, Vec<String>) {
    let heaviest = |v: &[(u32, f32)]| {
        let mut v = v.to_vec();
        v.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    };
    let names: Vec<&str> = heaviest(entities)
        .iter()
        .take(24)
        .filter_map(|(k, _)| entity_names.get(k).map(String::as_str))
        .collect();
    let mut ents: Vec<String> = Vec::new();
    for n in &names {
        // Prefer "Vladimir Putin" over its alias "Putin".
        let full = if n.contains(' ') {
            n
        } else {
            names
                .iter()
                .find(|m| m.contains(' ') && m.rsplit(' ').next() == Some(n))
                .unwrap_or(n)
        };
        if !ents.iter().any(|e| e == full) {
            ents.push(full.to_string());
        }
        if ents.len() == 3 {
            break;
        }
    }
    let in_names: Vec<String> = ents
        .iter()
        .flat_map(|e| e.split(' '))
        .map(str::to_lowercase)
        .collect();
    let terms: Vec<String> = heaviest(terms)
        .iter()
        .filter_map(|(k, _)| term_names.get(k))
        .filter(|t| {
            !in_names
                .iter()
                .any(|n| n == *t || n.starts_with(t.as_str()))
        })
        .take(5)
        .cloned()
        .collect();
    let label = match (ents.is_empty(), terms.is_empty()) {
        (false, false) => format!("{} — {}", ents.join(", "), terms.join(", ")),
        (false, true) => ents.join(", "),
        _ => terms.join(", "),
    };
    (label, ents, terms)
}

fn st_has_key(st: &State, key: u64) -> bool {
    st.keys.binary_search(&key).is_ok()
}

/// Incremental stories: push documents as they arrive; stories appear and grow.
///
/// Document frequencies grow with the stream, so each document is weighted by the
/// statistics of the documents before it (and itself). A dateline without a year takes the
/// median year of the dated documents seen so far. Documents are taken in arrival order;
/// [`cluster()`](fn@crate::cluster) sorts a whole collection by date first.
///
/// ```
/// use reprint_stories::{StoriesConfig, StoryDoc, StoryStream};
/// let mut stream = StoryStream::new(StoriesConfig::default()).unwrap();
/// let a = stream.push(&StoryDoc::new("Mario Draghi and Vladimir Putin spoke about gas.").with_date("2022-02-01"));
/// let b = stream.push(&StoryDoc::new("Putin told Draghi that gas supplies would stay stable.").with_date("2022-02-01"));
/// assert!(a.started && !b.started);
/// assert_eq!(a.story, b.story);
/// assert_eq!(stream.stories().len(), 1);
/// ```
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StoryStream {
    collection: Collection,
    engine: Engine,
    years: Vec<i64>,
    docs: u32,
}

impl StoryStream {
    /// An empty stream; checks the configuration.
    pub fn new(cfg: StoriesConfig) -> Result<StoryStream, StoriesError> {
        Ok(StoryStream {
            collection: Collection::new(cfg.clone())?,
            engine: Engine::new(cfg),
            years: Vec::new(),
            docs: 0,
        })
    }

    /// Adds one document; it gets number [`Self::len`] before the call.
    pub fn push(&mut self, doc: &StoryDoc) -> Assignment {
        self.push_dated(doc).0
    }

    /// [`Self::push`], also returning the date the stream gave the document.
    pub fn push_dated(&mut self, doc: &StoryDoc) -> (Assignment, Option<crate::DocDate>) {
        let year = (!self.years.is_empty()).then(|| {
            let mut y = self.years.clone();
            let mid = (y.len() - 1) / 2;
            *y.select_nth_unstable(mid).1
        });
        let date = doc_date(doc.date, doc.text, year);
        if let Some(d) = date {
            if !matches!(
                d.source,
                crate::DateSource::Dateline {
                    year_from: crate::YearFrom::Collection
                }
            ) {
                // A bounded sample of years is enough for a median.
                if self.years.len() < 4096 {
                    self.years.push(crate::dates::civil_from_days(d.days).0);
                }
            }
        }
        let raw = extract(doc, self.collection.config());
        self.collection.add_raw(&raw);
        let f = self
            .collection
            .weigh(&raw, date.map(|d| d.days), doc.embedding);
        self.engine.learn_names(&raw);
        let id = self.docs;
        self.docs += 1;
        let (story, score, started) = self.engine.push(id, f);
        (
            Assignment {
                doc: id,
                story,
                score,
                started,
            },
            date,
        )
    }

    /// What [`Self::push`] would answer for `doc`, without adding it: the story it would
    /// join, or the number the story it would start gets.
    pub fn peek(&mut self, doc: &StoryDoc) -> (Assignment, Option<crate::DocDate>) {
        let year = (!self.years.is_empty()).then(|| {
            let mut y = self.years.clone();
            let mid = (y.len() - 1) / 2;
            *y.select_nth_unstable(mid).1
        });
        let date = doc_date(doc.date, doc.text, year);
        let raw = extract(doc, self.collection.config());
        self.collection.add_raw(&raw);
        let f = self
            .collection
            .weigh(&raw, date.map(|d| d.days), doc.embedding);
        self.collection.remove_raw(&raw);
        let (story, score, started) = match self.engine.best(&f) {
            Some((s, sc)) if sc >= self.engine.cfg.join_threshold => (s, sc, false),
            _ => (self.engine.stories.len() as u32, 1.0, true),
        };
        (
            Assignment {
                doc: self.docs,
                story,
                score,
                started,
            },
            date,
        )
    }

    /// Documents pushed so far.
    pub fn len(&self) -> u32 {
        self.docs
    }

    /// Whether nothing was pushed yet.
    pub fn is_empty(&self) -> bool {
        self.docs == 0
    }

    /// Story `id` as it stands, if there is one.
    pub fn story(&self, id: u32) -> Option<Story> {
        let st = self.engine.stories.get(id as usize)?;
        Some(self.engine.story(id, st))
    }

    /// Takes document `doc` out of story `story`'s members (a removed document). The
    /// story's centroid and dates keep what the document added: later documents were
    /// placed against them, and the story reads the same.
    pub fn forget(&mut self, doc: u32, story: u32) {
        if let Some(st) = self.engine.stories.get_mut(story as usize) {
            st.members.retain(|&m| m != doc);
        }
    }

    /// The stories so far as a timeline (by `first_seen`, undated last, then id).
    pub fn stories(&self) -> Vec<Story> {
        let mut out: Vec<Story> = self
            .engine
            .stories
            .iter()
            .enumerate()
            .map(|(i, st)| self.engine.story(i as u32, st))
            .collect();
        out.sort_by_key(|s| (s.first_seen.is_none(), s.first_seen, s.id));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_sparse_merges_keys() {
        let a = vec![(1, 1.0), (3, 1.0)];
        let b = vec![(2, 0.5), (3, 0.5)];
        assert_eq!(add_sparse(&a, &b, 10), vec![(1, 1.0), (2, 0.5), (3, 1.5)]);
        assert_eq!(add_sparse(&a, &b, 2), vec![(1, 1.0), (3, 1.5)]);
    }

    #[test]
    fn gaps() {
        assert_eq!(gap(Some(10), Some(12), Some(11)), Some(0));
        assert_eq!(gap(Some(10), Some(12), Some(15)), Some(3));
        assert_eq!(gap(Some(10), Some(12), Some(7)), Some(3));
        assert_eq!(gap(None, None, Some(7)), None);
    }
}
