//! The reuse stage: passages shared between documents.

use crate::args::ReuseOptions;
use crate::pipeline::DocRow;
use anyhow::{Context, Result};
use reprint_io::write::{Col, FindingsWriter};
use reprint_reuse::{find_reuse, DocRef, Passage, ReuseConfig, ReuseResult, SourceAttribution};
use serde::Serialize;
use serde_json::json;

/// Validated reuse settings from the command line.
pub fn config(o: &ReuseOptions) -> Result<ReuseConfig> {
    let cfg = ReuseConfig {
        seed_n: o.seed_words,
        max_df: o.max_df,
        min_words: o.min_words,
        max_gap: o.max_gap,
        min_identity: o.min_identity,
        boilerplate_min_docs: o.boilerplate_docs,
        ..ReuseConfig::default()
    };
    cfg.validate()?;
    Ok(cfg)
}

/// Runs reuse detection over the documents' texts; `dates` (days) name the earliest source.
pub fn run(docs: &[DocRow], dates: &[Option<i64>], cfg: &ReuseConfig) -> Result<ReuseResult> {
    let refs: Vec<DocRef> = docs
        .iter()
        .zip(dates)
        .map(|(d, &date)| DocRef {
            text: d.text().unwrap_or(""),
            date,
        })
        .collect();
    find_reuse(&refs, cfg).context("reuse detection failed")
}

#[derive(Serialize)]
struct AlignmentRec<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    a: &'a str,
    a_start: u32,
    a_end: u32,
    b: &'a str,
    b_start: u32,
    b_end: u32,
    identity: f64,
    matched_words: u32,
    passage: u32,
    a_text: &'a str,
    b_text: &'a str,
}

#[derive(Serialize)]
struct Occurrence<'a> {
    doc: &'a str,
    start: u32,
    end: u32,
}

#[derive(Serialize)]
struct PassageRec<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: u32,
    occurrences: Vec<Occurrence<'a>>,
    documents: usize,
    boilerplate: bool,
    source: serde_json::Value,
    text: &'a str,
}

/// Declares the reuse tables (for CSV / Parquet output).
pub fn declare(w: &mut FindingsWriter) {
    w.declare(
        "alignment",
        &[
            ("a", Col::Str),
            ("a_start", Col::Int),
            ("a_end", Col::Int),
            ("b", Col::Str),
            ("b_start", Col::Int),
            ("b_end", Col::Int),
            ("identity", Col::Float),
            ("matched_words", Col::Int),
            ("passage", Col::Int),
            ("a_text", Col::Str),
            ("b_text", Col::Str),
        ],
    );
    w.declare(
        "passage",
        &[
            ("id", Col::Int),
            ("occurrences", Col::StrList),
            ("documents", Col::Int),
            ("boilerplate", Col::Bool),
            ("source", Col::Str),
            ("text", Col::Str),
        ],
    );
}

/// The passage's likely source, stated with its basis.
pub fn source_json(source: &SourceAttribution, docs: &[DocRow]) -> serde_json::Value {
    let id = |d: u32| docs[d as usize].id.as_str();
    match source {
        SourceAttribution::Earliest(d) => json!({"doc": id(*d), "basis": "earliest date"}),
        SourceAttribution::Tie(ds) => {
            json!({"tie": ds.iter().map(|&d| id(d)).collect::<Vec<_>>(), "basis": "several occurrences share the earliest date"})
        }
        SourceAttribution::Unknown => {
            json!({"doc": null, "basis": "not every occurrence has a date"})
        }
    }
}

/// A passage's text: its first occurrence.
pub fn passage_text<'a>(p: &Passage, docs: &'a [DocRow]) -> &'a str {
    let (d, span) = p.occurrences[0];
    span.slice(docs[d as usize].text().unwrap_or(""))
}

/// Writes alignments and passages.
pub fn write(w: &mut FindingsWriter, docs: &[DocRow], r: &ReuseResult) -> Result<()> {
    let id = |d: u32| docs[d as usize].id.as_str();
    let text = |d: u32| docs[d as usize].text().unwrap_or("");
    for a in &r.alignments {
        w.write(&AlignmentRec {
            kind: "alignment",
            a: id(a.a),
            a_start: a.a_span.start,
            a_end: a.a_span.end,
            b: id(a.b),
            b_start: a.b_span.start,
            b_end: a.b_span.end,
            identity: (a.identity * 1e4).round() / 1e4,
            matched_words: a.matched_tokens,
            passage: a.passage,
            a_text: a.a_span.slice(text(a.a)),
            b_text: a.b_span.slice(text(a.b)),
        })?;
    }
    for p in &r.passages {
        let mut docs_in: Vec<u32> = p.occurrences.iter().map(|o| o.0).collect();
        docs_in.dedup();
        w.write(&PassageRec {
            kind: "passage",
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
            documents: docs_in.len(),
            boilerplate: p.boilerplate,
            source: source_json(&p.source, docs),
            text: passage_text(p, docs),
        })?;
    }
    Ok(())
}

/// Counts for the summary.
pub fn summary(r: &ReuseResult) -> serde_json::Value {
    json!({
        "alignments": r.alignments.len(),
        "passages": r.passages.len(),
        "boilerplate_passages": r.passages.iter().filter(|p| p.boilerplate).count(),
        "candidate_pairs": r.stats.candidates.candidate_pairs,
        "aligned_pairs": r.stats.aligned_pairs,
    })
}
