//! The whole collection's findings (for passages, stories and the page), rebuilt after a
//! write when next asked for, and the live page: the HTML report's own views over them.

use crate::{ApiError, State};
use reprint_engine::Finding;
use reprint_report::{
    AlignmentView, ClusterView, DocView, PairView, PassageView, ReportData, StoryView,
};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Every finding of the collection as of one write generation.
pub(crate) struct Snapshot {
    pub generation: u64,
    pub findings: Vec<Finding>,
}

/// The findings of the current generation: the cached ones, or built once (concurrent
/// callers wait for the same build).
pub(crate) async fn snapshot(state: &Arc<State>) -> Result<Arc<Snapshot>, ApiError> {
    let generation = state.generation.load(Ordering::Acquire);
    let mut cached = state.snapshot.lock().await;
    if let Some(s) = cached.as_ref().filter(|s| s.generation == generation) {
        return Ok(s.clone());
    }
    let findings = state
        .blocking(|index| {
            let mut out: Vec<Finding> = Vec::new();
            index
                .export(&mut out)?
                .map_err(|e: std::convert::Infallible| ApiError::internal(e.to_string()))?;
            Ok(out)
        })
        .await?;
    let s = Arc::new(Snapshot {
        generation,
        findings,
    });
    *cached = Some(s.clone());
    Ok(s)
}

/// The page at `/`: the report of the latest documents, with the whole store's counts.
pub(crate) async fn page(state: &Arc<State>) -> Result<String, ApiError> {
    let snap = snapshot(state).await?;
    let limit = state.opts.page_documents;
    let data = state
        .blocking(move |index| {
            let all: Vec<&str> = snap
                .findings
                .iter()
                .filter_map(|f| match f {
                    Finding::Document(d) => Some(d.id.as_str()),
                    _ => None,
                })
                .collect();
            let shown: HashSet<&str> = all[all.len().saturating_sub(limit)..]
                .iter()
                .copied()
                .collect();
            let mut texts = HashMap::new();
            let mut dates = HashMap::new();
            let mut titles = HashMap::new();
            for &id in &shown {
                if let Some(info) = index.info(id)? {
                    dates.insert(id, info.date);
                    titles.insert(id, info.title);
                }
                texts.insert(id, index.text(id)?.unwrap_or_default());
            }
            let mut data = report_data(&snap.findings, &shown, &mut texts, &dates, &mut titles);
            data.summary.extra.push((
                "shown".into(),
                format!(
                    "the latest {} of {} documents (refresh for new ones)",
                    shown.len(),
                    all.len()
                ),
            ));
            Ok(data)
        })
        .await?;
    Ok(reprint_report::render_live(&data))
}

/// The report's views of `findings`, documents limited to `shown` (counts cover all).
fn report_data(
    findings: &[Finding],
    shown: &HashSet<&str>,
    texts: &mut HashMap<&str, String>,
    dates: &HashMap<&str, Option<String>>,
    titles: &mut HashMap<&str, Option<String>>,
) -> ReportData {
    let mut d = ReportData {
        title: "reprint — live".into(),
        ..Default::default()
    };
    let is = |id: &str| shown.contains(id);
    let mut story_of: HashMap<&str, (u32, Option<String>)> = HashMap::new();
    for f in findings {
        if let Finding::StoryAssignment(a) = f {
            story_of.insert(a.doc.as_str(), (a.story, a.date.clone()));
        }
    }
    for f in findings {
        match f {
            Finding::Document(r) => {
                d.summary.documents += 1;
                if !r.keep {
                    d.summary.duplicates_removed += 1;
                }
                if is(&r.id) {
                    let (story, sdate) = story_of
                        .get(r.id.as_str())
                        .map_or((None, None), |(s, dt)| (Some(*s), dt.clone()));
                    d.documents.push(DocView {
                        id: r.id.clone(),
                        text: texts.remove(r.id.as_str()).unwrap_or_default(),
                        date: dates.get(r.id.as_str()).cloned().flatten().or(sdate),
                        cluster: r.cluster,
                        keep: r.keep,
                        duplicate_of: r.duplicate_of.clone(),
                        story,
                        title: titles.remove(r.id.as_str()).flatten(),
                    });
                }
            }
            Finding::Cluster(c) => {
                d.summary.clusters += 1;
                if c.members.iter().any(|m| is(m)) {
                    d.clusters.push(ClusterView {
                        id: c.id,
                        members: c.members.clone(),
                        representative: c.representative.clone(),
                    });
                }
            }
            Finding::Pair(p) if is(&p.a) && is(&p.b) => d.pairs.push(PairView {
                a: p.a.clone(),
                b: p.b.clone(),
                jaccard: p.jaccard,
                containment_a_in_b: p.containment_a_in_b,
                containment_b_in_a: p.containment_b_in_a,
                exact: p.exact,
            }),
            Finding::Alignment(a) if is(&a.a) && is(&a.b) => d.alignments.push(AlignmentView {
                a: a.a.clone(),
                a_start: a.a_start,
                a_end: a.a_end,
                b: a.b.clone(),
                b_start: a.b_start,
                b_end: a.b_end,
                identity: a.identity,
                passage: a.passage,
            }),
            Finding::Passage(p) => {
                d.summary.reused_passages += 1;
                if p.boilerplate {
                    d.summary.boilerplate += 1;
                }
                let occurrences: Vec<(String, u32, u32)> = p
                    .occurrences
                    .iter()
                    .filter(|o| is(&o.doc))
                    .map(|o| (o.doc.clone(), o.start, o.end))
                    .collect();
                if !occurrences.is_empty() {
                    d.passages.push(PassageView {
                        id: p.id,
                        occurrences,
                        boilerplate: p.boilerplate,
                        source: p.source.doc.clone().flatten(),
                        text: p.text.clone(),
                    });
                }
            }
            Finding::Story(s) => {
                d.summary.stories += 1;
                let members: Vec<String> = s.members.iter().filter(|m| is(m)).cloned().collect();
                if !members.is_empty() {
                    d.stories.push(StoryView {
                        id: s.id,
                        label: s.label.clone(),
                        members,
                        first_seen: s.first_seen.clone(),
                        last_seen: s.last_seen.clone(),
                        top_entities: s.top_entities.clone(),
                        titles: s.titles.clone(),
                    });
                }
            }
            _ => {}
        }
    }
    d
}
