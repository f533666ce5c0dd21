//! Text normalization, tokenization and shingling for reprint.
//!
//! Everything here is pure: it takes `&str` and returns hashes and byte spans into the
//! ORIGINAL text. No IO, no clock, no threads.
//!
//! * Tokens are Unicode word tokens: maximal runs of alphanumeric characters, combining
//!   marks and `_` (close to Python's `\w+`, which the ground truth of our dev corpora uses).
//!   Each token is NFKC-normalized and case-folded on its own, so token spans always map
//!   back to the original bytes.
//! * Scripts written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar)
//!   yield one token per character, so word n-grams over them are character n-grams.
//! * Shingles are n-grams of token hashes (word 5-grams by default), each hashed to a
//!   stable, specified 64-bit value (see [`hash`]).
//!
//! ```
//! use reprint_text::{Shingler, ShingleConfig};
//! let shingler = Shingler::new(ShingleConfig::default()).unwrap();
//! let mut out = reprint_text::Fingerprint::default();
//! shingler.fingerprint("One two three four five six.", &mut out);
//! assert_eq!(out.tokens, 6);
//! assert_eq!(out.shingles.len(), 2); // two word 5-grams
//! ```
#![deny(missing_docs)]

pub mod date;
pub mod graph;
pub mod hash;
mod script;
mod shingle;
mod simd;
mod span;
mod token;

pub use graph::{bucket_edges, UnionFind};
pub use shingle::{Fingerprint, ShingleConfig, ShingleError, ShingleUnit, Shingler};
pub use span::Span;
pub use token::{for_each_token, for_each_token_scalar, normalize_token, Token};
