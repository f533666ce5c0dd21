//! The stories stage: coverage of the same event across wording and outlets.

use crate::args::StoriesOptions;
use crate::pipeline::DocRow;
use crate::report::StoriesView;
use anyhow::{Context, Result};
use reprint_io::write::{Col, FindingsWriter};
use reprint_report::StoryView;
use reprint_reuse::{ReuseResult, Span};
use reprint_stories::dates::{resolve_dates, DateSource, DocDate, YearFrom};
use reprint_stories::{cluster, StoriesConfig, StoriesResult, StoryDoc, StoryStream};
use reprint_text::date::format_days;
use serde::Serialize;
use serde_json::json;

/// Validated stories settings from the command line.
pub fn config(o: &StoriesOptions) -> Result<StoriesConfig> {
    let cfg = StoriesConfig {
        join_threshold: o.join_threshold,
        half_life_days: o.half_life_days,
        window_days: o.window_days,
        ..StoriesConfig::default()
    };
    cfg.validate()?;
    Ok(cfg)
}

/// Every document's date: metadata, a `date` header line, or a dateline whose year comes
/// from the document or the collection.
pub fn dates(docs: &[DocRow]) -> Vec<Option<DocDate>> {
    let story_docs: Vec<StoryDoc> = docs.iter().map(|d| story_doc(d, &[])).collect();
    resolve_dates(&story_docs)
}

fn story_doc<'a>(d: &'a DocRow, mask: &'a [Span]) -> StoryDoc<'a> {
    StoryDoc {
        text: d.text().unwrap_or(""),
        title: d.title(),
        date: d.meta_date(),
        mask,
        embedding: d.embedding(),
    }
}

/// Clusters the documents into stories, with boilerplate found by the reuse stage masked.
/// `stream`: feed them one by one in date order (first-story detection) instead.
pub fn run(
    docs: &[DocRow],
    dates: &[Option<DocDate>],
    reuse: Option<&ReuseResult>,
    cfg: &StoriesConfig,
    stream: bool,
) -> Result<StoriesResult> {
    let masks: Vec<Vec<Span>> = (0..docs.len())
        .map(|i| {
            reuse
                .map(|r| r.boilerplate_spans(i as u32))
                .unwrap_or_default()
        })
        .collect();
    let story_docs: Vec<StoryDoc> = docs
        .iter()
        .zip(&masks)
        .map(|(d, m)| story_doc(d, m))
        .collect();
    if !stream {
        return cluster(&story_docs, cfg).context("story clustering failed");
    }
    // Arrival order: by date, undated last, ties in input order.
    let mut order: Vec<usize> = (0..docs.len()).collect();
    order.sort_by_key(|&i| (dates[i].as_ref().map_or(i64::MAX, |d| d.days), i));
    let mut s = StoryStream::new(cfg.clone()).context("story clustering failed")?;
    let mut assignments = Vec::with_capacity(docs.len());
    for &i in &order {
        let mut a = s.push(&story_docs[i]);
        // The stream numbers documents by arrival; report input numbers.
        a.doc = i as u32;
        assignments.push(a);
    }
    let mut stories = s.stories();
    for st in &mut stories {
        for m in &mut st.members {
            *m = order[*m as usize] as u32;
        }
        st.members.sort_unstable();
    }
    assignments.sort_by_key(|a| a.doc);
    Ok(StoriesResult {
        stories,
        assignments,
    })
}

fn date_basis(d: &DocDate) -> String {
    let base = match d.source {
        DateSource::Metadata => "metadata".to_string(),
        DateSource::Header => "date header line".to_string(),
        DateSource::Dateline {
            year_from: YearFrom::Document,
        } => "dateline, year from another date in the document".to_string(),
        DateSource::Dateline {
            year_from: YearFrom::Collection,
        } => "dateline, year inferred from the collection".to_string(),
    };
    if d.conflict {
        format!("{base} (the text gives a different date)")
    } else {
        base
    }
}

#[derive(Serialize)]
struct StoryRec<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: u32,
    size: usize,
    members: Vec<&'a str>,
    first_seen: Option<String>,
    last_seen: Option<String>,
    label: &'a str,
    top_entities: &'a [String],
    top_terms: &'a [String],
}

#[derive(Serialize)]
struct AssignmentRec<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    doc: &'a str,
    story: u32,
    score: f64,
    started: bool,
    date: Option<String>,
    date_basis: Option<String>,
}

/// Declares the stories tables (for CSV / Parquet output).
pub fn declare(w: &mut FindingsWriter) {
    w.declare(
        "story",
        &[
            ("id", Col::Int),
            ("size", Col::Int),
            ("members", Col::StrList),
            ("first_seen", Col::Str),
            ("last_seen", Col::Str),
            ("label", Col::Str),
            ("top_entities", Col::StrList),
            ("top_terms", Col::StrList),
        ],
    );
    w.declare(
        "story_assignment",
        &[
            ("doc", Col::Str),
            ("story", Col::Int),
            ("score", Col::Float),
            ("started", Col::Bool),
            ("date", Col::Str),
            ("date_basis", Col::Str),
        ],
    );
}

/// Writes stories (as a timeline) and each document's assignment.
pub fn write(
    w: &mut FindingsWriter,
    docs: &[DocRow],
    dates: &[Option<DocDate>],
    r: &StoriesResult,
) -> Result<()> {
    let id = |d: u32| docs[d as usize].id.as_str();
    for s in &r.stories {
        w.write(&StoryRec {
            kind: "story",
            id: s.id,
            size: s.members.len(),
            members: s.members.iter().map(|&m| id(m)).collect(),
            first_seen: s.first_seen.map(format_days),
            last_seen: s.last_seen.map(format_days),
            label: &s.label,
            top_entities: &s.top_entities,
            top_terms: &s.top_terms,
        })?;
    }
    for a in &r.assignments {
        let date = dates[a.doc as usize].as_ref();
        w.write(&AssignmentRec {
            kind: "story_assignment",
            doc: id(a.doc),
            story: a.story,
            score: (a.score * 1e4).round() / 1e4,
            started: a.started,
            date: date.map(|d| format_days(d.days)),
            date_basis: date.map(date_basis),
        })?;
    }
    Ok(())
}

/// Counts for the summary.
pub fn summary(r: &StoriesResult) -> serde_json::Value {
    json!({
        "stories": r.stories.len(),
        "largest": r.stories.iter().map(|s| s.members.len()).max().unwrap_or(0),
    })
}

/// The report's view of the stories.
pub fn view(docs: &[DocRow], r: &StoriesResult) -> StoriesView {
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
            })
            .collect(),
        story_of,
    }
}
