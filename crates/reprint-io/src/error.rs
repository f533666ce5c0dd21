use std::path::PathBuf;

/// A reading failure, with the place it happened.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// One record is bad; the rest of the input can still be read.
    #[error("{file}:{line}: {reason}")]
    Record {
        /// Input file (`-` for standard input).
        file: String,
        /// 1-based line (JSONL, CSV, txt) or row (Parquet).
        line: u64,
        /// What is wrong, in words a user can act on.
        reason: String,
    },
    /// The input cannot be read at all.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The input is not in a format reprint can read.
    #[error("{}: {reason}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl ReadError {
    /// Whether the error concerns one record only (skippable).
    pub fn is_record(&self) -> bool {
        matches!(self, ReadError::Record { .. })
    }

    pub(crate) fn record(file: &str, line: u64, reason: impl Into<String>) -> ReadError {
        ReadError::Record {
            file: file.to_string(),
            line,
            reason: reason.into(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> ReadError {
        ReadError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Describes where invalid UTF-8 starts: line and byte within the input.
pub(crate) fn utf8_reason(bytes: &[u8], err: std::str::Utf8Error) -> (u64, String) {
    let at = err.valid_up_to();
    let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
    (
        line,
        format!("text is not valid UTF-8 (invalid byte 0x{:02x} at byte offset {at}); convert the file to UTF-8", bytes[at]),
    )
}
