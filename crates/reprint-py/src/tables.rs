//! Findings as Arrow tables, one per record type, with the columns the CLI writes; the
//! alignment table adds character offsets (Python slices strings by code point).

use arrow_array::RecordBatch;
use arrow_schema::ArrowError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_arrow::PyTable;
use reprint_engine::records::TABLES;
use reprint_engine::{Config, Finding};
use reprint_io::write::{record_batch, Col};
use serde_json::{Map, Value};
use std::collections::HashMap;

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
pub(crate) fn batches(
    found: &[Finding],
    kinds: &[&'static str],
    texts: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<Vec<(&'static str, RecordBatch)>, ArrowError> {
    let mut rows: HashMap<&'static str, Vec<Map<String, Value>>> = HashMap::new();
    for f in found {
        let kind = f.kind();
        if !kinds.contains(&kind) {
            continue;
        }
        let Value::Object(mut m) = serde_json::to_value(f).expect("records serialize") else {
            unreachable!("records are objects")
        };
        m.remove("type");
        if kind == "alignment" {
            add_char_offsets(&mut m, texts);
        }
        rows.entry(kind).or_default().push(m);
    }
    kinds
        .iter()
        .map(|&kind| {
            let cols = columns(kind);
            let rows = rows.remove(kind).unwrap_or_default();
            Ok((kind, record_batch(&cols, &rows)?))
        })
        .collect()
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
fn add_char_offsets(m: &mut Map<String, Value>, texts: &(dyn Fn(&str) -> Option<String> + Sync)) {
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
