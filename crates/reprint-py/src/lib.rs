//! `reprint_rs._native`: the reprint engine and index for Python, Arrow in and out.
//!
//! The Python package (`python/reprint_rs`) turns lists, pandas frames, Arrow tables and
//! Hugging Face datasets into Arrow string columns and calls the functions here. Rust work
//! runs without the GIL; long calls run on a worker thread so that Ctrl-C interrupts them.

mod batch;
mod columns;
mod index;
mod options;
mod tables;

use columns::{Columns, StrColumn};
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_arrow::PyChunkedArray;
use reprint_engine::{Engine, EngineError, Finding, Threads};
use reprint_io::InputConfig;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Runs the engine over one collection. Returns `(tables, summary_json)` where `tables`
/// maps a record type (`document`, `pair`, …) to a `pyarrow.Table`.
#[pyfunction]
#[pyo3(signature = (texts, ids=None, dates=None, titles=None, *, series=None, duplicates=true, dedup=None, reuse=None, stories=None, threads=0, memory_mib=None, spill_dir=None))]
#[allow(clippy::too_many_arguments)]
fn run<'py>(
    py: Python<'py>,
    texts: Bound<'py, PyAny>,
    ids: Option<PyChunkedArray>,
    dates: Option<PyChunkedArray>,
    titles: Option<PyChunkedArray>,
    series: Option<PyChunkedArray>,
    duplicates: bool,
    dedup: Option<Bound<'py, PyDict>>,
    reuse: Option<Bound<'py, PyDict>>,
    stories: Option<Bound<'py, PyDict>>,
    threads: usize,
    memory_mib: Option<usize>,
    spill_dir: Option<std::path::PathBuf>,
) -> PyResult<(Bound<'py, PyDict>, String)> {
    let cols = Columns::new(&texts, ids, dates, titles, series)?;
    let series_field = cols.has_series().then_some(columns::SERIES_FIELD);
    let mut cfg = options::config(
        dedup.as_ref(),
        reuse.as_ref(),
        stories.as_ref(),
        series_field,
    )?;
    cfg.report_duplicates = duplicates;
    cfg.threads = threads_setting(threads);
    if let Some(mib) = memory_mib {
        cfg.memory_bytes = mib.saturating_mul(1 << 20);
    }
    cfg.spill_dir = spill_dir;
    let kinds = tables::kinds(&cfg);
    let engine = Engine::new(cfg).map_err(engine_error)?;
    let cols = Arc::new(cols);
    let cancel = Arc::new(AtomicBool::new(false));
    let work = {
        let cols = cols.clone();
        let cancel = cancel.clone();
        move || -> Result<(Vec<Finding>, String), PyErrLater> {
            let input = engine.input_config(&InputConfig::default());
            let records = cols.records(&cancel);
            let analysis = engine
                .run_with_texts(records, &input, &(), &*cols)
                .map_err(|e| PyErrLater::Engine(e, cancel.load(Ordering::Relaxed)))?;
            let mut found: Vec<Finding> = Vec::new();
            let Ok(()) = analysis.write_findings(&mut found, true);
            analysis
                .texts_read_back()
                .map_err(|e| PyErrLater::Engine(e, false))?;
            let summary = serde_json::to_string(&analysis.summary()).expect("json");
            Ok((found, summary))
        }
    };
    let (found, summary) = interruptible(py, &cancel, work)?;
    let by_id = if kinds.contains(&"alignment") {
        cols.texts_by_id()
    } else {
        Default::default()
    };
    let lookup = |id: &str| by_id.get(id).map(|t| std::borrow::Cow::Borrowed(*t));
    let batches = py
        .detach(|| tables::batches(&found, &kinds, &lookup))
        .map_err(arrow_error)?;
    Ok((tables::to_python(py, batches)?, summary))
}

/// Errors made on the worker thread, turned into Python exceptions back on the caller's.
enum PyErrLater {
    Engine(EngineError, bool),
}

/// Runs `work` on a thread of its own while this thread waits without the GIL and checks
/// for signals: Ctrl-C raises `KeyboardInterrupt` at once, and tells the work to stop.
fn interruptible<T: Send + 'static>(
    py: Python<'_>,
    cancel: &Arc<AtomicBool>,
    work: impl FnOnce() -> Result<T, PyErrLater> + Send + 'static,
) -> PyResult<T> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("reprint".into())
        .spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            let _ = tx.send(r);
        })
        .map_err(|e| PyOSError::new_err(format!("cannot start a worker thread: {e}")))?;
    let mut rx = rx;
    loop {
        // A `&mut` receiver may cross to the thread without the GIL (a shared one may not).
        let r = &mut rx;
        let got = py.detach(move || r.recv_timeout(Duration::from_millis(50)));
        match got {
            Ok(Ok(Ok(v))) => return Ok(v),
            Ok(Ok(Err(PyErrLater::Engine(e, cancelled)))) => {
                if cancelled {
                    py.check_signals()?;
                }
                return Err(engine_error(e));
            }
            Ok(Err(panic)) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown".into());
                return Err(PyRuntimeError::new_err(format!(
                    "internal error in reprint (please report it): {msg}"
                )));
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if let Err(e) = py.check_signals() {
                    cancel.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(PyRuntimeError::new_err("the worker thread stopped"));
            }
        }
    }
}

/// `threads`: 0 = every core, 1 = the calling thread only, n = a pool of n.
fn threads_setting(threads: usize) -> Threads {
    match threads {
        0 => Threads::Count(
            std::thread::available_parallelism().unwrap_or(std::num::NonZeroUsize::MIN),
        ),
        1 => Threads::Caller,
        n => Threads::Count(std::num::NonZeroUsize::new(n).expect("n > 1")),
    }
}

/// An engine error as the Python exception a user expects: bad input and bad settings are
/// `ValueError`s naming the record (by index) or the setting.
pub(crate) fn engine_error(e: EngineError) -> PyErr {
    match e {
        EngineError::Config(c) => PyValueError::new_err(format!("invalid setting: {c}")),
        EngineError::Read(r) => read_error(r),
        EngineError::Model(m) => {
            PyOSError::new_err(format!("cannot load the embedding model: {m}"))
        }
        other => PyRuntimeError::new_err(other.to_string()),
    }
}

pub(crate) fn read_error(r: reprint_io::ReadError) -> PyErr {
    match r {
        reprint_io::ReadError::Record { line, reason, .. } => PyValueError::new_err(format!(
            "record {}: {}",
            line - 1,
            columns::by_index(&reason)
        )),
        other => PyOSError::new_err(other.to_string()),
    }
}

pub(crate) fn arrow_error(e: arrow_schema::ArrowError) -> PyErr {
    PyRuntimeError::new_err(format!("cannot build the result table: {e}"))
}

/// The number of cores the one-call functions use by default.
#[pyfunction]
fn cpu_count() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Counts the strings of a column (a check that Arrow input arrives without a copy).
#[pyfunction]
fn _column_len(col: PyChunkedArray) -> PyResult<usize> {
    Ok(StrColumn::new("column", col)?.len())
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(cpu_count, m)?)?;
    m.add_function(wrap_pyfunction!(_column_len, m)?)?;
    m.add_class::<index::PyIndex>()?;
    m.add_function(wrap_pyfunction!(batch::fingerprints, m)?)?;
    m.add_function(wrap_pyfunction!(batch::days, m)?)?;
    m.add_function(wrap_pyfunction!(batch::candidate_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(batch::verify_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(batch::reuse_seeds, m)?)?;
    m.add_function(wrap_pyfunction!(batch::align_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(batch::connected_components, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
