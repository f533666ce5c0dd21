//! Opening inputs and iterating over their records.

use crate::error::ReadError;
use crate::format::InputFormat;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// How inputs are read.
#[derive(Debug, Clone)]
pub struct InputConfig {
    /// Format override; `Auto` decides per file.
    pub format: InputFormat,
    /// Field (JSONL), column (CSV, Parquet) holding the document id. Default `id`; when
    /// absent the id is `<file name>:<line>`.
    pub id_field: String,
    /// Field or column holding the text. Default `text`; a record without it is an error.
    pub text_field: String,
    /// Records larger than this many bytes are errors. Default 256 MiB.
    pub max_record_bytes: usize,
    /// Keep each record's raw form (for writing the kept corpus back in the input format).
    pub keep_raw: bool,
    /// Leave JSONL lines unparsed: records come with the line as `text` and must go
    /// through [`Record::finish`], which a caller can run on worker threads.
    pub defer_json: bool,
    /// Metadata fields to keep (JSONL); `None` keeps every field. Other fields are still
    /// checked as JSON but never copied: a caller that needs only a date saves the work.
    pub meta_fields: Option<Vec<String>>,
}

impl InputConfig {
    /// Whether metadata field `name` is kept.
    pub fn keeps_meta(&self, name: &str) -> bool {
        self.meta_fields
            .as_ref()
            .is_none_or(|f| f.iter().any(|k| k == name))
    }
}

impl Default for InputConfig {
    fn default() -> Self {
        InputConfig {
            format: InputFormat::Auto,
            id_field: "id".into(),
            text_field: "text".into(),
            max_record_bytes: 256 << 20,
            keep_raw: false,
            defer_json: false,
            meta_fields: None,
        }
    }
}

/// Where a record came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The input file (`-` for standard input).
    pub file: Arc<str>,
    /// 1-based line (JSONL, CSV), row (Parquet), or 1 for a whole text file.
    pub line: u64,
}

/// The raw form of a record, for writing it back unchanged.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    /// A JSONL line without its newline.
    Line(String),
    /// A CSV row's fields.
    CsvRow(Vec<String>),
    /// A whole file (text input): the path to copy.
    File(PathBuf),
    /// A Parquet row.
    ParquetRow,
    /// A JSONL line not parsed yet (see [`InputConfig::defer_json`]); holds the file stem
    /// for default ids.
    Deferred(Arc<str>),
}

/// One document.
#[derive(Debug, Clone)]
pub struct Record {
    /// Document id.
    pub id: String,
    /// Original text.
    pub text: String,
    /// Every other field (title, date, …) as JSON values (JSONL leaves the id field out).
    pub meta: Map<String, Value>,
    /// Where it came from.
    pub loc: Location,
    /// Raw form, when [`InputConfig::keep_raw`] is set.
    pub raw: Option<Raw>,
    /// Where its bytes lie in an uncompressed file, to read it again
    /// ([`crate::Rereader`]); `None` for compressed files, standard input, CSV and Parquet.
    pub origin: Option<crate::Origin>,
}

impl Record {
    /// A metadata field as text: a string as it is, any other value (a number, say) as its
    /// JSON, `None` when absent or null. How a series field (an outlet's name or code) is
    /// read.
    pub fn meta_text(&self, field: &str) -> Option<String> {
        match self.meta.get(field)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    /// Completes a record read with [`InputConfig::defer_json`]: parses its JSON line.
    /// Other records are returned as they are.
    pub fn finish(self, cfg: &InputConfig) -> Result<Record, ReadError> {
        match &self.raw {
            Some(Raw::Deferred(stem)) => {
                let mut r = crate::read_jsonl::parse_line(
                    &self.text,
                    &self.loc.file,
                    self.loc.line,
                    stem,
                    cfg,
                )?;
                r.origin = self.origin;
                Ok(r)
            }
            _ => Ok(self),
        }
    }
}

/// One input to read.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// A file, with the format to read it as and, for text files, the id to give it.
    File {
        path: PathBuf,
        format: InputFormat,
        txt_id: Option<String>,
    },
    /// Standard input.
    Stdin(InputFormat),
}

type RecordIter = Box<dyn Iterator<Item = Result<Record, ReadError>> + Send>;

/// All records of a list of inputs, in order. Directories are walked recursively for `.txt`
/// files in sorted order; `-` is standard input.
pub struct Inputs {
    sources: std::vec::IntoIter<Source>,
    current: Option<RecordIter>,
    cfg: Arc<InputConfig>,
    /// Total size of the input files, for progress (compressed size when compressed).
    pub total_bytes: u64,
    /// Bytes of the input files read so far (compressed bytes when compressed).
    consumed: Arc<AtomicU64>,
}

/// Bytes of input files read so far, shared with the reading thread: a progress bar reads
/// it while the run goes on.
#[derive(Debug, Clone)]
pub struct InputProgress {
    consumed: Arc<AtomicU64>,
    /// Total size of the input files; `None` when unknown (standard input).
    pub total: Option<u64>,
}

impl InputProgress {
    /// Bytes read so far.
    pub fn consumed(&self) -> u64 {
        self.consumed.load(Ordering::Relaxed)
    }
}

/// A reader that adds what it reads to a shared count.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: std::io::Read> std::io::Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl Inputs {
    /// Resolves the inputs (checks they exist, expands directories) without reading them.
    pub fn open(paths: &[PathBuf], cfg: &InputConfig) -> Result<Inputs, ReadError> {
        let mut sources = Vec::new();
        let mut total_bytes = 0;
        for p in paths {
            if p.as_os_str() == "-" {
                let f = match cfg.format {
                    InputFormat::Auto => InputFormat::Jsonl,
                    f => f,
                };
                sources.push(Source::Stdin(f));
                continue;
            }
            let meta = std::fs::metadata(p).map_err(|e| ReadError::io(p, e))?;
            if meta.is_dir() {
                let mut files = Vec::new();
                walk_txt(p, &mut files)?;
                files.sort();
                if files.is_empty() {
                    // No text files: a directory of data shards (JSONL, CSV, Parquet, maybe
                    // compressed), read in name order.
                    let mut shards = Vec::new();
                    walk_shards(p, &mut shards)?;
                    shards.sort();
                    if shards.is_empty() {
                        return Err(ReadError::Format {
                            path: p.clone(),
                            reason: "directory holds no .txt files and no data files \
                                     (.jsonl, .csv, .tsv, .parquet, maybe .gz or .zst)"
                                .into(),
                        });
                    }
                    for f in shards {
                        total_bytes += std::fs::metadata(&f).map(|m| m.len()).unwrap_or(0);
                        let format = match cfg.format {
                            InputFormat::Auto | InputFormat::Txt => InputFormat::detect(&f),
                            f => f,
                        };
                        sources.push(Source::File {
                            path: f,
                            format,
                            txt_id: None,
                        });
                    }
                    continue;
                }
                for f in files {
                    total_bytes += std::fs::metadata(&f).map(|m| m.len()).unwrap_or(0);
                    let rel = f.strip_prefix(p).unwrap_or(&f).with_extension("");
                    let id = rel
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/");
                    sources.push(Source::File {
                        path: f,
                        format: InputFormat::Txt,
                        txt_id: Some(id),
                    });
                }
            } else {
                total_bytes += meta.len();
                let format = match cfg.format {
                    InputFormat::Auto => sniffed(p),
                    f => f,
                };
                sources.push(Source::File {
                    path: p.clone(),
                    format,
                    txt_id: None,
                });
            }
        }
        Ok(Inputs {
            sources: sources.into_iter(),
            current: None,
            cfg: Arc::new(cfg.clone()),
            total_bytes,
            consumed: Arc::default(),
        })
    }

    /// How far reading has come, in bytes of the input files.
    pub fn progress(&self) -> InputProgress {
        let stdin = self
            .sources
            .as_slice()
            .iter()
            .any(|s| matches!(s, Source::Stdin(_)));
        InputProgress {
            consumed: self.consumed.clone(),
            total: (!stdin && self.total_bytes > 0).then_some(self.total_bytes),
        }
    }

    fn open_source(&self, src: Source) -> Result<RecordIter, ReadError> {
        let cfg = self.cfg.clone();
        match src {
            Source::Stdin(format) => {
                let stdin = std::io::stdin();
                let (reader, _) =
                    crate::compress::decompress(stdin).map_err(|e| ReadError::io("-", e))?;
                // The boxed reader borrows nothing: stdin is 'static.
                open_stream(reader, "-".into(), format, cfg, None, None)
            }
            Source::File {
                path,
                format,
                txt_id,
            } => {
                // Only regular files are read: a FIFO would block forever. A file found in a
                // directory that cannot be opened (a dangling link, no permission) is one bad
                // record, which --on-error skip skips and counts; a named input is fatal.
                let unreadable = |reason: String| {
                    if txt_id.is_some() {
                        ReadError::record(&path.display().to_string(), 1, reason)
                    } else {
                        ReadError::Format {
                            path: path.clone(),
                            reason,
                        }
                    }
                };
                match std::fs::metadata(&path) {
                    Ok(m) if m.is_file() => {}
                    Ok(_) => {
                        return Err(unreadable(
                            "not a regular file (a pipe or a device?); reprint reads files".into(),
                        ))
                    }
                    Err(e) => return Err(unreadable(format!("cannot read: {e}"))),
                }
                if format == InputFormat::Parquet {
                    // Row groups are read by offset: the file counts as read when opened.
                    let it = crate::read_parquet::open(&path, cfg)?;
                    if let Ok(m) = std::fs::metadata(&path) {
                        self.consumed.fetch_add(m.len(), Ordering::Relaxed);
                    }
                    return Ok(it);
                }
                let file = std::fs::File::open(&path)
                    .map_err(|e| unreadable(format!("cannot read: {e}")))?;
                let file = Counting {
                    inner: file,
                    count: self.consumed.clone(),
                };
                let (reader, compressed) =
                    crate::compress::decompress(file).map_err(|e| ReadError::io(&path, e))?;
                let id = txt_id.unwrap_or_else(|| file_stem(&path.to_string_lossy()));
                // Only an uncompressed regular file can be read again at an offset.
                let seekable = (!compressed && path.is_file()).then(|| Arc::from(path.as_path()));
                open_stream(
                    reader,
                    path.display().to_string(),
                    format,
                    cfg,
                    Some((path, id)),
                    seekable,
                )
            }
        }
    }
}

fn open_stream(
    reader: Box<dyn std::io::BufRead + Send + 'static>,
    name: String,
    format: InputFormat,
    cfg: Arc<InputConfig>,
    txt: Option<(PathBuf, String)>,
    seekable: Option<Arc<Path>>,
) -> Result<RecordIter, ReadError> {
    let name: Arc<str> = name.into();
    Ok(match format {
        InputFormat::Jsonl | InputFormat::Auto => Box::new(crate::read_jsonl::JsonlReader::new(
            reader, name, cfg, seekable,
        )),
        InputFormat::Csv => Box::new(crate::read_csv::CsvRecords::new(reader, name, cfg)?),
        InputFormat::Txt => {
            let (path, id) = txt.unwrap_or_else(|| (PathBuf::from("-"), "stdin".into()));
            Box::new(std::iter::once(crate::read_txt::read(
                reader, name, path, id, &cfg, seekable,
            )))
        }
        InputFormat::Parquet => {
            return Err(ReadError::Format {
                path: PathBuf::from(&*name),
                reason: "Parquet cannot be read from standard input; pass the file path".into(),
            })
        }
    })
}

pub(crate) fn walk_txt(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ReadError> {
    let entries = std::fs::read_dir(dir).map_err(|e| ReadError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| ReadError::io(dir, e))?;
        let path = entry.path();
        let ft = entry.file_type().map_err(|e| ReadError::io(&path, e))?;
        if ft.is_dir() {
            walk_txt(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "txt") {
            out.push(path);
        }
    }
    Ok(())
}

/// The format a file's name says; a name that says nothing (no `.txt`, no data extension)
/// is sniffed: a file starting with a JSON object is JSON Lines, anything else one text.
pub(crate) fn sniffed(path: &Path) -> InputFormat {
    let by_name = InputFormat::detect(path);
    let named_txt = path
        .to_string_lossy()
        .to_lowercase()
        .trim_end_matches(".gz")
        .trim_end_matches(".zst")
        .ends_with(".txt");
    if by_name != InputFormat::Txt || named_txt || !path.is_file() {
        return by_name;
    }
    let mut head = [0u8; 64];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    let head = &head[..n];
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    match head.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => InputFormat::Jsonl,
        _ => InputFormat::Txt,
    }
}

/// Data files below `dir` (the formats `InputFormat::detect` names, not .txt).
fn walk_shards(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ReadError> {
    for entry in std::fs::read_dir(dir).map_err(|e| ReadError::io(dir, e))? {
        let entry = entry.map_err(|e| ReadError::io(dir, e))?;
        let path = entry.path();
        let ft = entry.file_type().map_err(|e| ReadError::io(&path, e))?;
        if ft.is_dir() {
            walk_shards(&path, out)?;
        } else if InputFormat::detect(&path) != InputFormat::Txt {
            out.push(path);
        }
    }
    Ok(())
}

impl Iterator for Inputs {
    type Item = Result<Record, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(cur) = &mut self.current {
                if let Some(r) = cur.next() {
                    return Some(r);
                }
                self.current = None;
            }
            let src = self.sources.next()?;
            match self.open_source(src) {
                Ok(it) => self.current = Some(it),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// The file name up to its first dot (`a/docs.jsonl.gz` → `docs`): the prefix of default
/// ids (`docs:17`).
pub(crate) fn file_stem(name: &str) -> String {
    Path::new(name)
        .file_name()
        .map(|n| {
            n.to_string_lossy()
                .split('.')
                .next()
                .unwrap_or("")
                .to_string()
        })
        .unwrap_or_default()
}

/// A JSON value as an id string: strings as they are, numbers and others as JSON text.
pub(crate) fn value_to_id(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
