//! The records reprint writes, and writing them.

use crate::pipeline::Outcome;
use anyhow::Result;
use reprint_io::write::{Col, FindingsWriter};
use serde::Serialize;
use serde_json::json;

#[derive(Serialize)]
struct DocumentRec<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'a str,
    cluster: Option<u32>,
    keep: bool,
    duplicate_of: Option<&'a str>,
}

#[derive(Serialize)]
struct PairRec<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    a: &'a str,
    b: &'a str,
    jaccard: f64,
    containment_a_in_b: f64,
    containment_b_in_a: f64,
    exact: bool,
    shared_shingles: u32,
    shingles_a: u32,
    shingles_b: u32,
}

#[derive(Serialize)]
struct ClusterRec<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: u32,
    size: usize,
    members: Vec<&'a str>,
    representative: &'a str,
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Declares the tables (for CSV / Parquet output).
pub fn declare(w: &mut FindingsWriter) {
    w.declare(
        "document",
        &[
            ("id", Col::Str),
            ("cluster", Col::Int),
            ("keep", Col::Bool),
            ("duplicate_of", Col::Str),
        ],
    );
    w.declare(
        "pair",
        &[
            ("a", Col::Str),
            ("b", Col::Str),
            ("jaccard", Col::Float),
            ("containment_a_in_b", Col::Float),
            ("containment_b_in_a", Col::Float),
            ("exact", Col::Bool),
            ("shared_shingles", Col::Int),
            ("shingles_a", Col::Int),
            ("shingles_b", Col::Int),
        ],
    );
    w.declare(
        "cluster",
        &[
            ("id", Col::Int),
            ("size", Col::Int),
            ("members", Col::StrList),
            ("representative", Col::Str),
        ],
    );
}

/// Writes documents, pairs and clusters.
pub fn write_findings(w: &mut FindingsWriter, out: &Outcome, documents: bool) -> Result<()> {
    let id = |d: u32| out.docs[d as usize].id.as_str();
    let r = &out.result;
    if documents {
        for (i, doc) in out.docs.iter().enumerate() {
            w.write(&DocumentRec {
                kind: "document",
                id: &doc.id,
                cluster: r.cluster_of[i],
                keep: r.keep(i as u32),
                duplicate_of: r.duplicate_of(i as u32).map(id),
            })?;
        }
    }
    for p in &r.pairs {
        w.write(&PairRec {
            kind: "pair",
            a: id(p.a),
            b: id(p.b),
            jaccard: round4(p.jaccard()),
            containment_a_in_b: round4(p.a_in_b()),
            containment_b_in_a: round4(p.b_in_a()),
            exact: p.exact,
            shared_shingles: p.overlap.shared,
            shingles_a: p.overlap.a,
            shingles_b: p.overlap.b,
        })?;
    }
    for (i, c) in r.clusters.iter().enumerate() {
        w.write(&ClusterRec {
            kind: "cluster",
            id: i as u32,
            size: c.members.len(),
            members: c.members.iter().map(|&m| id(m)).collect(),
            representative: id(c.representative),
        })?;
    }
    Ok(())
}

/// The summary record.
pub fn summary(out: &Outcome, extra: serde_json::Value) -> serde_json::Value {
    let r = &out.result;
    let s = &r.stats;
    let n = out.docs.len().max(1) as f64;
    let dropped = r.dropped();
    let near = r.pairs.iter().filter(|p| !p.exact).count();
    let mut v = json!({
        "type": "summary",
        "documents": s.documents,
        "bytes": out.bytes,
        "skipped_records": out.skipped,
        "empty_documents": s.empty,
        "exact_duplicates": s.exact_copies,
        "near_duplicate_pairs": near,
        "pairs": r.pairs.len(),
        "clusters": r.clusters.len(),
        "kept": out.docs.len() - dropped,
        "dropped": dropped,
        "candidates": { "lsh": s.lsh_candidates, "containment": s.containment_candidates, "verified": s.verified, "oversized_buckets": s.oversized_buckets },
        "index_bytes": s.index_bytes,
        "index_bytes_per_document": (s.index_bytes as f64 / n).round(),
        "shingle_sets_spilled_to_disk": out.arena_spilled,
        "verified_sets": { "reread": out.sets.reread, "stored": out.sets.stored, "from_kept_text": out.sets.from_text },
    });
    if let (Some(obj), serde_json::Value::Object(extra)) = (v.as_object_mut(), extra) {
        obj.extend(extra);
    }
    v
}
