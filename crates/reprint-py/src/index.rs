//! The persistent index for Python: create or open a store, add, query, remove, get, export.

use crate::columns::Columns;
use crate::tables;
use pyo3::exceptions::{PyFileExistsError, PyKeyError, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_arrow::PyChunkedArray;
use reprint_engine::{Config, Finding};
use reprint_index::{Index, IndexError};
use std::path::PathBuf;

/// A persistent index (`reprint_rs.Index` wraps it).
#[pyclass(name = "Index", module = "reprint_rs._native")]
pub(crate) struct PyIndex {
    inner: Option<Index>,
    path: PathBuf,
}

fn index_error(e: IndexError) -> PyErr {
    let msg = e.to_string();
    match e {
        IndexError::Exists { .. } => PyFileExistsError::new_err(msg),
        IndexError::Missing { .. } => PyKeyError::new_err(msg),
        IndexError::Io { .. } => PyOSError::new_err(msg),
        IndexError::NotAnIndex { .. }
        | IndexError::Version { .. }
        | IndexError::Settings { .. }
        | IndexError::Duplicate { .. }
        | IndexError::Config(_)
        | IndexError::TooLarge { .. } => PyValueError::new_err(msg),
        IndexError::Corrupted { .. } | IndexError::Store(_) => PyRuntimeError::new_err(msg),
    }
}

impl PyIndex {
    fn index(&self) -> PyResult<&Index> {
        self.inner.as_ref().ok_or_else(|| {
            PyValueError::new_err(format!("the index at {} is closed", self.path.display()))
        })
    }

    fn kinds(&self) -> PyResult<Vec<&'static str>> {
        Ok(tables::kinds(self.index()?.config()))
    }

    /// Findings as tables; alignment character offsets from `cols` (the new documents)
    /// and the index (earlier ones).
    fn tables<'py>(
        &self,
        py: Python<'py>,
        found: &[Finding],
        cols: Option<&Columns>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let kinds = self.kinds()?;
        let index = self.index()?;
        let by_id = cols.map(Columns::texts_by_id).unwrap_or_default();
        let lookup = |id: &str| match by_id.get(id) {
            // New documents' texts are borrowed; earlier ones come from the store.
            Some(t) => Some(std::borrow::Cow::Borrowed(*t)),
            None => index.text(id).ok().flatten().map(std::borrow::Cow::Owned),
        };
        let batches = py
            .detach(|| tables::batches(found, &kinds, &lookup))
            .map_err(crate::arrow_error)?;
        tables::to_python(py, batches)
    }
}

#[pymethods]
impl PyIndex {
    /// Creates an index in the new or empty directory `path`.
    #[staticmethod]
    #[pyo3(signature = (path, *, dedup=None, reuse=None, stories=None))]
    fn create(
        py: Python<'_>,
        path: PathBuf,
        dedup: Option<Bound<'_, PyDict>>,
        reuse: Option<Bound<'_, PyDict>>,
        stories: Option<Bound<'_, PyDict>>,
    ) -> PyResult<PyIndex> {
        // Skipping reuse within a series needs the series: the store names it as the
        // one-call functions do (`series`), so `reprint index add` reads the same field.
        let skip_same_series = match &reuse {
            Some(r) => r
                .get_item("skip_same_series")?
                .is_some_and(|v| v.is_truthy().unwrap_or(false)),
            None => false,
        };
        let series_field = skip_same_series.then_some(crate::columns::SERIES_FIELD);
        let cfg: Config = crate::options::config(
            dedup.as_ref(),
            reuse.as_ref(),
            stories.as_ref(),
            series_field,
        )?;
        let index = py
            .detach(|| Index::create(&path, &cfg))
            .map_err(index_error)?;
        Ok(PyIndex {
            inner: Some(index),
            path,
        })
    }

    /// Opens the index at `path`.
    #[staticmethod]
    fn open(py: Python<'_>, path: PathBuf) -> PyResult<PyIndex> {
        let index = py.detach(|| Index::open(&path)).map_err(index_error)?;
        Ok(PyIndex {
            inner: Some(index),
            path,
        })
    }

    /// Adds documents; returns `(tables, total)` with each new document's findings.
    #[pyo3(signature = (texts, ids, dates=None, titles=None, replace=false, series=None))]
    #[allow(clippy::too_many_arguments)]
    fn add<'py>(
        &self,
        py: Python<'py>,
        texts: Bound<'py, PyAny>,
        ids: PyChunkedArray,
        dates: Option<PyChunkedArray>,
        titles: Option<PyChunkedArray>,
        replace: bool,
        series: Option<PyChunkedArray>,
    ) -> PyResult<(Bound<'py, PyDict>, u64)> {
        let cols = Columns::new(&texts, Some(ids), dates, titles, series)?;
        let docs = cols.new_docs()?;
        let index = self.index()?;
        let added = py
            .detach(|| index.add(&docs, replace))
            .map_err(index_error)?;
        Ok((self.tables(py, &added.findings, Some(&cols))?, added.total))
    }

    /// What adding these documents would find, without storing them.
    #[pyo3(signature = (texts, ids, dates=None, titles=None, series=None))]
    fn query<'py>(
        &self,
        py: Python<'py>,
        texts: Bound<'py, PyAny>,
        ids: PyChunkedArray,
        dates: Option<PyChunkedArray>,
        titles: Option<PyChunkedArray>,
        series: Option<PyChunkedArray>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let cols = Columns::new(&texts, Some(ids), dates, titles, series)?;
        let docs = cols.new_docs()?;
        let index = self.index()?;
        let found = py.detach(|| index.query(&docs)).map_err(index_error)?;
        self.tables(py, &found.findings, Some(&cols))
    }

    /// Removes documents by id; returns how many were removed.
    fn remove(&self, py: Python<'_>, ids: Vec<String>) -> PyResult<u64> {
        let index = self.index()?;
        py.detach(|| index.remove(&ids)).map_err(index_error)
    }

    /// A document's findings against the rest of the index, or `None`.
    fn get<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Option<Bound<'py, PyDict>>> {
        let index = self.index()?;
        match py.detach(|| index.get(id)).map_err(index_error)? {
            None => Ok(None),
            Some(found) => Ok(Some(self.tables(py, &found, None)?)),
        }
    }

    /// A document's text, or `None`.
    fn text(&self, py: Python<'_>, id: &str) -> PyResult<Option<String>> {
        let index = self.index()?;
        py.detach(|| index.text(id)).map_err(index_error)
    }

    /// Every finding of the indexed collection, as `analyze` gives them; `(tables, summary)`.
    fn export<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyDict>, String)> {
        let index = self.index()?;
        let (found, summary) = py
            .detach(|| {
                let mut found: Vec<Finding> = Vec::new();
                let summary = index.export(&mut found)?;
                let Ok(summary) = summary;
                Ok::<_, IndexError>((found, summary))
            })
            .map_err(index_error)?;
        let summary = serde_json::to_string(&summary).expect("json");
        Ok((self.tables(py, &found, None)?, summary))
    }

    /// Counts, settings and size on disk, as JSON.
    fn stats(&self, py: Python<'_>) -> PyResult<String> {
        let index = self.index()?;
        let s = py.detach(|| index.stats()).map_err(index_error)?;
        Ok(serde_json::to_string(&s).expect("json"))
    }

    /// Rewrites the text log with the live texts only; the index stays open. JSON:
    /// documents, bytes before and after.
    fn compact(&mut self, py: Python<'_>) -> PyResult<String> {
        let index = self.inner.take().ok_or_else(|| {
            PyValueError::new_err(format!("the index at {} is closed", self.path.display()))
        })?;
        let path = self.path.clone();
        let (done, reopened) = py.detach(|| {
            let done = index.compact();
            // Open again whatever came of it: a failed compaction leaves the store as it was.
            (done, Index::open(&path))
        });
        self.inner = Some(reopened.map_err(index_error)?);
        Ok(serde_json::to_string(&done.map_err(index_error)?).expect("json"))
    }

    /// The levels this index keeps.
    fn levels(&self) -> PyResult<Vec<String>> {
        Ok(self.index()?.levels().to_vec())
    }

    /// Documents indexed.
    fn __len__(&self) -> PyResult<usize> {
        Ok(self.index()?.len().map_err(index_error)? as usize)
    }

    /// Closes the store (later calls raise `ValueError`).
    fn close(&mut self) {
        self.inner = None;
    }

    /// Whether the index is closed.
    #[getter]
    fn closed(&self) -> bool {
        self.inner.is_none()
    }

    /// The store's directory.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }
}
