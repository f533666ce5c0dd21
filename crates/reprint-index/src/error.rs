//! Why an index operation failed.

use super::*;

/// Why an index operation failed. Nothing of a failed batch is stored.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The path holds no index.
    #[error("{path} is not a reprint index: {detail}")]
    NotAnIndex {
        /// The directory or file.
        path: String,
        /// What is missing or wrong.
        detail: String,
    },
    /// An index of another format version.
    #[error("{path} is a reprint index of format version {found}; this reprint reads versions {FORMATS_READ:?}")]
    Version {
        /// The directory.
        path: String,
        /// The version found.
        found: u32,
    },
    /// The directory already holds something.
    #[error("{path} already exists and is not empty; choose a new directory for the index")]
    Exists {
        /// The directory.
        path: String,
    },
    /// A call asked for other settings than the index was created with.
    #[error("the index was created with {setting} = {stored}, this call asks for {asked}; fingerprints made with other settings cannot be compared (create a new index for them)")]
    Settings {
        /// The setting.
        setting: String,
        /// What the index has.
        stored: String,
        /// What was asked.
        asked: String,
    },
    /// A document id is already indexed (and replacing was not asked for).
    #[error("document id {id:?} is already in the index (ask to replace it, or remove it first)")]
    Duplicate {
        /// The id.
        id: String,
    },
    /// A document id is not in the index.
    #[error("document id {id:?} is not in the index")]
    Missing {
        /// The id.
        id: String,
    },
    /// A setting is out of range.
    #[error("invalid setting: {0}")]
    Config(#[from] reprint_engine::ConfigError),
    /// The store's content is damaged.
    #[error("the index is corrupted: {detail}")]
    Corrupted {
        /// What was found damaged.
        detail: String,
    },
    /// The embedded store failed.
    #[error("index store: {0}")]
    Store(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A document is too large for the index (texts over 4,000 MiB).
    #[error("document {id:?} is {bytes} bytes; the index takes texts up to 4,000 MiB")]
    TooLarge {
        /// Its id.
        id: String,
        /// Its size.
        bytes: usize,
    },
}

macro_rules! store_error {
    ($($t:ty),*) => {$(
        impl From<$t> for IndexError {
            fn from(e: $t) -> IndexError {
                classify(e.to_string())
            }
        }
    )*};
}
store_error!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// redb reports damaged pages as storage errors; say "corrupted" for them.
fn classify(msg: String) -> IndexError {
    let lower = msg.to_lowercase();
    if lower.contains("already open") {
        return IndexError::Store(format!(
            "{msg}: another process (or handle) has this index open; one at a time"
        ));
    }
    if lower.contains("corrupt") || lower.contains("checksum") || lower.contains("invalid") {
        IndexError::Corrupted { detail: msg }
    } else {
        IndexError::Store(msg)
    }
}
