//! Results of each stage turned into records. The functions here take the document ids and
//! texts through closures, so the batch engine and the persistent index build the very
//! same records.

use crate::records::*;
use reprint_dedup::{Cluster, Pair};
use reprint_reuse::{Alignment, Passage, SourceAttribution};
use reprint_stories::dates::{DateSource, DocDate, YearFrom};
use reprint_stories::{Assignment, Story};
use reprint_text::date::format_days;
use std::borrow::Cow;

/// The `pair` record of a verified pair.
pub fn pair_record(p: &Pair, id: impl Fn(u32) -> String) -> PairRecord {
    PairRecord {
        a: id(p.a),
        b: id(p.b),
        jaccard: round4(p.jaccard()),
        containment_a_in_b: round4(p.a_in_b()),
        containment_b_in_a: round4(p.b_in_a()),
        exact: p.exact,
        shared_shingles: p.overlap.shared,
        shingles_a: p.overlap.a,
        shingles_b: p.overlap.b,
    }
}

/// The `cluster` record of cluster number `n`.
pub fn cluster_record(n: u32, c: &Cluster, id: impl Fn(u32) -> String) -> ClusterRecord {
    ClusterRecord {
        id: n,
        size: c.members.len() as u64,
        members: c.members.iter().map(|&m| id(m)).collect(),
        representative: id(c.representative),
    }
}

/// The `alignment` record; `text` gives a document's text.
pub fn alignment_record<'t>(
    a: &Alignment,
    id: impl Fn(u32) -> String,
    text: impl Fn(u32) -> Cow<'t, str>,
) -> AlignmentRecord {
    AlignmentRecord {
        a: id(a.a),
        a_start: a.a_span.start,
        a_end: a.a_span.end,
        b: id(a.b),
        b_start: a.b_span.start,
        b_end: a.b_span.end,
        identity: round4(a.identity),
        matched_words: a.matched_tokens,
        passage: a.passage,
        a_text: a.a_span.slice(&text(a.a)).to_string(),
        b_text: a.b_span.slice(&text(a.b)).to_string(),
    }
}

/// The passage's likely source, stated with its basis.
pub fn source_record(source: &SourceAttribution, id: impl Fn(u32) -> String) -> Source {
    match source {
        SourceAttribution::Earliest(d) => Source {
            basis: "earliest date".into(),
            doc: Some(Some(id(*d))),
            tie: None,
        },
        SourceAttribution::Tie(ds) => Source {
            basis: "several occurrences share the earliest date".into(),
            doc: None,
            tie: Some(ds.iter().map(|&d| id(d)).collect()),
        },
        SourceAttribution::Unknown => Source {
            basis: "not every occurrence has a date".into(),
            doc: Some(None),
            tie: None,
        },
    }
}

/// A passage's text: its first occurrence.
pub fn passage_text<'t>(p: &Passage, text: impl Fn(u32) -> Cow<'t, str>) -> String {
    let (d, span) = p.occurrences[0];
    span.slice(&text(d)).to_string()
}

/// The `passage` record; its text is its first occurrence.
pub fn passage_record<'t>(
    p: &Passage,
    id: impl Fn(u32) -> String,
    text: impl Fn(u32) -> Cow<'t, str>,
) -> PassageRecord {
    let mut docs_in: Vec<u32> = p.occurrences.iter().map(|o| o.0).collect();
    docs_in.dedup();
    PassageRecord {
        id: p.id,
        occurrences: p
            .occurrences
            .iter()
            .map(|&(d, s)| Occurrence {
                doc: id(d),
                start: s.start,
                end: s.end,
            })
            .collect(),
        documents: docs_in.len() as u64,
        boilerplate: p.boilerplate,
        source: source_record(&p.source, &id),
        text: passage_text(p, &text),
    }
}

/// Where a date came from, in words.
pub fn date_basis(d: &DocDate) -> String {
    let base = match d.source {
        DateSource::Metadata => "metadata",
        DateSource::Header => "date header line",
        DateSource::Dateline {
            year_from: YearFrom::Document,
        } => "dateline, year from another date in the document",
        DateSource::Dateline {
            year_from: YearFrom::Collection,
        } => "dateline, year inferred from the collection",
    };
    if d.conflict {
        format!("{base} (the text gives a different date)")
    } else {
        base.to_string()
    }
}

/// Titles a story record shows.
const STORY_TITLES: usize = 10;

/// The titles a story shows: its members' (`title` gives a member's metadata title), in
/// member order, distinct and not blank, at most ten.
pub fn story_titles(s: &Story, title: impl Fn(u32) -> Option<String>) -> Vec<String> {
    let mut titles: Vec<String> = Vec::new();
    for &m in &s.members {
        if titles.len() == STORY_TITLES {
            break;
        }
        if let Some(t) = title(m).filter(|t| !t.trim().is_empty()) {
            if !titles.contains(&t) {
                titles.push(t);
            }
        }
    }
    titles
}

/// The `story` record; `title` gives a member's metadata title.
pub fn story_record(
    s: &Story,
    id: impl Fn(u32) -> String,
    title: impl Fn(u32) -> Option<String>,
) -> StoryRecord {
    StoryRecord {
        id: s.id,
        size: s.members.len() as u64,
        members: s.members.iter().map(|&m| id(m)).collect(),
        first_seen: s.first_seen.map(format_days),
        last_seen: s.last_seen.map(format_days),
        label: s.label.clone(),
        top_entities: s.top_entities.clone(),
        top_terms: s.top_terms.clone(),
        titles: story_titles(s, title),
    }
}

/// The `story_assignment` record of a document dated `date`.
pub fn assignment_record(
    a: &Assignment,
    date: Option<&DocDate>,
    id: impl Fn(u32) -> String,
) -> StoryAssignmentRecord {
    StoryAssignmentRecord {
        doc: id(a.doc),
        story: a.story,
        score: round4(a.score),
        started: a.started,
        date: date.map(|d| format_days(d.days)),
        date_basis: date.map(date_basis),
    }
}
