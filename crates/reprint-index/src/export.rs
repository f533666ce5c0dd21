//! Reading the whole index back: every finding of the collection, as `analyze` writes them,
//! and one document with its findings.

use crate::store::*;
use crate::view::View;
use crate::{DocInfo, Index, IndexError};
use redb::{ReadableDatabase, ReadableTable};
use reprint_dedup::{clusters, KeepKey, Overlap, Pair};
use reprint_engine::records::*;
use reprint_engine::{findings, Finding};
use reprint_reuse::incremental::{align_docs, DocTokens};
use reprint_reuse::{find_reuse, DocRef};
use reprint_stories::dates::resolve_dates;
use reprint_stories::StoryDoc;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};

/// Every finding, level by level, into `sink`; returns the summary's fields.
pub(crate) fn export<S: Sink>(
    index: &Index,
    sink: &mut S,
) -> Result<Result<Map<String, Value>, S::Error>, IndexError> {
    let txn = index.db.begin_read()?;
    let docs_t = txn.open_table(DOCS)?;
    let texts_t = txn.open_table(TEXTS)?;
    let store = crate::read_texts(index.log.as_ref(), &txn)?;
    let exact_t = txn.open_table(EXACT)?;
    let pairs_t = txn.open_table(PAIRS)?;

    // Live documents in arrival order, renumbered densely (the batch's input order).
    let mut nums: Vec<u32> = Vec::new();
    let mut metas: Vec<DocMeta> = Vec::new();
    for e in docs_t.iter()? {
        let (k, v) = e?;
        let d = k.value();
        metas.push(DocMeta::decode(v.value(), d)?);
        nums.push(d);
    }
    let n = nums.len();
    let at = |d: u32| -> Result<u32, IndexError> {
        nums.binary_search(&d)
            .map(|i| i as u32)
            .map_err(|_| IndexError::Corrupted {
                detail: format!("document {d} is referenced but not stored"),
            })
    };
    // Groups of exact copies.
    let mut groups: HashMap<u64, Vec<u32>> = HashMap::new();
    for e in exact_t.iter()? {
        let (h, d) = e?.0.value();
        let i = at(d)?;
        if metas[i as usize].exact != h {
            return Err(IndexError::Corrupted {
                detail: format!("document {d} is filed under another text's hash"),
            });
        }
        groups.entry(h).or_default().push(i);
    }
    let group_of = |i: u32| -> &[u32] {
        let m = &metas[i as usize];
        if m.tokens == 0 {
            return &[];
        }
        groups.get(&m.exact).map_or(&[], |g| g.as_slice())
    };
    let dedup = index.cfg.dedup.dedup_config();
    let mut pairs: Vec<Pair> = Vec::new();
    for e in pairs_t.iter()? {
        let (k, v) = e?;
        let (a, b) = k.value();
        let (shared, la, lb) = pair_counts(a, b, v.value())?;
        let (a, b) = (at(a)?, at(b)?);
        // Without the full listing, a near pair is listed once, between first copies.
        let (ga, gb) = if dedup.all_pairs {
            (group_of(a), group_of(b))
        } else {
            (std::slice::from_ref(&a), std::slice::from_ref(&b))
        };
        for &x in ga {
            for &y in gb {
                let overlap = if x < y {
                    Overlap {
                        shared,
                        a: la,
                        b: lb,
                    }
                } else {
                    Overlap {
                        shared,
                        a: lb,
                        b: la,
                    }
                };
                pairs.push(Pair {
                    a: x.min(y),
                    b: x.max(y),
                    overlap,
                    exact: false,
                });
            }
        }
    }
    let mut firsts: Vec<&Vec<u32>> = groups.values().filter(|g| g.len() > 1).collect();
    firsts.sort_unstable_by_key(|g| g[0]);
    for g in firsts {
        let len = g
            .iter()
            .map(|&x| metas[x as usize].shingles)
            .max()
            .unwrap_or(0);
        reprint_dedup::exact_pairs(g, dedup.exact_star(g.len()), len, |p| pairs.push(p));
    }
    pairs.sort_by_key(|p| (p.a, p.b));
    let keys: Vec<KeepKey> = metas
        .iter()
        .map(|m| KeepKey {
            tokens: m.tokens,
            date: m.date,
        })
        .collect();
    let cl = clusters(
        n,
        pairs.iter().map(|p| (p.a, p.b)),
        &keys,
        index.cfg.dedup.keep,
    );
    let mut cluster_of = vec![None; n];
    for (i, c) in cl.iter().enumerate() {
        for &m in &c.members {
            cluster_of[m as usize] = Some(i as u32);
        }
    }
    let id = |i: u32| metas[i as usize].id.clone();
    let mut summary = Map::new();
    let dropped: usize = cl.iter().map(|c| c.members.len() - 1).sum();
    summary.insert("documents".into(), json!(n));
    summary.insert("pairs".into(), json!(pairs.len()));
    summary.insert("clusters".into(), json!(cl.len()));
    summary.insert("kept".into(), json!(n - dropped));
    summary.insert("dropped".into(), json!(dropped));
    summary.insert("levels".into(), json!(index.stored.levels));
    macro_rules! put {
        ($f:expr) => {
            if let Err(e) = sink.write(&$f) {
                return Ok(Err(e));
            }
        };
    }
    for (i, &c) in cluster_of.iter().enumerate() {
        let rep = c.map(|c| cl[c as usize].representative);
        put!(Finding::Document(DocumentRecord {
            id: id(i as u32),
            cluster: c,
            keep: rep.is_none_or(|r| r == i as u32),
            duplicate_of: rep.filter(|&r| r != i as u32).map(id),
        }));
    }
    for p in &pairs {
        put!(Finding::Pair(findings::pair_record(p, id)));
    }
    for (i, c) in cl.iter().enumerate() {
        put!(Finding::Cluster(findings::cluster_record(i as u32, c, id)));
    }

    // Texts and dates for the other levels, dated as the batch dates a collection.
    let needs_texts = index.cfg.reuse.is_some() || index.cfg.stories.is_some();
    if needs_texts {
        let mut texts = Vec::with_capacity(n);
        for &d in &nums {
            let v = texts_t.get(d)?.ok_or_else(|| IndexError::Corrupted {
                detail: format!("the text of document {d} is missing"),
            })?;
            texts.push(store.read(v.value(), d)?);
        }
        let story_docs: Vec<StoryDoc> = texts
            .iter()
            .zip(&metas)
            .map(|(t, m)| StoryDoc {
                text: t,
                title: m.title.as_deref(),
                date: m.meta_date.as_deref(),
                mask: &[],
                embedding: None,
                id: None,
            })
            .collect();
        let dates = resolve_dates(&story_docs);
        if let Some(rc) = &index.cfg.reuse {
            let refs: Vec<DocRef> = texts
                .iter()
                .zip(&dates)
                .zip(&metas)
                .map(|((t, d), m)| DocRef {
                    text: t,
                    date: d.as_ref().map(|d| d.days),
                    series: m.series.as_deref(),
                })
                .collect();
            let r = find_reuse(&refs, rc).map_err(|e| IndexError::Store(e.to_string()))?;
            let text = |i: u32| std::borrow::Cow::Borrowed(texts[i as usize].as_str());
            for a in &r.alignments {
                put!(Finding::Alignment(findings::alignment_record(a, id, text)));
            }
            for p in &r.passages {
                put!(Finding::Passage(findings::passage_record(p, id, text)));
            }
            summary.insert(
                "reuse".into(),
                json!({"alignments": r.alignments.len(), "passages": r.passages.len(),
                       "boilerplate_passages": r.passages.iter().filter(|p| p.boilerplate).count()}),
            );
        }
        let guard = index.stories.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(stream) = guard.as_ref() {
            let mut count = 0;
            for s in stream.stories() {
                if s.members.is_empty() {
                    continue;
                }
                count += 1;
                let mut members = Vec::with_capacity(s.members.len());
                for &m in &s.members {
                    members.push(at(m)?);
                }
                let mut s = s;
                s.members = members;
                put!(Finding::Story(findings::story_record(&s, id, |m| {
                    metas[m as usize].title.clone()
                })));
            }
            for (i, m) in metas.iter().enumerate() {
                if let Some((story, score, started)) = m.story {
                    let a = reprint_stories::Assignment {
                        doc: i as u32,
                        story,
                        score,
                        started,
                    };
                    put!(Finding::StoryAssignment(findings::assignment_record(
                        &a,
                        dates[i].as_ref(),
                        id,
                    )));
                }
            }
            summary.insert("stories".into(), json!({ "stories": count }));
        }
    }
    Ok(Ok(summary))
}

/// One document and its findings against every other indexed document.
pub(crate) fn text(index: &Index, id: &str) -> Result<Option<String>, IndexError> {
    let txn = index.db.begin_read()?;
    let Some(d) = txn.open_table(IDS)?.get(id)?.map(|v| v.value()) else {
        return Ok(None);
    };
    let store = crate::read_texts(index.log.as_ref(), &txn)?;
    match txn.open_table(TEXTS)?.get(d)? {
        Some(v) => store.read(v.value(), d).map(Some),
        None => Err(IndexError::Corrupted {
            detail: format!("the text of document {d} is missing"),
        }),
    }
}

fn info_of(m: DocMeta, d: u32) -> DocInfo {
    DocInfo {
        id: m.id,
        title: m.title,
        date: m.meta_date,
        seq: d,
    }
}

pub(crate) fn info(index: &Index, id: &str) -> Result<Option<DocInfo>, IndexError> {
    let txn = index.db.begin_read()?;
    let Some(d) = txn.open_table(IDS)?.get(id)?.map(|v| v.value()) else {
        return Ok(None);
    };
    match txn.open_table(DOCS)?.get(d)? {
        Some(v) => Ok(Some(info_of(DocMeta::decode(v.value(), d)?, d))),
        None => Err(IndexError::Corrupted {
            detail: format!("document {d} is referenced but not stored"),
        }),
    }
}

type ReadView<'a> = View<
    'a,
    redb::ReadOnlyTable<u32, &'static [u8]>,
    redb::ReadOnlyTable<u32, &'static [u8]>,
    redb::ReadOnlyTable<(u64, u32), ()>,
    redb::ReadOnlyTable<(u32, u32), PairValue>,
    redb::ReadOnlyTable<(u32, u32), ()>,
>;

/// The duplicate level's tables in a read transaction.
fn read_view<'a>(
    index: &'a Index,
    txn: &redb::ReadTransaction,
) -> Result<ReadView<'a>, IndexError> {
    Ok(View {
        docs: txn.open_table(DOCS)?,
        texts: txn.open_table(TEXTS)?,
        text_store: crate::read_texts(index.log.as_ref(), txn)?,
        exact: txn.open_table(EXACT)?,
        pairs: txn.open_table(PAIRS)?,
        pairs_by_b: txn.open_table(PAIRS_BY_B)?,
    })
}

pub(crate) fn cluster(index: &Index, id: u32) -> Result<Option<ClusterRecord>, IndexError> {
    let txn = index.db.begin_read()?;
    let view = read_view(index, &txn)?;
    // A cluster is named by its first member.
    let Some(m) = view.docs.get(id)?.map(|v| DocMeta::decode(v.value(), id)) else {
        return Ok(None);
    };
    let Some(c) = view.cluster_of(&m?, index.cfg.dedup.keep)? else {
        return Ok(None);
    };
    if c.members[0] != id {
        return Ok(None);
    }
    let name = |x: u32| view.meta(x).map(|m| m.id);
    Ok(Some(ClusterRecord {
        id,
        size: c.members.len() as u64,
        members: c
            .members
            .iter()
            .map(|&x| name(x))
            .collect::<Result<_, _>>()?,
        representative: name(c.representative)?,
    }))
}

pub(crate) fn scan_newest(
    index: &Index,
    f: &mut dyn FnMut(&DocInfo, &str) -> bool,
) -> Result<(), IndexError> {
    let txn = index.db.begin_read()?;
    let docs = txn.open_table(DOCS)?;
    let texts = txn.open_table(TEXTS)?;
    let store = crate::read_texts(index.log.as_ref(), &txn)?;
    for e in docs.iter()?.rev() {
        let (k, v) = e?;
        let d = k.value();
        let info = info_of(DocMeta::decode(v.value(), d)?, d);
        let text = match texts.get(d)? {
            Some(t) => store.read(t.value(), d)?,
            None => {
                return Err(IndexError::Corrupted {
                    detail: format!("the text of document {d} is missing"),
                })
            }
        };
        if !f(&info, &text) {
            break;
        }
    }
    Ok(())
}

pub(crate) fn get(index: &Index, id: &str) -> Result<Option<Vec<Finding>>, IndexError> {
    let txn = index.db.begin_read()?;
    let ids = txn.open_table(IDS)?;
    let Some(d) = ids.get(id)?.map(|v| v.value()) else {
        return Ok(None);
    };
    let view = read_view(index, &txn)?;
    let m = view.meta(d)?;
    let mut names: BTreeMap<u32, String> = BTreeMap::new();
    let mut name = |x: u32| -> Result<String, IndexError> {
        if let Some(n) = names.get(&x) {
            return Ok(n.clone());
        }
        let n = view.meta(x)?.id;
        names.insert(x, n.clone());
        Ok(n)
    };
    let mut out = Vec::new();
    let cluster = view.cluster_of(&m, index.cfg.dedup.keep)?;
    let pairs = view.pairs_of(d, &m, &index.cfg.dedup.dedup_config())?;
    crate::duplicate_records(&m.id, d, &pairs, cluster.as_ref(), &mut name, &mut out)?;
    let text = view.text(d)?;
    if let Some(rc) = &index.cfg.reuse {
        let toks = DocTokens::of(&text);
        let seeds_t = txn.open_table(SEEDS)?;
        let cands =
            index.reuse_candidates(&seeds_t, None, &toks.seeds(rc.seed_n), toks.key, d, rc)?;
        let mut texts: BTreeMap<u32, String> = BTreeMap::new();
        let mut als = Vec::new();
        for c in cands {
            let ct = view.text(c)?;
            let ctok = DocTokens::of(&ct);
            als.extend(if c < d {
                align_docs((c, &ct, &ctok), (d, &text, &toks), rc)
            } else {
                align_docs((d, &text, &toks), (c, &ct, &ctok), rc)
            });
            texts.insert(c, ct);
        }
        texts.insert(d, text.clone());
        index.reuse_records(
            &mut als,
            &texts,
            &mut name,
            |x| view.meta(x).map(|m| m.day),
            &mut out,
        )?;
    }
    if let Some((story, score, started)) = m.story {
        let guard = index.stories.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(st) = guard.as_ref().and_then(|s| s.story(story)) {
            let mut rec = findings::story_record(
                &st,
                |_| String::new(),
                |x| view.meta(x).ok().and_then(|m| m.title),
            );
            rec.members = st.members.iter().filter_map(|&x| name(x).ok()).collect();
            rec.size = rec.members.len() as u64;
            out.push(Finding::Story(rec));
        }
        let date = reprint_stories::dates::doc_date(m.meta_date.as_deref(), &text, None);
        out.push(Finding::StoryAssignment(findings::assignment_record(
            &reprint_stories::Assignment {
                doc: d,
                story,
                score,
                started,
            },
            date.as_ref(),
            |_| m.id.clone(),
        )));
    }
    Ok(Some(out))
}
