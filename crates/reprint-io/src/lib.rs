//! Reading documents and writing findings: the IO edge of reprint.
//!
//! Readers turn files into [`Record`]s (id, text, metadata, and where the record came from).
//! Every bad record — invalid JSON, text that is not UTF-8, a missing field, a record over
//! the size limit — is a [`ReadError::Record`] naming the file, line and reason, so the
//! caller can stop or skip and count. IO failures are [`ReadError::Io`] and always stop.
//!
//! ```no_run
//! use reprint_io::{InputConfig, Inputs};
//! let inputs = Inputs::open(&["corpus.jsonl.zst".into()], &InputConfig::default()).unwrap();
//! for record in inputs {
//!     let record = record.unwrap();
//!     println!("{} has {} bytes", record.id, record.text.len());
//! }
//! ```
#![deny(missing_docs)]

pub mod arena;
mod compress;
mod error;
mod format;
mod kept;
mod quiet_panic;
mod read_csv;
mod read_jsonl;
mod read_parquet;
mod read_txt;
mod reader;
pub mod reread;
pub mod safe;
pub mod write;

pub use error::ReadError;
pub use format::InputFormat;
pub use kept::{check_kept, write_kept, KeepDecider};
pub use reader::{InputConfig, InputProgress, Inputs, Location, Record};
pub use reread::{Origin, OriginKind, Rereader};
