//! The batch functions a distributed engine calls (Spark's `mapInArrow`, Ray's
//! `map_batches`): plain functions over Arrow columns, no IO, on the calling thread unless
//! asked for more. Hashes leave as int64 (the same bits), never as unsigned integers.

use crate::columns::StrColumn;
use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, ListBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_arrow::{PyChunkedArray, PyTable};
use rayon::prelude::*;
use reprint_dedup::Overlap;
use reprint_engine::Components;
use reprint_text::Fingerprint;
use std::sync::Arc;

fn components(dedup: Option<&Bound<'_, PyDict>>) -> PyResult<Components> {
    crate::options::config(dedup, None, None, None)?
        .components()
        .map_err(|e| PyValueError::new_err(format!("invalid setting: {e}")))
}

/// Runs `f` over `0..n` on this thread (`threads` 1) or on a pool of `threads`.
fn map_rows<T: Send>(
    threads: usize,
    n: usize,
    f: impl Fn(usize, &mut Fingerprint) -> T + Sync + Send,
) -> PyResult<Vec<T>> {
    if threads <= 1 {
        let mut fp = Fingerprint::default();
        return Ok((0..n).map(|i| f(i, &mut fp)).collect());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| PyValueError::new_err(format!("cannot start {threads} threads: {e}")))?;
    Ok(pool.install(|| {
        (0..n)
            .into_par_iter()
            .map_init(Fingerprint::default, |fp, i| f(i, fp))
            .collect()
    }))
}

fn table(py: Python<'_>, columns: Vec<(&str, ArrayRef)>) -> PyResult<Py<PyAny>> {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(
        schema.clone(),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .map_err(crate::arrow_error)?;
    Ok(PyTable::try_new(vec![batch], schema)?
        .into_pyarrow(py)?
        .unbind())
}

fn text_at(texts: &StrColumn, i: usize) -> Result<&str, String> {
    texts
        .get(i)
        .ok_or_else(|| format!("record {i}: text is None (null)"))
}

/// Each document's date as days since 1970-01-01, as `--keep earliest` orders them: the
/// ISO 8601 date in `dates` (metadata), else a `date YYYY-MM-DD` first line of the text;
/// null when neither gives one.
#[pyfunction]
#[pyo3(signature = (texts, dates=None))]
pub(crate) fn days(
    py: Python<'_>,
    texts: PyChunkedArray,
    dates: Option<PyChunkedArray>,
) -> PyResult<Py<PyAny>> {
    let texts = StrColumn::new("texts", texts)?;
    let dates = dates.map(|d| StrColumn::new("dates", d)).transpose()?;
    if let Some(d) = &dates {
        if d.len() != texts.len() {
            return Err(PyValueError::new_err(format!(
                "dates has {} values but there are {} texts",
                d.len(),
                texts.len()
            )));
        }
    }
    let mut out = Int64Builder::with_capacity(texts.len());
    for i in 0..texts.len() {
        let meta = dates
            .as_ref()
            .and_then(|d| d.get(i))
            .and_then(reprint_text::date::parse_iso_date);
        out.append_option(meta.or_else(|| texts.get(i).and_then(reprint_text::date::header_date)));
    }
    table(py, vec![("days", Arc::new(out.finish()))])
}

/// Fingerprints of a batch of texts: `tokens`, `shingles` (distinct), `exact` (the hash of
/// the normalized word sequence, equal for exact duplicates) and `band_keys` (one int64 per LSH band:
/// `band << 32 | key`, so one column groups all bands; empty for a text without shingles).
#[pyfunction]
#[pyo3(signature = (texts, *, dedup=None, threads=1))]
pub(crate) fn fingerprints(
    py: Python<'_>,
    texts: PyChunkedArray,
    dedup: Option<Bound<'_, PyDict>>,
    threads: usize,
) -> PyResult<Py<PyAny>> {
    let c = components(dedup.as_ref())?;
    let texts = StrColumn::new("texts", texts)?;
    let rows = py.detach(|| {
        map_rows(threads, texts.len(), |i, fp| {
            let text = text_at(&texts, i)?;
            c.shingler.fingerprint(text, fp);
            let mut keys = Vec::new();
            if !fp.shingles.is_empty() {
                let mut sig = vec![0u32; c.sketcher.slots()];
                c.sketcher.sign_into(&fp.shingles, &mut sig);
                let mut k = vec![0u32; c.lsh.bands];
                c.lsh.band_keys(&sig, &mut k);
                keys = k
                    .iter()
                    .enumerate()
                    .map(|(band, &key)| ((band as i64) << 32) | key as i64)
                    .collect();
            }
            Ok::<_, String>((
                fp.tokens as i64,
                reprint_dedup::shingle_set(&fp.shingles).len() as i64,
                fp.exact as i64,
                keys,
            ))
        })
    })?;
    let mut tokens = Int64Builder::with_capacity(rows.len());
    let mut shingles = Int64Builder::with_capacity(rows.len());
    let mut exact = Int64Builder::with_capacity(rows.len());
    let mut bands = ListBuilder::new(Int64Builder::new());
    for r in rows {
        let (t, sh, e, k) = r.map_err(PyValueError::new_err)?;
        tokens.append_value(t);
        shingles.append_value(sh);
        exact.append_value(e);
        bands.values().append_slice(&k);
        bands.append(true);
    }
    table(
        py,
        vec![
            ("tokens", Arc::new(tokens.finish())),
            ("shingles", Arc::new(shingles.finish())),
            ("exact", Arc::new(exact.finish())),
            ("band_keys", Arc::new(bands.finish())),
        ],
    )
}

/// Two columns that pair row by row must have one length.
fn same_len((a, la): (&str, usize), (b, lb): (&str, usize)) -> PyResult<()> {
    if la != lb {
        return Err(PyValueError::new_err(format!(
            "{a} has {la} values and {b} {lb}"
        )));
    }
    Ok(())
}

fn int64s(name: &str, col: PyChunkedArray) -> PyResult<Vec<i64>> {
    let (chunks, _) = col.into_inner();
    let mut out = Vec::new();
    for c in chunks {
        let Some(a) = c.as_primitive_opt::<Int64Type>() else {
            return Err(PyTypeError::new_err(format!(
                "{name} must be int64, got Arrow type {}",
                c.data_type()
            )));
        };
        if a.null_count() > 0 {
            let i = (0..a.len()).find(|&i| a.is_null(i)).unwrap_or(0);
            return Err(PyValueError::new_err(format!(
                "{name}[{}] is null",
                out.len() + i
            )));
        }
        out.extend_from_slice(a.values());
    }
    Ok(out)
}

/// Candidate pairs `(a, b)`, `a < b`, distinct and sorted, from bucket memberships: row `i`
/// says document `docs[i]` is in bucket `keys[i]`. A bucket of up to `max_bucket` documents
/// gives every pair; a larger one a chain through its documents (in order) plus a star on
/// its first, as the CLI does — linear, and its documents stay connected.
///
/// `copies` (optional, one value per row, e.g. the exact hash): documents with one value are
/// copies of one text, and only the first (smallest) of them in a bucket takes part. Copies
/// share every bucket, so this is the first copy of the whole group wherever the bucket is
/// formed: a distributed caller need not join its rows with the groups first.
#[pyfunction]
#[pyo3(signature = (docs, keys, *, max_bucket=200, copies=None))]
pub(crate) fn candidate_pairs(
    py: Python<'_>,
    docs: PyChunkedArray,
    keys: PyChunkedArray,
    max_bucket: usize,
    copies: Option<PyChunkedArray>,
) -> PyResult<Py<PyAny>> {
    let docs = int64s("docs", docs)?;
    let keys = int64s("keys", keys)?;
    same_len(("docs", docs.len()), ("keys", keys.len()))?;
    let copies = copies.map(|c| int64s("copies", c)).transpose()?;
    if let Some(c) = &copies {
        same_len(("docs", docs.len()), ("copies", c.len()))?;
    }
    if max_bucket < 2 {
        return Err(PyValueError::new_err("max_bucket must be at least 2"));
    }
    let pairs = py.detach(|| {
        let mut rows: Vec<(i64, i64)> = match copies {
            None => keys.into_iter().zip(docs).collect(),
            Some(copies) => {
                // (key, copy group, doc) sorted: the first row of each (key, group) is the
                // group's first document in this bucket; the others go.
                let mut rows: Vec<(i64, i64, i64)> = keys
                    .into_iter()
                    .zip(copies)
                    .zip(docs)
                    .map(|((k, c), d)| (k, c, d))
                    .collect();
                rows.sort_unstable();
                rows.dedup_by(|x, y| x.0 == y.0 && x.1 == y.1);
                rows.into_iter().map(|(k, _, d)| (k, d)).collect()
            }
        };
        rows.sort_unstable();
        rows.dedup();
        let mut pairs: Vec<(i64, i64)> = Vec::new();
        let mut places: Vec<u32> = Vec::new();
        for run in rows.chunk_by(|x, y| x.0 == y.0) {
            places.clear();
            places.extend(0..run.len() as u32);
            reprint_text::bucket_edges(&places, max_bucket, true, |a, b| {
                pairs.push((run[a as usize].1, run[b as usize].1))
            });
        }
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    });
    let (a, b): (Vec<i64>, Vec<i64>) = pairs.into_iter().unzip();
    table(
        py,
        vec![
            ("a", Arc::new(arrow_array::Int64Array::from(a))),
            ("b", Arc::new(arrow_array::Int64Array::from(b))),
        ],
    )
}

/// Exact verification of candidate pairs from their texts (row `i` pairs `a_texts[i]` with
/// `b_texts[i]`): `jaccard`, `containment_a_in_b`, `containment_b_in_a` (4 decimals, as the
/// CLI writes them), `exact`, `shared_shingles`, `shingles_a`, `shingles_b`, and `duplicate`
/// — whether the pair is reported (exact, Jaccard ≥ threshold, or contained when asked).
#[pyfunction]
#[pyo3(signature = (a_texts, b_texts, *, dedup=None, threads=1))]
pub(crate) fn verify_pairs(
    py: Python<'_>,
    a_texts: PyChunkedArray,
    b_texts: PyChunkedArray,
    dedup: Option<Bound<'_, PyDict>>,
    threads: usize,
) -> PyResult<Py<PyAny>> {
    let c = components(dedup.as_ref())?;
    let a = StrColumn::new("a_texts", a_texts)?;
    let b = StrColumn::new("b_texts", b_texts)?;
    same_len(("a_texts", a.len()), ("b_texts", b.len()))?;
    let threshold = c.dedup.threshold;
    let containment = c.dedup.containment;
    let rows = py.detach(|| {
        map_rows(threads, a.len(), |i, fp| {
            let mut side = |t: &str| {
                c.shingler.fingerprint(t, fp);
                (
                    fp.exact,
                    fp.tokens,
                    reprint_dedup::shingle_set(&fp.shingles),
                )
            };
            let (ea, ta, sa) = side(text_at(&a, i).map_err(|e| format!("a_{e}"))?);
            let (eb, tb, sb) = side(text_at(&b, i).map_err(|e| format!("b_{e}"))?);
            let o = Overlap::of(&sa, &sb);
            let exact = ea == eb && ta > 0 && tb > 0 && ta == tb;
            let dup = exact
                || (!sa.is_empty() && o.jaccard() >= threshold)
                || containment.is_some_and(|t| !sa.is_empty() && o.max_containment() >= t);
            Ok::<_, String>((o, exact, dup))
        })
    })?;
    let round4 = |x: f64| (x * 10_000.0).round() / 10_000.0;
    let n = rows.len();
    let (mut j, mut cab, mut cba) = (
        Float64Builder::with_capacity(n),
        Float64Builder::with_capacity(n),
        Float64Builder::with_capacity(n),
    );
    let (mut ex, mut dup) = (
        BooleanBuilder::with_capacity(n),
        BooleanBuilder::with_capacity(n),
    );
    let (mut sh, mut na, mut nb) = (
        Int64Builder::with_capacity(n),
        Int64Builder::with_capacity(n),
        Int64Builder::with_capacity(n),
    );
    for r in rows {
        let (o, exact, d) = r.map_err(PyValueError::new_err)?;
        let (jac, ab, ba) = if exact {
            (1.0, 1.0, 1.0)
        } else {
            (o.jaccard(), o.a_in_b(), o.b_in_a())
        };
        j.append_value(round4(jac));
        cab.append_value(round4(ab));
        cba.append_value(round4(ba));
        ex.append_value(exact);
        sh.append_value(o.shared as i64);
        na.append_value(o.a as i64);
        nb.append_value(o.b as i64);
        dup.append_value(d);
    }
    table(
        py,
        vec![
            ("jaccard", Arc::new(j.finish())),
            ("containment_a_in_b", Arc::new(cab.finish())),
            ("containment_b_in_a", Arc::new(cba.finish())),
            ("exact", Arc::new(ex.finish())),
            ("shared_shingles", Arc::new(sh.finish())),
            ("shingles_a", Arc::new(na.finish())),
            ("shingles_b", Arc::new(nb.finish())),
            ("duplicate", Arc::new(dup.finish())),
        ],
    )
}

/// Connected components of the edges `(a[i], b[i])`: every node that appears, sorted, with
/// its `component` — the smallest node of its component (so it does not depend on the
/// order of the edges).
#[pyfunction]
pub(crate) fn connected_components(
    py: Python<'_>,
    a: PyChunkedArray,
    b: PyChunkedArray,
) -> PyResult<Py<PyAny>> {
    let a = int64s("a", a)?;
    let b = int64s("b", b)?;
    same_len(("a", a.len()), ("b", b.len()))?;
    let (nodes, roots) = py.detach(|| {
        let mut nodes: Vec<i64> = a.iter().chain(&b).copied().collect();
        nodes.sort_unstable();
        nodes.dedup();
        let place = |x: i64| nodes.binary_search(&x).expect("a node") as u32;
        let mut uf = reprint_text::UnionFind::new(nodes.len());
        for (&x, &y) in a.iter().zip(&b) {
            uf.union(place(x), place(y));
        }
        let roots: Vec<i64> = (0..nodes.len() as u32)
            .map(|i| nodes[uf.find(i) as usize])
            .collect();
        (nodes, roots)
    });
    table(
        py,
        vec![
            ("node", Arc::new(arrow_array::Int64Array::from(nodes))),
            ("component", Arc::new(arrow_array::Int64Array::from(roots))),
        ],
    )
}

/// The reuse settings from a dict overlaid on the defaults, validated.
fn reuse_settings<'py>(
    py: Python<'py>,
    reuse: Option<Bound<'py, PyDict>>,
) -> PyResult<reprint_reuse::ReuseConfig> {
    let given = reuse.unwrap_or_else(|| PyDict::new(py));
    let cfg = crate::options::config(None, Some(&given), None, None)?;
    Ok(cfg.reuse.expect("the reuse level was asked for"))
}

/// The reuse level's candidate stage, distributed: one row per distinct seed (word
/// `seed_n`-gram) of each text, `doc` (the text's row), `seed` (int64, the hash's bits) and
/// `key` (int64, the text's content key: a seed in more than `max_df` documents links them
/// as a chain in key order, as the batch does). Grouping rows by seed and counting shared
/// seeds per pair gives the batch's candidates.
#[pyfunction]
#[pyo3(signature = (texts, *, reuse=None, threads=1))]
pub(crate) fn reuse_seeds<'py>(
    py: Python<'py>,
    texts: PyChunkedArray,
    reuse: Option<Bound<'py, PyDict>>,
    threads: usize,
) -> PyResult<Py<PyAny>> {
    let rc = reuse_settings(py, reuse)?;
    let t = StrColumn::new("texts", texts)?;
    let rows = py.detach(|| {
        map_rows(threads, t.len(), |i, _| {
            let toks = reprint_reuse::incremental::DocTokens::of(text_at(&t, i)?);
            Ok::<_, String>((toks.seeds(rc.seed_n), toks.key))
        })
    })?;
    let (mut doc, mut seed, mut key) = (
        Int64Builder::new(),
        Int64Builder::new(),
        Int64Builder::new(),
    );
    for (i, r) in rows.into_iter().enumerate() {
        let (seeds, k) = r.map_err(PyValueError::new_err)?;
        for s in seeds {
            doc.append_value(i as i64);
            seed.append_value(s as i64);
            key.append_value(k as i64);
        }
    }
    table(
        py,
        vec![
            ("doc", Arc::new(doc.finish())),
            ("seed", Arc::new(seed.finish())),
            ("key", Arc::new(key.finish())),
        ],
    )
}

/// Alignment of candidate pairs from their texts, row by row (`a_texts[i]` with
/// `b_texts[i]`), exactly as the batch aligns them: one row per passage the two share, with
/// `pair` (the row), byte offsets `a_start`, `a_end`, `b_start`, `b_end`, `identity` (4
/// decimals, as the CLI writes it) and `matched_words`.
#[pyfunction]
#[pyo3(signature = (a_texts, b_texts, *, reuse=None, threads=1))]
pub(crate) fn align_pairs<'py>(
    py: Python<'py>,
    a_texts: PyChunkedArray,
    b_texts: PyChunkedArray,
    reuse: Option<Bound<'py, PyDict>>,
    threads: usize,
) -> PyResult<Py<PyAny>> {
    use reprint_reuse::incremental::{align_docs, DocTokens};
    let rc = reuse_settings(py, reuse)?;
    let a = StrColumn::new("a_texts", a_texts)?;
    let b = StrColumn::new("b_texts", b_texts)?;
    same_len(("a_texts", a.len()), ("b_texts", b.len()))?;
    let rows = py.detach(|| {
        map_rows(threads, a.len(), |i, _| {
            let x = text_at(&a, i).map_err(|e| format!("a_{e}"))?;
            let y = text_at(&b, i).map_err(|e| format!("b_{e}"))?;
            let (tx, ty) = (DocTokens::of(x), DocTokens::of(y));
            Ok::<_, String>(align_docs((0, x, &tx), (1, y, &ty), &rc))
        })
    })?;
    let round4 = |x: f64| (x * 10_000.0).round() / 10_000.0;
    let mut cols: [Int64Builder; 6] = Default::default();
    let mut identity = Float64Builder::new();
    for (i, r) in rows.into_iter().enumerate() {
        for al in r.map_err(PyValueError::new_err)? {
            let values = [
                i as i64,
                al.a_span.start as i64,
                al.a_span.end as i64,
                al.b_span.start as i64,
                al.b_span.end as i64,
                al.matched_tokens as i64,
            ];
            for (c, v) in cols.iter_mut().zip(values) {
                c.append_value(v);
            }
            identity.append_value(round4(al.identity));
        }
    }
    let [mut pair, mut a0, mut a1, mut b0, mut b1, mut matched] = cols;
    table(
        py,
        vec![
            ("pair", Arc::new(pair.finish())),
            ("a_start", Arc::new(a0.finish())),
            ("a_end", Arc::new(a1.finish())),
            ("b_start", Arc::new(b0.finish())),
            ("b_end", Arc::new(b1.finish())),
            ("identity", Arc::new(identity.finish())),
            ("matched_words", Arc::new(matched.finish())),
        ],
    )
}
