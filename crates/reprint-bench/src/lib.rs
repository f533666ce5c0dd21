//! Benchmark support for reprint.
//!
//! * [`corpus`]: a deterministic generator of news-sized, English-like documents with a known
//!   share of exact and near duplicates (the `gen-corpus` binary writes it as JSONL).
//! * [`floor`]: the performance floor every dedup run is compared against — parse each JSONL
//!   line and tokenize + hash its text, nothing else (the `floor` binary).
//!
//! Both are pure: they take values and return values; the binaries do the IO.
//!
//! ```
//! use reprint_bench::corpus::{CorpusConfig, Generator};
//! let gen = Generator::new(CorpusConfig { docs: 10, ..CorpusConfig::default() }).unwrap();
//! let mut text = String::new();
//! gen.document(3, &mut text);
//! assert!(text.len() > 100);
//! ```
#![deny(missing_docs)]

pub mod corpus;
pub mod floor;
pub mod ngram;
mod rng;
