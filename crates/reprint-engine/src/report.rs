//! The HTML report: every finding of a run, as views for `reprint-report`.

use crate::pipeline::Outcome;
use reprint_report::{
    AlignmentView, ClusterView, DocView, PairView, PassageView, ReportData, StoryView, Summary,
};
use reprint_reuse::{ReuseResult, SourceAttribution};
use reprint_stories::StoriesResult;
use reprint_text::date::format_days;

/// Above this many documents each text in the report is cut to `LARGE_TEXT_BYTES`, so that
/// a 100k-document report stays around 100 MB and opens in a browser.
const LARGE_COLLECTION: usize = 20_000;
const LARGE_TEXT_BYTES: usize = 1_000;

/// Story membership, as the report needs it.
struct StoriesView {
    stories: Vec<StoryView>,
    /// Story number of each document.
    story_of: Vec<Option<u32>>,
}

fn stories_view(out: &Outcome, r: &StoriesResult) -> StoriesView {
    let docs = &out.docs;
    let mut story_of = vec![None; docs.len()];
    for a in &r.assignments {
        story_of[a.doc as usize] = Some(a.story);
    }
    StoriesView {
        stories: r
            .stories
            .iter()
            .map(|s| StoryView {
                id: s.id,
                label: s.label.clone(),
                members: s
                    .members
                    .iter()
                    .map(|&m| docs[m as usize].id.clone())
                    .collect(),
                first_seen: s.first_seen.map(format_days),
                last_seen: s.last_seen.map(format_days),
                top_entities: s.top_entities.clone(),
                titles: crate::findings::story_titles(s, |m| {
                    docs[m as usize].title().map(str::to_string)
                }),
            })
            .collect(),
        story_of,
    }
}

fn cut(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// Builds the report's data from the results of each stage.
pub(crate) fn build(
    title: String,
    out: &Outcome,
    dates: &[Option<i64>],
    reuse: Option<&ReuseResult>,
    stories: Option<&StoriesResult>,
) -> ReportData {
    let view = stories.map(|s| stories_view(out, s));
    let stories = view.as_ref();
    let r = &out.result;
    let id = |d: u32| out.docs[d as usize].id.clone();
    let limit = if out.docs.len() > LARGE_COLLECTION {
        LARGE_TEXT_BYTES
    } else {
        usize::MAX
    };
    let documents = out
        .docs
        .iter()
        .enumerate()
        .map(|(i, d)| DocView {
            id: d.id.clone(),
            text: cut(&out.texts.get(i), limit),
            date: dates.get(i).copied().flatten().or(d.date).map(format_days),
            cluster: r.cluster_of[i],
            keep: r.keep(i as u32),
            duplicate_of: r.duplicate_of(i as u32).map(id),
            story: stories.and_then(|s| s.story_of[i]),
            title: d.title().map(str::to_string),
        })
        .collect();
    let clusters = r
        .clusters
        .iter()
        .enumerate()
        .map(|(i, c)| ClusterView {
            id: i as u32,
            members: c.members.iter().map(|&m| id(m)).collect(),
            representative: id(c.representative),
        })
        .collect();
    let pairs = r
        .pairs
        .iter()
        .map(|p| PairView {
            a: id(p.a),
            b: id(p.b),
            jaccard: p.jaccard(),
            containment_a_in_b: p.a_in_b(),
            containment_b_in_a: p.b_in_a(),
            exact: p.exact,
        })
        .collect();
    let (alignments, passages) = match reuse {
        None => (Vec::new(), Vec::new()),
        Some(ru) => (
            ru.alignments
                .iter()
                .map(|a| AlignmentView {
                    a: id(a.a),
                    a_start: a.a_span.start,
                    a_end: a.a_span.end,
                    b: id(a.b),
                    b_start: a.b_span.start,
                    b_end: a.b_span.end,
                    identity: a.identity,
                    passage: a.passage,
                })
                .collect(),
            ru.passages
                .iter()
                .map(|p| PassageView {
                    id: p.id,
                    occurrences: p
                        .occurrences
                        .iter()
                        .map(|&(d, s)| (id(d), s.start, s.end))
                        .collect(),
                    boilerplate: p.boilerplate,
                    source: match &p.source {
                        SourceAttribution::Earliest(d) => Some(id(*d)),
                        _ => None,
                    },
                    text: crate::findings::passage_text(p, |d| out.texts.get(d as usize)),
                })
                .collect(),
        ),
    };
    let dropped = r.dropped();
    let summary = Summary {
        documents: out.docs.len() as u64,
        duplicates_removed: dropped as u64,
        clusters: r.clusters.len() as u64,
        reused_passages: reuse.map_or(0, |ru| ru.passages.len() as u64),
        boilerplate: reuse.map_or(0, |ru| {
            ru.passages.iter().filter(|p| p.boilerplate).count() as u64
        }),
        stories: stories.map_or(0, |s| s.stories.len() as u64),
        extra: vec![
            ("duplicate pairs".into(), r.pairs.len().to_string()),
            ("text".into(), format!("{:.1} MB", out.bytes as f64 / 1e6)),
            ("bad records skipped".into(), out.skipped.to_string()),
        ],
    };
    ReportData {
        title,
        summary,
        documents,
        clusters,
        pairs,
        alignments,
        passages,
        stories: stories.map(|s| s.stories.clone()).unwrap_or_default(),
    }
}
