//! Writing the deduplicated corpus back in the input's format.

use crate::error::ReadError;
use crate::format::InputFormat;
use crate::reader::{InputConfig, Inputs, Raw, Record};
use crate::safe::{AtomicDir, AtomicFile};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Checks, before any work, that the kept corpus can be written to `out`: one input format,
/// no standard input, and a name of that format. Returns the format.
pub fn check_kept(
    paths: &[PathBuf],
    cfg: &InputConfig,
    out: &Path,
) -> Result<InputFormat, ReadError> {
    let formats: Vec<InputFormat> = paths
        .iter()
        .map(|p| match cfg.format {
            InputFormat::Auto if p.is_dir() => InputFormat::Txt,
            InputFormat::Auto if p.as_os_str() == "-" => InputFormat::Jsonl,
            InputFormat::Auto => crate::reader::sniffed(p),
            f => f,
        })
        .collect();
    for p in paths.iter().filter(|p| p.is_dir()) {
        let mut txt = Vec::new();
        crate::reader::walk_txt(p, &mut txt)?;
        if txt.is_empty() {
            return Err(ReadError::Format {
                path: out.into(),
                reason: format!(
                    "{} is a directory of data shards; to write a kept corpus, give the shard files themselves",
                    p.display()
                ),
            });
        }
    }
    let format = formats[0];
    if formats.iter().any(|&f| f != format) {
        return Err(ReadError::Format {
            path: out.into(),
            reason: "the kept corpus needs all inputs in one format".into(),
        });
    }
    if paths.iter().any(|p| p.as_os_str() == "-") {
        return Err(ReadError::Format {
            path: out.into(),
            reason: "the kept corpus cannot be written from standard input (it is read again); save it to a file first".into(),
        });
    }
    // The kept corpus is the input's records in the input's format: its name must say so.
    // A name without a data extension ("kept", "clean.out") says nothing; one with another
    // format's extension is refused.
    let named = InputFormat::detect(out);
    let says_a_format = named != InputFormat::Txt;
    let fits = match format {
        InputFormat::Txt => !says_a_format,
        f => !says_a_format || named == f,
    };
    if format == InputFormat::Txt {
        AtomicDir::check(out).map_err(|e| ReadError::Format {
            path: out.into(),
            reason: e.to_string(),
        })?;
    }
    if !fits {
        return Err(ReadError::Format {
            path: out.into(),
            reason: format!(
                "the kept corpus is written in the input's format ({}); give it a name of that format",
                match format {
                    InputFormat::Txt => "a directory of .txt files",
                    InputFormat::Jsonl => "JSON Lines: .jsonl, .jsonl.gz, .jsonl.zst",
                    InputFormat::Csv => "CSV: .csv, .tsv, .csv.gz",
                    InputFormat::Parquet => "Parquet: .parquet",
                    InputFormat::Auto => "the input's",
                }
            ),
        });
    }
    Ok(format)
}

/// Decides, record by record, what the kept corpus holds. Records are named by where they
/// are (file and line or row) and, when known, their id — never by their position among the
/// records read, which a skipped record would shift.
pub trait KeepDecider {
    /// Whether the record at `file`:`line` (with `id`, when known) is kept. A record the first
    /// read did not accept is not; one that is no longer what was read is an error.
    fn keep(&mut self, file: &str, line: u64, id: Option<&str>) -> Result<bool, ReadError>;
    /// After the last record: every record of the first read must have been met again.
    fn finish(&mut self) -> Result<(), ReadError> {
        Ok(())
    }
}

/// Reads `paths` again and writes the records `decider` keeps.
///
/// JSONL and CSV keep each line or row exactly as it was (compressed when `out` ends in
/// `.gz` or `.zst`); text files are copied into the directory `out` under their ids;
/// Parquet rows are filtered into a file with the same schema. Returns the records written.
pub fn write_kept(
    paths: &[PathBuf],
    cfg: &InputConfig,
    decider: &mut dyn KeepDecider,
    out: &Path,
) -> Result<u64, ReadError> {
    let format = check_kept(paths, cfg, out)?;
    if format == InputFormat::Parquet {
        let n = kept_parquet(paths, cfg, decider, out)?;
        decider.finish()?;
        return Ok(n);
    }
    let cfg = InputConfig {
        keep_raw: true,
        defer_json: false,
        ..cfg.clone()
    };
    let io = |e: std::io::Error| ReadError::io(out, e);
    let mut written = 0;
    let mut keep = |rec: &Record| decider.keep(&rec.loc.file, rec.loc.line, Some(&rec.id));
    match format {
        InputFormat::Txt => {
            let dir = AtomicDir::create(out).map_err(io)?;
            for rec in Inputs::open(paths, &cfg)? {
                let Ok(rec) = rec else { continue };
                if keep(&rec)? {
                    if let Some(Raw::File(src)) = &rec.raw {
                        let dest = dir.path().join(format!("{}.txt", rec.id));
                        if let Some(dir) = dest.parent() {
                            std::fs::create_dir_all(dir).map_err(io)?;
                        }
                        std::fs::copy(src, &dest).map_err(io)?;
                        written += 1;
                    }
                }
            }
            // Every record must have been decided before the directory appears.
            decider.finish()?;
            dir.commit().map_err(io)?;
            return Ok(written);
        }
        _ => {
            let mut kept = KeptOut::create(out).map_err(io)?;
            let w = kept.w();
            let mut csv_out = None;
            if format == InputFormat::Csv {
                let header = csv_header(&paths[0])?;
                let mut cw = csv::Writer::from_writer(Vec::new());
                cw.write_record(&header).map_err(|e| io(e.into()))?;
                w.write_all(&cw.into_inner().expect("vec")).map_err(io)?;
                csv_out = Some(());
            }
            for rec in Inputs::open(paths, &cfg)? {
                let Ok(rec) = rec else { continue };
                if keep(&rec)? {
                    match &rec.raw {
                        Some(Raw::Line(line)) => {
                            w.write_all(line.as_bytes()).map_err(io)?;
                            w.write_all(b"\n").map_err(io)?;
                        }
                        Some(Raw::CsvRow(fields)) if csv_out.is_some() => {
                            let mut cw = csv::Writer::from_writer(Vec::new());
                            cw.write_record(fields).map_err(|e| io(e.into()))?;
                            w.write_all(&cw.into_inner().expect("vec")).map_err(io)?;
                        }
                        _ => {}
                    }
                    written += 1;
                }
            }
            kept.finish().map_err(io)?;
        }
    }
    decider.finish()?;
    Ok(written)
}

fn csv_header(path: &Path) -> Result<Vec<String>, ReadError> {
    let file = std::fs::File::open(path).map_err(|e| ReadError::io(path, e))?;
    let (reader, _) = crate::compress::decompress(file).map_err(|e| ReadError::io(path, e))?;
    let delimiter = if path.to_string_lossy().to_lowercase().contains(".tsv") {
        b'\t'
    } else {
        b','
    };
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(reader);
    let h = r
        .headers()
        .map_err(|e| ReadError::record(&path.display().to_string(), 1, e.to_string()))?;
    Ok(h.iter().map(str::to_string).collect())
}

/// The kept corpus as it is written: compressed by its name, complete only when finished.
enum KeptOut {
    Plain(BufWriter<AtomicFile>),
    Gz(flate2::write::GzEncoder<BufWriter<AtomicFile>>),
    Zst(zstd::stream::write::Encoder<'static, BufWriter<AtomicFile>>),
}

impl KeptOut {
    fn create(out: &Path) -> std::io::Result<KeptOut> {
        let file = BufWriter::with_capacity(1 << 20, AtomicFile::create(out)?);
        let name = out.to_string_lossy();
        Ok(if name.ends_with(".gz") {
            KeptOut::Gz(flate2::write::GzEncoder::new(
                file,
                flate2::Compression::default(),
            ))
        } else if name.ends_with(".zst") || name.ends_with(".zstd") {
            KeptOut::Zst(zstd::stream::write::Encoder::new(file, 3)?)
        } else {
            KeptOut::Plain(file)
        })
    }

    fn w(&mut self) -> &mut dyn Write {
        match self {
            KeptOut::Plain(w) => w,
            KeptOut::Gz(w) => w,
            KeptOut::Zst(w) => w,
        }
    }

    /// Finishes the stream and puts the file in place.
    fn finish(self) -> std::io::Result<()> {
        let buf = match self {
            KeptOut::Plain(w) => w,
            KeptOut::Gz(w) => w.finish()?,
            KeptOut::Zst(w) => w.finish()?,
        };
        buf.into_inner().map_err(|e| e.into_error())?.commit()
    }
}

fn kept_parquet(
    paths: &[PathBuf],
    cfg: &InputConfig,
    decider: &mut dyn KeepDecider,
    out: &Path,
) -> Result<u64, ReadError> {
    use arrow_array::{Array, BooleanArray, RecordBatch};
    let fail = |e: String| ReadError::Format {
        path: out.into(),
        reason: e,
    };
    // The inputs are read and decoded on a thread of their own while this one decides,
    // filters, encodes and writes (encoding is the larger half: 1M documents, the whole
    // `dedup --write-kept` 15% faster). A few batches in flight bound the memory.
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<(usize, RecordBatch), ReadError>>(4);
        scope.spawn(move || {
            for (i, p) in paths.iter().enumerate() {
                let reader = match crate::read_parquet::open_batches(p) {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                for batch in reader {
                    let item = batch.map(|b| (i, b)).map_err(|e| ReadError::Format {
                        path: p.into(),
                        reason: e.to_string(),
                    });
                    let failed = item.is_err();
                    // The receiver gone (this side failed): stop reading.
                    if tx.send(item).is_err() || failed {
                        return;
                    }
                }
            }
        });
        let mut writer: Option<parquet::arrow::ArrowWriter<AtomicFile>> = None;
        let mut written = 0u64;
        let mut file = usize::MAX;
        let (mut name, mut row, mut text_col) = (String::new(), 0u64, 0usize);
        for item in rx {
            let (i, batch) = item?;
            if i != file {
                file = i;
                name = paths[i].display().to_string();
                row = 0;
                text_col = batch
                    .schema()
                    .index_of(&cfg.text_field)
                    .map_err(|e| fail(e.to_string()))?;
            }
            let texts = crate::read_parquet::text_strings(&batch, text_col);
            let mut keep = Vec::with_capacity(batch.num_rows());
            for r in 0..batch.num_rows() {
                row += 1;
                keep.push(!texts.is_null(r) && decider.keep(&name, row, None)?);
            }
            let mask = BooleanArray::from(keep);
            let kept = arrow_select::filter::filter_record_batch(&batch, &mask)
                .map_err(|e| fail(e.to_string()))?;
            if writer.is_none() {
                let file = AtomicFile::create(out).map_err(|e| ReadError::io(out, e))?;
                let props = parquet::file::properties::WriterProperties::builder()
                    .set_compression(crate::read_parquet::compression_of(&paths[i]))
                    .build();
                writer = Some(
                    parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props))
                        .map_err(|e| fail(e.to_string()))?,
                );
            }
            written += kept.num_rows() as u64;
            writer
                .as_mut()
                .expect("writer")
                .write(&kept)
                .map_err(|e| fail(format!("{e} (inputs must share one schema)")))?;
        }
        if let Some(w) = writer {
            let file = w.into_inner().map_err(|e| fail(e.to_string()))?;
            file.commit().map_err(|e| ReadError::io(out, e))?;
        }
        Ok(written)
    })
}

#[cfg(test)]
mod compression_tests {
    use super::*;
    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    use std::sync::Arc;

    /// Writes one record batch as Parquet with `codec`.
    pub(super) fn write_parquet(
        path: &std::path::Path,
        batch: &RecordBatch,
        codec: parquet::basic::Compression,
    ) {
        let props = parquet::file::properties::WriterProperties::builder()
            .set_compression(codec)
            .build();
        let mut w = parquet::arrow::ArrowWriter::try_new(
            std::fs::File::create(path).unwrap(),
            batch.schema(),
            Some(props),
        )
        .unwrap();
        w.write(batch).unwrap();
        w.close().unwrap();
    }

    #[test]
    fn kept_parquet_keeps_the_input_compression() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.parquet");
        let ids: ArrayRef = Arc::new(StringArray::from(vec!["a", "b"]));
        let texts: ArrayRef = Arc::new(StringArray::from(vec!["one two", "three four"]));
        let batch = RecordBatch::try_from_iter([("id", ids), ("text", texts)]).unwrap();
        write_parquet(&input, &batch, parquet::basic::Compression::SNAPPY);
        let out = dir.path().join("kept.parquet");
        struct FirstRow;
        impl KeepDecider for FirstRow {
            fn keep(&mut self, _: &str, line: u64, _: Option<&str>) -> Result<bool, ReadError> {
                Ok(line == 1)
            }
        }
        let n = write_kept(&[input], &InputConfig::default(), &mut FirstRow, &out).unwrap();
        assert_eq!(n, 1);
        assert_eq!(
            crate::read_parquet::compression_of(&out),
            parquet::basic::Compression::SNAPPY
        );
    }
}

#[cfg(test)]
mod codec_tests {
    use crate::{InputConfig, Inputs};
    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    use std::sync::Arc;

    /// Parquet written with any codec a writer may choose reads back.
    #[test]
    fn parquet_in_every_codec_reads() {
        use parquet::basic::{BrotliLevel, Compression};
        let dir = tempfile::tempdir().unwrap();
        for (name, codec) in [
            ("lz4", Compression::LZ4_RAW),
            ("lz4-hadoop", Compression::LZ4),
            ("brotli", Compression::BROTLI(BrotliLevel::default())),
            ("snappy", Compression::SNAPPY),
        ] {
            let path = dir.path().join(format!("{name}.parquet"));
            let ids: ArrayRef = Arc::new(StringArray::from(vec!["a", "b"]));
            let texts: ArrayRef = Arc::new(StringArray::from(vec!["one two", "three four"]));
            let batch = RecordBatch::try_from_iter([("id", ids), ("text", texts)]).unwrap();
            super::compression_tests::write_parquet(&path, &batch, codec);
            let recs: Vec<_> = Inputs::open(&[path], &InputConfig::default())
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(recs.len(), 2, "{name}");
            assert_eq!(recs[1].text, "three four");
        }
    }
}
