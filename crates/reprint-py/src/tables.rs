//! Findings as Arrow tables, one per record type, with the columns the CLI writes; the
//! alignment table adds character offsets (Python slices strings by code point).

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::ArrowError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_arrow::PyTable;
use reprint_engine::records::{DocumentRecord, PairRecord, TABLES};
use reprint_engine::{Config, Finding};
use reprint_io::write::{arrow_schema, record_batch, Col};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// The record types a configuration produces, in the CLI's order.
pub(crate) fn kinds(cfg: &Config) -> Vec<&'static str> {
    let mut k = Vec::new();
    if cfg.report_duplicates {
        k.extend(["document", "pair", "cluster"]);
    }
    if cfg.reuse.is_some() {
        k.extend(["alignment", "passage"]);
    }
    if cfg.stories.is_some() {
        k.extend(["story", "story_assignment"]);
    }
    k
}

const CHAR_OFFSETS: [(&str, &str); 4] = [
    ("a_char_start", "a_start"),
    ("a_char_end", "a_end"),
    ("b_char_start", "b_start"),
    ("b_char_end", "b_end"),
];

/// One batch per kind in `kinds` (empty when nothing was found), from `found`. `texts`
/// gives each document's text by id, for the alignments' character offsets.
pub(crate) fn batches<'t>(
    found: &[Finding],
    kinds: &[&'static str],
    texts: &(dyn Fn(&str) -> Option<Cow<'t, str>> + Sync),
) -> Result<Vec<(&'static str, RecordBatch)>, ArrowError> {
    let mut docs: Vec<&DocumentRecord> = Vec::new();
    let mut pairs: Vec<&PairRecord> = Vec::new();
    let mut rows: HashMap<&'static str, Vec<Map<String, Value>>> = HashMap::new();
    for f in found {
        let kind = f.kind();
        if !kinds.contains(&kind) {
            continue;
        }
        // The two tables with a row per document or pair are built directly; the others
        // (far fewer rows) through their JSON form.
        match f {
            Finding::Document(d) => docs.push(d),
            Finding::Pair(p) => pairs.push(p),
            _ => {
                let Value::Object(mut m) = serde_json::to_value(f).expect("records serialize")
                else {
                    unreachable!("records are objects")
                };
                m.remove("type");
                if kind == "alignment" {
                    add_char_offsets(&mut m, texts);
                }
                rows.entry(kind).or_default().push(m);
            }
        }
    }
    kinds
        .iter()
        .map(|&kind| {
            let batch = match kind {
                "document" => document_batch(&docs)?,
                "pair" => pair_batch(&pairs)?,
                _ => {
                    let rows = rows.remove(kind).unwrap_or_default();
                    record_batch(&columns(kind), &rows)?
                }
            };
            Ok((kind, batch))
        })
        .collect()
}

fn document_batch(docs: &[&DocumentRecord]) -> Result<RecordBatch, ArrowError> {
    let n = docs.len();
    let mut id = StringBuilder::with_capacity(n, n * 8);
    let mut cluster = Int64Builder::with_capacity(n);
    let mut keep = BooleanBuilder::with_capacity(n);
    let mut dup = StringBuilder::with_capacity(n, 0);
    for d in docs {
        id.append_value(&d.id);
        cluster.append_option(d.cluster.map(i64::from));
        keep.append_value(d.keep);
        dup.append_option(d.duplicate_of.as_deref());
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(cluster.finish()),
        Arc::new(keep.finish()),
        Arc::new(dup.finish()),
    ];
    RecordBatch::try_new(Arc::new(arrow_schema(&columns("document"))), cols)
}

fn pair_batch(pairs: &[&PairRecord]) -> Result<RecordBatch, ArrowError> {
    let n = pairs.len();
    let (mut a, mut b) = (StringBuilder::new(), StringBuilder::new());
    let mut floats = [(); 3].map(|_| Float64Builder::with_capacity(n));
    let mut exact = BooleanBuilder::with_capacity(n);
    let mut ints = [(); 3].map(|_| Int64Builder::with_capacity(n));
    for p in pairs {
        a.append_value(&p.a);
        b.append_value(&p.b);
        for (f, v) in floats
            .iter_mut()
            .zip([p.jaccard, p.containment_a_in_b, p.containment_b_in_a])
        {
            f.append_value(v);
        }
        exact.append_value(p.exact);
        for (i, v) in ints
            .iter_mut()
            .zip([p.shared_shingles, p.shingles_a, p.shingles_b])
        {
            i.append_value(i64::from(v));
        }
    }
    let mut cols: Vec<ArrayRef> = vec![Arc::new(a.finish()), Arc::new(b.finish())];
    cols.extend(floats.iter_mut().map(|f| Arc::new(f.finish()) as ArrayRef));
    cols.push(Arc::new(exact.finish()));
    cols.extend(ints.iter_mut().map(|i| Arc::new(i.finish()) as ArrayRef));
    RecordBatch::try_new(Arc::new(arrow_schema(&columns("pair"))), cols)
}

/// The columns of `kind` as the Python package returns them.
pub(crate) fn columns(kind: &str) -> Vec<(&'static str, Col)> {
    let mut cols = TABLES
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, c)| c.to_vec())
        .unwrap_or_default();
    if kind == "alignment" {
        // After each byte offset pair, its character offsets.
        let at = cols
            .iter()
            .position(|(n, _)| *n == "identity")
            .unwrap_or(cols.len());
        for (i, (name, _)) in CHAR_OFFSETS.iter().enumerate() {
            cols.insert(at + i, (name, Col::Int));
        }
    }
    cols
}

/// Adds `a_char_start` … `b_char_end`: the byte offsets counted in characters.
fn add_char_offsets<'t>(
    m: &mut Map<String, Value>,
    texts: &(dyn Fn(&str) -> Option<Cow<'t, str>> + Sync),
) {
    for side in ["a", "b"] {
        let Some(text) = m.get(side).and_then(Value::as_str).and_then(texts) else {
            continue;
        };
        for (char_name, byte_name) in CHAR_OFFSETS {
            if !char_name.starts_with(side) {
                continue;
            }
            let Some(byte) = m.get(byte_name).and_then(Value::as_u64) else {
                continue;
            };
            let byte = (byte as usize).min(text.len());
            let chars = text
                .get(..byte)
                .map(|s| s.chars().count())
                .unwrap_or_else(|| {
                    String::from_utf8_lossy(&text.as_bytes()[..byte])
                        .chars()
                        .count()
                });
            m.insert(char_name.to_string(), Value::from(chars as u64));
        }
    }
}

/// The batches as a dict of `pyarrow.Table`s.
pub(crate) fn to_python<'py>(
    py: Python<'py>,
    batches: Vec<(&'static str, RecordBatch)>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (kind, batch) in batches {
        let schema = batch.schema();
        let table = PyTable::try_new(vec![batch], schema)?;
        d.set_item(kind, table.into_pyarrow(py)?)?;
    }
    Ok(d)
}
