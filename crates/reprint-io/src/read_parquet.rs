//! Parquet files: one document per row.

use crate::error::ReadError;
use crate::reader::{InputConfig, Location, Raw, Record};
use arrow_array::{Array, RecordBatch, RecordBatchReader, StringArray};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use serde_json::{Map, Value};
use std::path::Path;
use std::sync::Arc;

type RecordIter = Box<dyn Iterator<Item = Result<Record, ReadError>> + Send>;

pub(crate) fn open(path: &Path, cfg: Arc<InputConfig>) -> Result<RecordIter, ReadError> {
    let reader = open_columns(path, &cfg)?;
    let name: Arc<str> = path.display().to_string().into();
    let schema = reader.schema();
    let text_col = schema
        .index_of(&cfg.text_field)
        .map_err(|_| ReadError::Format {
            path: path.into(),
            reason: format!(
                "no column \"{}\" (columns: {}); name the column that holds the text",
                cfg.text_field,
                schema
                    .fields()
                    .iter()
                    .map(|f| f.name().as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?;
    let is_text =
        |t: &DataType| matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View);
    // Strings, or a dictionary of strings (a pandas `category` column).
    let text_type = match schema.field(text_col).data_type() {
        DataType::Dictionary(_, v) => is_text(v),
        t => is_text(t),
    };
    if !text_type {
        return Err(ReadError::Format {
            path: path.into(),
            reason: format!(
                "column \"{}\" has type {}, not a string",
                cfg.text_field,
                schema.field(text_col).data_type()
            ),
        });
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut row = 0u64;
    let path = path.to_path_buf();
    // A damaged row group ends the file: the reader would give the same error again and
    // again (found by fuzzing: a caller that skips errors never finished). The decoder
    // panics on some damaged pages instead of returning an error (found by fuzzing too):
    // that panic is caught and reported as the damaged file it is.
    let mut failed = false;
    let mut reader = reader;
    let iter = std::iter::from_fn(move || -> Option<Vec<Result<Record, ReadError>>> {
        if failed {
            return None;
        }
        let damaged = |reason: String| ReadError::Format {
            path: path.clone(),
            reason,
        };
        let batch = match crate::quiet_panic::catch(|| reader.next()) {
            None => {
                failed = true;
                return Some(vec![Err(damaged(format!(
                    "damaged data after row {row}: the Parquet decoder failed"
                )))]);
            }
            Some(None) => return None,
            Some(Some(Ok(b))) => b,
            Some(Some(Err(e))) => {
                failed = true;
                return Some(vec![Err(damaged(e.to_string()))]);
            }
        };
        let out = batch_records(&batch, text_col, &cfg, &name, &stem, row);
        row += batch.num_rows() as u64;
        Some(out)
    });
    Ok(Box::new(iter.flatten()))
}

/// A reader of `path`'s row groups. The Arrow schema a writer may embed in the file's
/// metadata is decoded by the `arrow-ipc` crate, which panics on some damaged ones (found by
/// fuzzing): that panic is caught, and the file is read by its Parquet schema alone.
fn builder(path: &Path) -> Result<ParquetRecordBatchReaderBuilder<std::fs::File>, ReadError> {
    use parquet::arrow::arrow_reader::ArrowReaderOptions;
    let fmt = |e: parquet::errors::ParquetError| ReadError::Format {
        path: path.into(),
        reason: format!("not a readable Parquet file: {e}"),
    };
    let open = |skip_arrow: bool| {
        let file = std::fs::File::open(path).map_err(|e| ReadError::io(path, e))?;
        let options = ArrowReaderOptions::new().with_skip_arrow_metadata(skip_arrow);
        ParquetRecordBatchReaderBuilder::try_new_with_options(file, options).map_err(fmt)
    };
    match crate::quiet_panic::catch(|| open(false)) {
        Some(built) => built,
        None => crate::quiet_panic::catch(|| open(true)).unwrap_or_else(|| {
            Err(ReadError::Format {
                path: path.into(),
                reason: "not a readable Parquet file: its metadata is damaged".into(),
            })
        }),
    }
}

/// Batches of only the columns a run uses: the text, the id and the metadata it keeps
/// (a wide binary column beside the text is never decoded).
fn open_columns(path: &Path, cfg: &InputConfig) -> Result<ParquetRecordBatchReader, ReadError> {
    let fmt = |e: parquet::errors::ParquetError| ReadError::Format {
        path: path.into(),
        reason: format!("not a readable Parquet file: {e}"),
    };
    let builder = builder(path)?;
    if builder.schema().index_of(&cfg.text_field).is_err() {
        return Err(ReadError::Format {
            path: path.into(),
            reason: format!(
                "no column \"{}\" (columns: {}); name the column that holds the text",
                cfg.text_field,
                builder
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    let used: Vec<usize> = builder
        .schema()
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            let n = f.name();
            *n == cfg.text_field || *n == cfg.id_field || cfg.keeps_meta(n)
        })
        .map(|(i, _)| i)
        .collect();
    let mask = parquet::arrow::ProjectionMask::roots(builder.parquet_schema(), used);
    builder
        .with_projection(mask)
        .with_batch_size(4096)
        .build()
        .map_err(fmt)
}

pub(crate) fn open_batches(path: &Path) -> Result<ParquetRecordBatchReader, ReadError> {
    let fmt = |e: parquet::errors::ParquetError| ReadError::Format {
        path: path.into(),
        reason: format!("not a readable Parquet file: {e}"),
    };
    builder(path)?.with_batch_size(4096).build().map_err(fmt)
}

/// The compression of a Parquet file's first column chunk (UNCOMPRESSED when it has none):
/// the kept corpus is written with the input's compression.
pub(crate) fn compression_of(path: &Path) -> parquet::basic::Compression {
    builder(path)
        .ok()
        .and_then(|b| {
            let m = b.metadata();
            (m.num_row_groups() > 0 && m.row_group(0).num_columns() > 0)
                .then(|| m.row_group(0).column(0).compression())
        })
        .unwrap_or(parquet::basic::Compression::UNCOMPRESSED)
}

/// The text column as UTF-8 strings.
pub(crate) fn text_strings(batch: &RecordBatch, text_col: usize) -> StringArray {
    let col = arrow_cast::cast(batch.column(text_col), &DataType::Utf8)
        .expect("string column casts to Utf8");
    col.as_any()
        .downcast_ref::<StringArray>()
        .expect("Utf8 array")
        .clone()
}

fn batch_records(
    batch: &RecordBatch,
    text_col: usize,
    cfg: &InputConfig,
    name: &Arc<str>,
    stem: &str,
    first_row: u64,
) -> Vec<Result<Record, ReadError>> {
    let texts = text_strings(batch, text_col);
    let schema = batch.schema();
    let opts = FormatOptions::default();
    let formatters: Vec<Option<ArrayFormatter>> = batch
        .columns()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i == text_col {
                None
            } else {
                ArrayFormatter::try_new(c.as_ref(), &opts).ok()
            }
        })
        .collect();
    (0..batch.num_rows())
        .map(|r| {
            let line = first_row + r as u64 + 1;
            if texts.is_null(r) {
                return Err(ReadError::record(
                    name,
                    line,
                    format!("text column \"{}\" is null", cfg.text_field),
                ));
            }
            if texts.value(r).len() > cfg.max_record_bytes {
                return Err(ReadError::record(
                    name,
                    line,
                    format!(
                        "document is larger than the limit of {} bytes",
                        cfg.max_record_bytes
                    ),
                ));
            }
            let mut meta = Map::new();
            let mut id = None;
            for (i, f) in formatters.iter().enumerate() {
                let (Some(f), false) = (f, batch.column(i).is_null(r)) else {
                    continue;
                };
                let v = f.value(r).to_string();
                if schema.field(i).name() == &cfg.id_field {
                    id = Some(v.clone());
                }
                meta.insert(schema.field(i).name().clone(), Value::String(v));
            }
            Ok(Record {
                id: id.unwrap_or_else(|| format!("{stem}:{line}")),
                text: texts.value(r).to_string(),
                meta,
                loc: Location {
                    file: name.clone(),
                    line,
                },
                raw: cfg.keep_raw.then_some(Raw::ParquetRow),
                origin: None,
            })
        })
        .collect()
}
