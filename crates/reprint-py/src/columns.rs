//! Arrow string columns from Python, read in place (no copy through Python objects), and
//! the records the engine and the index take from them.

use arrow_array::cast::AsArray;
use arrow_array::Array;
use arrow_schema::DataType;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};
use pyo3_arrow::PyChunkedArray;
use reprint_io::{Location, ReadError, Record};
use serde_json::{Map, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// One chunk of strings, in whichever Arrow layout it came, or Python's own strings.
enum Chunk {
    Utf8(arrow_array::StringArray),
    Large(arrow_array::LargeStringArray),
    View(arrow_array::StringViewArray),
    Python(PyStrs),
}

/// The UTF-8 bytes of Python `str` objects, read in place (no copy), with a reference to
/// each object so that they outlive the call even if the caller's list changes.
struct PyStrs {
    spans: Vec<(*const u8, usize)>,
    _owners: Vec<Py<PyString>>,
}

// SAFETY: each span points into the UTF-8 form of a `str` object that `_owners` keeps
// alive; `str` objects are immutable and CPython never moves or frees that UTF-8 form while
// the object lives, so the bytes can be read from any thread, without the GIL.
unsafe impl Send for PyStrs {}
unsafe impl Sync for PyStrs {}

impl Chunk {
    fn len(&self) -> usize {
        match self {
            Chunk::Utf8(a) => a.len(),
            Chunk::Large(a) => a.len(),
            Chunk::View(a) => a.len(),
            Chunk::Python(p) => p.spans.len(),
        }
    }

    fn get(&self, i: usize) -> Option<&str> {
        match self {
            Chunk::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Chunk::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Chunk::View(a) => a.is_valid(i).then(|| a.value(i)),
            Chunk::Python(p) => {
                let (ptr, len) = p.spans[i];
                // SAFETY: see `PyStrs`; the bytes are valid UTF-8 (CPython made them).
                Some(unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(ptr, len)) })
            }
        }
    }
}

/// A column of strings (possibly in several chunks), by row.
pub(crate) struct StrColumn {
    chunks: Vec<Chunk>,
    /// First row of each chunk.
    starts: Vec<usize>,
    len: usize,
}

impl StrColumn {
    /// The column `name` (for messages) from an Arrow array or chunked array.
    pub(crate) fn new(name: &'static str, col: PyChunkedArray) -> PyResult<StrColumn> {
        let (chunks, field) = col.into_inner();
        let mut out = Vec::with_capacity(chunks.len());
        let mut starts = Vec::with_capacity(chunks.len());
        let mut len = 0;
        for c in chunks {
            let chunk = match c.data_type() {
                DataType::Utf8 => Chunk::Utf8(c.as_string::<i32>().clone()),
                DataType::LargeUtf8 => Chunk::Large(c.as_string::<i64>().clone()),
                DataType::Utf8View => Chunk::View(c.as_string_view().clone()),
                other => {
                    return Err(PyTypeError::new_err(format!(
                        "{name} must be strings, got Arrow type {other} (column {:?})",
                        field.name()
                    )))
                }
            };
            starts.push(len);
            len += chunk.len();
            out.push(chunk);
        }
        Ok(StrColumn {
            chunks: out,
            starts,
            len,
        })
    }

    /// The strings of a Python list of `str` (every item must be one), read in place.
    pub(crate) fn from_list(what: &str, list: &Bound<'_, PyList>) -> PyResult<StrColumn> {
        let mut spans = Vec::with_capacity(list.len());
        let mut owners = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            let s = item.cast_into::<PyString>().map_err(|e| {
                PyTypeError::new_err(format!(
                    "{what}[{i}] is a {}, not a string",
                    e.into_inner()
                        .get_type()
                        .name()
                        .map(|n| n.to_string())
                        .unwrap_or_default()
                ))
            })?;
            let text = s.to_str()?;
            spans.push((text.as_ptr(), text.len()));
            owners.push(s.unbind());
        }
        let len = spans.len();
        Ok(StrColumn {
            chunks: vec![Chunk::Python(PyStrs {
                spans,
                _owners: owners,
            })],
            starts: vec![0],
            len,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Row `i`'s string, `None` when null.
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        let c = self.starts.partition_point(|&s| s <= i) - 1;
        self.chunks[c].get(i - self.starts[c])
    }
}

/// The columns of one call: texts, and optionally ids, dates, titles and series of the same
/// length.
pub(crate) struct Columns {
    pub(crate) texts: StrColumn,
    pub(crate) ids: Option<StrColumn>,
    dates: Option<StrColumn>,
    titles: Option<StrColumn>,
    series: Option<StrColumn>,
}

/// The metadata field the series column is given to the engine as.
pub(crate) const SERIES_FIELD: &str = "series";

impl Columns {
    pub(crate) fn new(
        texts: &Bound<'_, PyAny>,
        ids: Option<PyChunkedArray>,
        dates: Option<PyChunkedArray>,
        titles: Option<PyChunkedArray>,
        series: Option<PyChunkedArray>,
    ) -> PyResult<Columns> {
        let texts = match texts.cast::<PyList>() {
            Ok(list) => StrColumn::from_list("texts", list)?,
            Err(_) => StrColumn::new("texts", texts.extract::<PyChunkedArray>()?)?,
        };
        let opt = |name, c: Option<PyChunkedArray>| -> PyResult<Option<StrColumn>> {
            let Some(c) = c else { return Ok(None) };
            let c = StrColumn::new(name, c)?;
            if c.len() != texts.len() {
                return Err(PyValueError::new_err(format!(
                    "{name} has {} values but there are {} texts",
                    c.len(),
                    texts.len()
                )));
            }
            Ok(Some(c))
        };
        Ok(Columns {
            ids: opt("ids", ids)?,
            dates: opt("dates", dates)?,
            titles: opt("titles", titles)?,
            series: opt("series", series)?,
            texts,
        })
    }

    /// Whether a series column was given.
    pub(crate) fn has_series(&self) -> bool {
        self.series.is_some()
    }

    pub(crate) fn len(&self) -> usize {
        self.texts.len()
    }

    /// Row `i`'s id: the given one, or its position.
    pub(crate) fn id(&self, i: usize) -> Result<String, String> {
        match &self.ids {
            None => Ok(i.to_string()),
            Some(ids) => match ids.get(i) {
                Some(id) if !id.is_empty() => Ok(id.to_string()),
                Some(_) => Err("id is empty".into()),
                None => Err("id is None (null)".into()),
            },
        }
    }

    /// Row `i`'s text.
    pub(crate) fn text(&self, i: usize) -> Result<&str, String> {
        self.texts
            .get(i)
            .ok_or_else(|| "text is None (null); give every document a string".to_string())
    }

    fn meta(&self, i: usize) -> Map<String, Value> {
        let mut meta = Map::new();
        if let Some(d) = self.dates.as_ref().and_then(|d| d.get(i)) {
            meta.insert("date".into(), Value::String(d.to_string()));
        }
        if let Some(t) = self.titles.as_ref().and_then(|t| t.get(i)) {
            meta.insert("title".into(), Value::String(t.to_string()));
        }
        if let Some(s) = self.series.as_ref().and_then(|s| s.get(i)) {
            meta.insert(SERIES_FIELD.into(), Value::String(s.to_string()));
        }
        meta
    }

    /// Row `i` as an engine record (its line is `i + 1`).
    pub(crate) fn record(&self, i: usize, file: &Arc<str>) -> Result<Record, ReadError> {
        let bad = |reason: String| ReadError::Record {
            file: file.to_string(),
            line: i as u64 + 1,
            reason,
        };
        let id = self.id(i).map_err(bad)?;
        let text = self.text(i).map_err(bad)?.to_string();
        Ok(Record {
            id,
            text,
            meta: self.meta(i),
            loc: Location {
                file: file.clone(),
                line: i as u64 + 1,
            },
            raw: None,
            origin: None,
        })
    }

    /// Every row as a record, stopping when `cancel` is set.
    pub(crate) fn records<'a>(
        &'a self,
        cancel: &'a AtomicBool,
    ) -> impl Iterator<Item = Result<Record, ReadError>> + Send + 'a {
        let file: Arc<str> = Arc::from(INPUT);
        let mut stopped = false;
        (0..self.len()).map_while(move |i| {
            if stopped {
                return None;
            }
            if cancel.load(Ordering::Relaxed) {
                stopped = true;
                return Some(Err(ReadError::Io {
                    path: "input".into(),
                    source: std::io::Error::new(std::io::ErrorKind::Interrupted, "interrupted"),
                }));
            }
            Some(self.record(i, &file))
        })
    }

    /// Every row as a document for the index.
    pub(crate) fn new_docs(&self) -> PyResult<Vec<reprint_index::NewDoc>> {
        (0..self.len())
            .map(|i| {
                let bad = |reason: String| PyValueError::new_err(format!("record {i}: {reason}"));
                Ok(reprint_index::NewDoc {
                    id: self.id(i).map_err(bad)?,
                    text: self.text(i).map_err(bad)?.to_string(),
                    title: self
                        .titles
                        .as_ref()
                        .and_then(|t| t.get(i))
                        .map(String::from),
                    date: self.dates.as_ref().and_then(|d| d.get(i)).map(String::from),
                    series: self
                        .series
                        .as_ref()
                        .and_then(|s| s.get(i))
                        .map(String::from),
                })
            })
            .collect()
    }

    /// The text of each id, for character offsets.
    pub(crate) fn texts_by_id(&self) -> std::collections::HashMap<String, &str> {
        (0..self.len())
            .filter_map(|i| Some((self.id(i).ok()?, self.texts.get(i)?)))
            .collect()
    }
}

/// The columns stay alive for the whole run: verification reads a candidate's text from
/// them again instead of keeping every document's shingle set.
impl reprint_engine::TextSource for Columns {
    fn text(&self, loc: &Location) -> Option<&str> {
        if &*loc.file != INPUT || loc.line == 0 {
            return None;
        }
        self.texts.get(loc.line as usize - 1)
    }
}

/// The name records read from Python columns carry as their file.
const INPUT: &str = "input";

/// A reason as Python users count: records by 0-based index.
pub(crate) fn by_index(reason: &str) -> String {
    const FIRST: &str = "(first as document ";
    if let Some(at) = reason.find(FIRST) {
        let rest = &reason[at + FIRST.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse::<u64>() {
            return format!(
                "{}(first at record {}{}",
                &reason[..at],
                n.saturating_sub(1),
                &rest[digits.len()..]
            );
        }
    }
    reason.to_string()
}
