//! Reading a record's text a second time, from where the first pass found it.
//!
//! Verification needs the exact shingle sets of the few documents that are candidates, and
//! only after every document has been seen. Keeping every set until then costs about as much
//! memory as the text itself; a record from a regular, uncompressed file instead remembers
//! its byte range ([`Origin`]), and [`Rereader`] reads just those bytes again. Compressed
//! files and standard input cannot be read twice: their records carry no origin.

use crate::error::{utf8_reason, ReadError};
use crate::reader::InputConfig;
use std::fs::File;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// How the bytes of an [`Origin`] are turned back into text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginKind {
    /// One JSONL line (without its line end); the text is its text field.
    JsonlLine,
    /// A whole text file.
    TxtFile,
}

/// Where a record's bytes lie in a regular, uncompressed input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file, shared by all records read from it.
    pub path: Arc<Path>,
    /// What the bytes are.
    pub kind: OriginKind,
    /// Byte offset of the record in the file.
    pub offset: u64,
    /// Length of the record in bytes.
    pub len: u64,
}

struct FileEntry {
    path: Arc<Path>,
    name: Arc<str>,
    kind: OriginKind,
    /// Open handle, for JSONL files (read many times); text files are opened per read so a
    /// tree of a million files never holds a million descriptors.
    handle: OnceLock<File>,
}

#[derive(Clone, Copy)]
struct Slot {
    offset: u64,
    line: u64,
    file: u32,
    len: u32,
}

const NONE: u32 = u32::MAX;

/// The origins of a stream of records, by record number, and the means to read any of them
/// again. Costs 24 bytes per record.
pub struct Rereader {
    cfg: InputConfig,
    files: Vec<FileEntry>,
    slots: Vec<Slot>,
}

impl Rereader {
    /// An empty table; `cfg` must be the configuration the records were read with.
    pub fn new(cfg: &InputConfig) -> Rereader {
        Rereader {
            cfg: cfg.clone(),
            files: Vec::new(),
            slots: Vec::new(),
        }
    }

    /// Appends the next record's origin (`None`: it cannot be read again). `line` is its
    /// line, for error messages. Returns whether the record can be read again.
    pub fn push(&mut self, origin: Option<&Origin>, line: u64) -> bool {
        let slot = match origin {
            Some(o) if o.len <= u32::MAX as u64 => {
                let same = self
                    .files
                    .last()
                    .is_some_and(|f| Arc::ptr_eq(&f.path, &o.path) && f.kind == o.kind);
                if !same {
                    self.files.push(FileEntry {
                        path: o.path.clone(),
                        name: o.path.display().to_string().into(),
                        kind: o.kind,
                        handle: OnceLock::new(),
                    });
                }
                Slot {
                    offset: o.offset,
                    line,
                    file: (self.files.len() - 1) as u32,
                    len: o.len as u32,
                }
            }
            _ => Slot {
                offset: 0,
                line,
                file: NONE,
                len: 0,
            },
        };
        self.slots.push(slot);
        slot.file != NONE
    }

    /// Number of records pushed.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no record was pushed.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Whether record `i` can be read again.
    pub fn has(&self, i: usize) -> bool {
        self.slots[i].file != NONE
    }

    /// Bytes held for the records' places (capacities).
    pub fn memory_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Slot>()
            + self.files.capacity() * std::mem::size_of::<FileEntry>()
    }

    /// The file name and line of record `i` (for error messages), when it has an origin.
    pub fn location(&self, i: usize) -> Option<(&str, u64)> {
        let s = self.slots[i];
        (s.file != NONE).then(|| (&*self.files[s.file as usize].name, s.line))
    }

    /// Reads record `i`'s text again; `None` when it has no origin. Safe to call from many
    /// threads at once.
    pub fn text(&self, i: usize) -> Result<Option<String>, ReadError> {
        let s = self.slots[i];
        if s.file == NONE {
            return Ok(None);
        }
        let f = &self.files[s.file as usize];
        let mut bytes = vec![0u8; s.len as usize];
        let read = |file: &File, bytes: &mut [u8]| {
            use std::os::unix::fs::FileExt;
            file.read_exact_at(bytes, s.offset)
                .map_err(|e| ReadError::io(&*f.path, e))
        };
        match f.kind {
            OriginKind::JsonlLine => {
                let handle = match f.handle.get() {
                    Some(h) => h,
                    None => {
                        let h = File::open(&f.path).map_err(|e| ReadError::io(&*f.path, e))?;
                        f.handle.get_or_init(|| h)
                    }
                };
                read(handle, &mut bytes)?;
            }
            OriginKind::TxtFile => {
                let h = File::open(&f.path).map_err(|e| ReadError::io(&*f.path, e))?;
                read(&h, &mut bytes)?;
            }
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            let (_, reason) = utf8_reason(e.as_bytes(), e.utf8_error());
            changed(&f.name, s.line, &reason)
        })?;
        match f.kind {
            OriginKind::TxtFile => Ok(Some(text)),
            OriginKind::JsonlLine => {
                let rec = crate::read_jsonl::parse_line(&text, &f.name, s.line, "", &self.cfg)
                    .map_err(|e| match e {
                        ReadError::Record { reason, .. } => changed(&f.name, s.line, &reason),
                        other => other,
                    })?;
                Ok(Some(rec.text))
            }
        }
    }
}

/// The error for a record that no longer reads as it did.
pub fn changed(file: &str, line: u64, detail: &str) -> ReadError {
    ReadError::record(
        file,
        line,
        format!("the file changed while reprint was reading it ({detail}); run again on a file that stays unchanged"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{InputConfig, Inputs};

    #[test]
    fn rereads_jsonl_lines_and_text_files() {
        let dir = tempfile::tempdir().unwrap();
        let jsonl = dir.path().join("a.jsonl");
        std::fs::write(
            &jsonl,
            "{\"id\":1,\"text\":\"first \\u00e9 line\"}\r\n\n{\"id\":2,\"text\":\"second\"}\n{\"id\":3,\"text\":\"no newline\"}",
        )
        .unwrap();
        let tree = dir.path().join("tree");
        std::fs::create_dir(&tree).unwrap();
        std::fs::write(tree.join("x.txt"), "a whole file\nof text").unwrap();
        let gz = dir.path().join("c.jsonl.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut enc, b"{\"text\":\"zipped\"}\n").unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();

        for defer_json in [false, true] {
            let cfg = InputConfig {
                defer_json,
                ..Default::default()
            };
            let mut re = Rereader::new(&cfg);
            let mut texts = Vec::new();
            for r in Inputs::open(&[jsonl.clone(), tree.clone(), gz.clone()], &cfg).unwrap() {
                let r = r.unwrap().finish(&cfg).unwrap();
                re.push(r.origin.as_ref(), r.loc.line);
                texts.push(r.text);
            }
            assert_eq!(re.len(), 5);
            for (i, t) in texts.iter().enumerate().take(4) {
                assert_eq!(
                    re.text(i).unwrap().as_deref(),
                    Some(t.as_str()),
                    "record {i}"
                );
            }
            // Compressed input cannot be read twice.
            assert!(!re.has(4));
            assert_eq!(re.text(4).unwrap(), None);
        }
    }

    #[test]
    fn a_changed_file_is_an_error_naming_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let jsonl = dir.path().join("a.jsonl");
        std::fs::write(&jsonl, "{\"text\":\"one\"}\n{\"text\":\"two\"}\n").unwrap();
        let cfg = InputConfig::default();
        let mut re = Rereader::new(&cfg);
        for r in Inputs::open(std::slice::from_ref(&jsonl), &cfg).unwrap() {
            let r = r.unwrap();
            re.push(r.origin.as_ref(), r.loc.line);
        }
        std::fs::write(&jsonl, "{\"text\":\"ONE\"}\n[\"text\",\"two\"]\n").unwrap();
        let e = re.text(1).unwrap_err().to_string();
        assert!(e.contains("a.jsonl:2: the file changed"), "{e}");
        std::fs::write(&jsonl, "short").unwrap();
        assert!(re.text(1).is_err());
    }
}
