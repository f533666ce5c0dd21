//! Writing findings: JSONL (one stream, every record with a `type`), or CSV / Parquet (one
//! table per record type next to the output path: `out.parquet` becomes
//! `out.documents.parquet`, `out.pairs.parquet`, … and `out.summary.json`).

use crate::safe::AtomicFile;
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
};
use arrow_array::{ArrayRef, ListArray, RecordBatch, StructArray};
use arrow_schema::{ArrowError, DataType, Field, Fields, Schema};
use parquet::arrow::ArrowWriter;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Output formats for findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// JSON Lines, every record with a `"type"`.
    #[default]
    Jsonl,
    /// One CSV table per record type.
    Csv,
    /// One Parquet table per record type.
    Parquet,
}

/// Column types of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    /// UTF-8 string.
    Str,
    /// 64-bit integer.
    Int,
    /// 64-bit float.
    Float,
    /// Boolean.
    Bool,
    /// List of strings.
    StrList,
    /// A record with these fields (JSON text in CSV).
    Struct(&'static [(&'static str, Col)]),
    /// A list of records with these fields (a JSON array in CSV).
    StructList(&'static [(&'static str, Col)]),
}

/// Errors while writing.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// IO failure on a path.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Parquet or Arrow failure.
    #[error("{}: {reason}", path.display())]
    Table {
        /// The file.
        path: PathBuf,
        /// The cause.
        reason: String,
    },
    /// Tables need a file name.
    #[error("{0} output writes one file per record type and needs an output path")]
    NeedsPath(&'static str),
}

impl WriteError {
    /// Whether the reader went away (a closed pipe): not an error for a CLI.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, WriteError::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

const BATCH_ROWS: usize = 65_536;

enum Table {
    Csv(
        Box<csv::Writer<BufWriter<AtomicFile>>>,
        Vec<(&'static str, Col)>,
        PathBuf,
    ),
    Parquet(Box<ParquetTable>),
}

struct ParquetTable {
    path: PathBuf,
    cols: Vec<(&'static str, Col)>,
    schema: Arc<Schema>,
    rows: Vec<Map<String, Value>>,
    writer: ArrowWriter<AtomicFile>,
}

/// Where JSON Lines go: standard output, or a file that appears whole when finished.
enum Jsonl {
    Stdout(BufWriter<std::io::Stdout>),
    File(BufWriter<AtomicFile>),
    Gz(flate2::write::GzEncoder<BufWriter<AtomicFile>>),
    Zst(zstd::stream::write::Encoder<'static, BufWriter<AtomicFile>>),
}

impl Jsonl {
    fn w(&mut self) -> &mut dyn Write {
        match self {
            Jsonl::Stdout(w) => w,
            Jsonl::File(w) => w,
            Jsonl::Gz(w) => w,
            Jsonl::Zst(w) => w,
        }
    }

    /// Ends the stream; a file is put in place.
    fn finish(self) -> std::io::Result<()> {
        let buf = match self {
            Jsonl::Stdout(mut w) => return w.flush(),
            Jsonl::File(w) => w,
            Jsonl::Gz(w) => w.finish()?,
            Jsonl::Zst(w) => w.finish()?,
        };
        buf.into_inner().map_err(|e| e.into_error())?.commit()
    }
}

/// Writes finding records of any type. Files appear under their names only when
/// [`FindingsWriter::finish`] succeeds (tables first, the summary last); an interrupted run
/// leaves any previous output intact.
pub struct FindingsWriter {
    format: OutputFormat,
    jsonl: Option<(Jsonl, PathBuf)>,
    /// The summary of table formats, written last.
    summary: Option<(PathBuf, String)>,
    base: Option<PathBuf>,
    schemas: BTreeMap<&'static str, Vec<(&'static str, Col)>>,
    tables: BTreeMap<&'static str, Table>,
}

impl FindingsWriter {
    /// A writer to `path` (standard output for JSONL when `None`).
    pub fn create(format: OutputFormat, path: Option<&Path>) -> Result<FindingsWriter, WriteError> {
        let path = path.filter(|p| p.as_os_str() != "-");
        let jsonl = match (format, path) {
            (OutputFormat::Jsonl, Some(p)) => {
                let f = AtomicFile::create(p).map_err(|e| WriteError::Io {
                    path: p.into(),
                    source: e,
                })?;
                let buf = BufWriter::with_capacity(1 << 20, f);
                let name = p.to_string_lossy();
                // Compressed as the name says.
                let out = if name.ends_with(".gz") {
                    Jsonl::Gz(flate2::write::GzEncoder::new(
                        buf,
                        flate2::Compression::default(),
                    ))
                } else if name.ends_with(".zst") || name.ends_with(".zstd") {
                    Jsonl::Zst(zstd::stream::write::Encoder::new(buf, 3).map_err(|e| {
                        WriteError::Io {
                            path: p.into(),
                            source: e,
                        }
                    })?)
                } else {
                    Jsonl::File(buf)
                };
                Some((out, p.to_path_buf()))
            }
            (OutputFormat::Jsonl, None) => Some((
                Jsonl::Stdout(BufWriter::with_capacity(1 << 20, std::io::stdout())),
                PathBuf::from("<stdout>"),
            )),
            (OutputFormat::Csv, None) => return Err(WriteError::NeedsPath("csv")),
            (OutputFormat::Parquet, None) => return Err(WriteError::NeedsPath("parquet")),
            _ => None,
        };
        Ok(FindingsWriter {
            format,
            jsonl,
            summary: None,
            base: path.map(Path::to_path_buf),
            schemas: BTreeMap::new(),
            tables: BTreeMap::new(),
        })
    }

    /// Declares the columns of record type `kind` (needed for CSV and Parquet).
    pub fn declare(&mut self, kind: &'static str, cols: &[(&'static str, Col)]) {
        self.schemas.insert(kind, cols.to_vec());
    }

    /// The file a table of `kind` records goes to.
    pub fn table_path(&self, kind: &str) -> Option<PathBuf> {
        let base = self.base.as_ref()?;
        let ext = match self.format {
            OutputFormat::Csv => "csv",
            OutputFormat::Parquet => "parquet",
            OutputFormat::Jsonl => return Some(base.clone()),
        };
        let stem = base
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let stem = stem
            .strip_suffix(&format!(".{ext}"))
            .unwrap_or(&stem)
            .to_string();
        Some(base.with_file_name(format!("{stem}.{}.{ext}", table_name(kind))))
    }

    /// Every file this writer may create for records of `kinds` (and the summary).
    pub fn paths(&self, kinds: &[&str]) -> Vec<PathBuf> {
        match self.format {
            OutputFormat::Jsonl => self.base.iter().cloned().collect(),
            _ => kinds
                .iter()
                .filter_map(|k| self.table_path(k))
                .chain(self.summary_path())
                .collect(),
        }
    }

    fn summary_path(&self) -> Option<PathBuf> {
        let path = self.table_path("summary")?.with_extension("json");
        let name = path
            .file_name()?
            .to_string_lossy()
            .replace(".summarys.", ".summary.");
        Some(path.with_file_name(name))
    }

    /// Writes one record; `record` must serialize to a JSON object with a string `"type"`.
    pub fn write(&mut self, record: &impl serde::Serialize) -> Result<(), WriteError> {
        if let Some((w, path)) = &mut self.jsonl {
            let w = w.w();
            serde_json::to_writer(&mut *w, record).map_err(|e| WriteError::Io {
                path: path.clone(),
                source: e.into(),
            })?;
            return w.write_all(b"\n").map_err(|e| WriteError::Io {
                path: path.clone(),
                source: e,
            });
        }
        let Value::Object(mut map) = serde_json::to_value(record).expect("records serialize")
        else {
            panic!("records are JSON objects");
        };
        let kind = match map.remove("type") {
            Some(Value::String(k)) => k,
            _ => panic!("records carry a type"),
        };
        if kind == "summary" {
            let path = self.summary_path().expect("base path");
            // Written last, by finish(): a summary only beside complete tables.
            let text = serde_json::to_string_pretty(&map).expect("json");
            self.summary = Some((path, text + "\n"));
            return Ok(());
        }
        let (&kind, cols) = self
            .schemas
            .get_key_value(kind.as_str())
            .unwrap_or_else(|| panic!("record type {kind} was not declared"));
        let cols = cols.clone();
        if !self.tables.contains_key(kind) {
            let path = self.table_path(kind).expect("base path");
            let table = self.open_table(&path, &cols)?;
            self.tables.insert(kind, table);
        }
        match self.tables.get_mut(kind).expect("table") {
            Table::Csv(w, cols, path) => {
                let row: Vec<String> = cols
                    .iter()
                    .map(|(name, _)| cell_text(map.get(*name)))
                    .collect();
                w.write_record(&row).map_err(|e| WriteError::Io {
                    path: path.clone(),
                    source: e.into(),
                })
            }
            Table::Parquet(t) => {
                t.rows.push(map);
                if t.rows.len() >= BATCH_ROWS {
                    t.flush()?;
                }
                Ok(())
            }
        }
    }

    fn open_table(&self, path: &Path, cols: &[(&'static str, Col)]) -> Result<Table, WriteError> {
        let file = AtomicFile::create(path).map_err(|e| WriteError::Io {
            path: path.into(),
            source: e,
        })?;
        match self.format {
            OutputFormat::Csv => {
                let mut w = csv::Writer::from_writer(BufWriter::new(file));
                w.write_record(cols.iter().map(|(n, _)| *n))
                    .map_err(|e| WriteError::Io {
                        path: path.into(),
                        source: e.into(),
                    })?;
                Ok(Table::Csv(Box::new(w), cols.to_vec(), path.into()))
            }
            OutputFormat::Parquet => {
                let schema = Arc::new(arrow_schema(cols));
                let props = parquet::file::properties::WriterProperties::builder()
                    .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
                    .build();
                let writer =
                    ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(|e| {
                        WriteError::Table {
                            path: path.into(),
                            reason: e.to_string(),
                        }
                    })?;
                Ok(Table::Parquet(Box::new(ParquetTable {
                    path: path.into(),
                    cols: cols.to_vec(),
                    schema,
                    rows: Vec::new(),
                    writer,
                })))
            }
            OutputFormat::Jsonl => unreachable!("jsonl has no tables"),
        }
    }

    /// Flushes and closes everything; each file appears under its name only now (tables
    /// first, the summary last).
    pub fn finish(mut self) -> Result<(), WriteError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |e: std::io::Error| WriteError::Io { path, source: e }
        };
        if let Some((w, path)) = self.jsonl.take() {
            w.finish().map_err(io(&path))?;
        }
        for (_, t) in std::mem::take(&mut self.tables) {
            match t {
                Table::Csv(w, _, path) => {
                    let buf = w.into_inner().map_err(|e| io(&path)(e.into_error()))?;
                    let file = buf.into_inner().map_err(|e| io(&path)(e.into_error()))?;
                    file.commit().map_err(io(&path))?
                }
                Table::Parquet(mut t) => {
                    t.flush()?;
                    let path = t.path.clone();
                    let file = t.writer.into_inner().map_err(|e| WriteError::Table {
                        path: path.clone(),
                        reason: e.to_string(),
                    })?;
                    file.commit().map_err(io(&path))?;
                }
            }
        }
        if let Some((path, text)) = self.summary.take() {
            crate::safe::write_whole(&path, text.as_bytes()).map_err(io(&path))?;
        }
        Ok(())
    }
}

/// The Arrow schema of a table with these columns (every column nullable).
pub fn arrow_schema(cols: &[(&str, Col)]) -> Schema {
    Schema::new(
        cols.iter()
            .map(|(n, c)| Field::new(*n, arrow_type(*c), true))
            .collect::<Vec<_>>(),
    )
}

/// The table a record type goes to: `pair` → `pairs`, `story` → `stories`, `summary` stays.
pub fn table_name(kind: &str) -> String {
    match kind {
        "summary" => "summary".into(),
        "story" => "stories".into(),
        k => format!("{k}s"),
    }
}

fn arrow_type(c: Col) -> DataType {
    match c {
        Col::Str => DataType::Utf8,
        Col::Int => DataType::Int64,
        Col::Float => DataType::Float64,
        Col::Bool => DataType::Boolean,
        Col::StrList => DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
        Col::Struct(fields) => DataType::Struct(struct_fields(fields)),
        Col::StructList(fields) => DataType::List(Arc::new(Field::new(
            "item",
            DataType::Struct(struct_fields(fields)),
            true,
        ))),
    }
}

fn struct_fields(fields: &[(&str, Col)]) -> Fields {
    fields
        .iter()
        .map(|(n, c)| Field::new(*n, arrow_type(*c), true))
        .collect()
}

/// One Arrow batch of `rows` (records as JSON objects, without their `type`) with these
/// columns: the table Parquet output writes, and what the Python package returns. A missing
/// or `null` field is a null cell.
pub fn record_batch(
    cols: &[(&'static str, Col)],
    rows: &[Map<String, Value>],
) -> Result<RecordBatch, ArrowError> {
    let columns: Vec<ArrayRef> = cols
        .iter()
        .map(|(name, col)| {
            let cells: Vec<Option<&Value>> = rows.iter().map(|r| field(r, name)).collect();
            build(&cells, *col)
        })
        .collect();
    let schema = Arc::new(arrow_schema(cols));
    if cols.is_empty() {
        return RecordBatch::try_new_with_options(
            schema,
            columns,
            &arrow_array::RecordBatchOptions::new().with_row_count(Some(rows.len())),
        );
    }
    RecordBatch::try_new(schema, columns)
}

fn field<'a>(r: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    r.get(name).filter(|v| !v.is_null())
}

fn cell_text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        // A list in a CSV cell is a JSON array: "United States" stays one entity.
        Some(v @ Value::Array(_)) => v.to_string(),
        Some(other) => other.to_string(),
    }
}

impl ParquetTable {
    fn flush(&mut self) -> Result<(), WriteError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let table = |e: ArrowError| WriteError::Table {
            path: self.path.clone(),
            reason: e.to_string(),
        };
        let batch = record_batch(&self.cols, &self.rows).map_err(table)?;
        debug_assert_eq!(batch.schema(), self.schema);
        self.writer.write(&batch).map_err(|e| WriteError::Table {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        self.rows.clear();
        Ok(())
    }
}

/// The column of `cells` (one per row, `None` for null).
fn build(cells: &[Option<&Value>], col: Col) -> ArrayRef {
    match col {
        Col::Str => {
            let mut b = StringBuilder::new();
            for v in cells {
                b.append_option(v.map(|v| cell_text(Some(v))));
            }
            Arc::new(b.finish())
        }
        Col::Int => {
            let mut b = Int64Builder::new();
            for v in cells {
                b.append_option(v.and_then(|v| v.as_i64()));
            }
            Arc::new(b.finish())
        }
        Col::Float => {
            let mut b = Float64Builder::new();
            for v in cells {
                b.append_option(v.and_then(|v| v.as_f64()));
            }
            Arc::new(b.finish())
        }
        Col::Bool => {
            let mut b = BooleanBuilder::new();
            for v in cells {
                b.append_option(v.and_then(|v| v.as_bool()));
            }
            Arc::new(b.finish())
        }
        Col::StrList => {
            let mut b = ListBuilder::new(StringBuilder::new());
            for v in cells {
                match v {
                    Some(Value::Array(items)) => {
                        for i in items {
                            b.values().append_value(cell_text(Some(i)));
                        }
                        b.append(true);
                    }
                    _ => b.append(false),
                }
            }
            Arc::new(b.finish())
        }
        Col::Struct(fields) => {
            let objects: Vec<Option<&Map<String, Value>>> =
                cells.iter().map(|v| v.and_then(Value::as_object)).collect();
            let children: Vec<ArrayRef> = fields
                .iter()
                .map(|(name, c)| {
                    let sub: Vec<Option<&Value>> = objects
                        .iter()
                        .map(|o| o.and_then(|o| field(o, name)))
                        .collect();
                    build(&sub, *c)
                })
                .collect();
            let valid: Vec<bool> = objects.iter().map(Option::is_some).collect();
            Arc::new(StructArray::new(
                struct_fields(fields),
                children,
                Some(valid.into()),
            ))
        }
        Col::StructList(fields) => {
            let mut items: Vec<Option<&Value>> = Vec::new();
            let mut lengths = Vec::with_capacity(cells.len());
            let mut valid = Vec::with_capacity(cells.len());
            for v in cells {
                match v {
                    Some(Value::Array(xs)) => {
                        items.extend(xs.iter().map(Some));
                        lengths.push(xs.len());
                        valid.push(true);
                    }
                    _ => {
                        lengths.push(0);
                        valid.push(false);
                    }
                }
            }
            let values = build(&items, Col::Struct(fields));
            let item = Arc::new(Field::new("item", values.data_type().clone(), true));
            Arc::new(ListArray::new(
                item,
                arrow_buffer::OffsetBuffer::from_lengths(lengths),
                values,
                Some(valid.into()),
            ))
        }
    }
}
