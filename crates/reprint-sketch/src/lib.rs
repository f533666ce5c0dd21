//! Sketches that estimate Jaccard similarity, and the LSH banding that turns them into
//! candidate pairs.
//!
//! The default sketch is **one-permutation hashing with optimal densification**
//! (Li, Owen & Zhang 2012; Shrivastava 2017): every shingle hash is looked at once, sent to
//! one of `k` bins by its high bits and kept if it is the smallest there; empty bins borrow
//! from a non-empty bin chosen by a fixed hash sequence. It estimates Jaccard like
//! `k`-permutation MinHash (unbiased, similar variance) at `1/k` of the cost. Classic
//! MinHash is kept as [`SketchKind::MinHash`], the reference the tests compare against.
//!
//! ```
//! use reprint_sketch::{Sketcher, SketchConfig, estimate_jaccard};
//! let s = Sketcher::new(SketchConfig::default()).unwrap();
//! let a: Vec<u64> = (0..1000u64).map(reprint_text::hash::fmix64).collect();
//! let b: Vec<u64> = (200..1200u64).map(reprint_text::hash::fmix64).collect();
//! let (sa, sb) = (s.sign(&a), s.sign(&b));
//! let est = estimate_jaccard(&sa, &sb);
//! assert!((est - 800.0 / 1200.0).abs() < 0.15);
//! ```
#![deny(missing_docs)]

mod lsh;
mod sketch;

pub use lsh::{LshError, LshParams};
pub use sketch::{estimate_jaccard, SketchConfig, SketchError, SketchKind, Sketcher, EMPTY_SLOT};
