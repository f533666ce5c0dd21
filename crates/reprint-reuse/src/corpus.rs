//! The compact token store every later stage reads: 32-bit token hashes, one flat array.

use rayon::prelude::*;
use reprint_text::hash::{combine, fmix64};
use reprint_text::{for_each_token, Span};

/// Documents per storage chunk: chunks are tokenized in parallel and never copied again.
const CHUNK_DOCS: usize = 1024;

/// All documents' tokens as truncated 32-bit hashes, stored back to back in chunks.
///
/// Spans are not kept (they would triple the memory); the few documents that end up in an
/// alignment are tokenized again by [`token_spans`]. 32 bits are plenty: a false match of
/// two words only matters if whole seeds collide, and every alignment is verified.
pub(crate) struct Corpus {
    /// `(tokens, starts)` per chunk of [`CHUNK_DOCS`] documents; a document's tokens are
    /// `tokens[starts[i]..starts[i + 1]]`.
    chunks: Vec<(Vec<u32>, Vec<u32>)>,
    /// A content key per document, independent of its position in the input: ties between
    /// documents are broken by content, so results do not depend on input order.
    keys: Vec<u64>,
}

impl Corpus {
    pub(crate) fn build(texts: &[&str]) -> Corpus {
        let chunks: Vec<(Vec<u32>, Vec<u32>)> = texts
            .par_chunks(CHUNK_DOCS)
            .map(|docs| {
                let bytes: usize = docs.iter().map(|t| t.len()).sum();
                let mut tokens = Vec::with_capacity(bytes / 6);
                let mut starts = Vec::with_capacity(docs.len() + 1);
                starts.push(0);
                for t in docs {
                    for_each_token(t, false, |tok| tokens.push(tok.hash as u32));
                    starts.push(tokens.len() as u32);
                }
                tokens.shrink_to_fit();
                (tokens, starts)
            })
            .collect();
        let mut c = Corpus {
            chunks,
            keys: Vec::new(),
        };
        c.keys = (0..texts.len() as u32)
            .into_par_iter()
            .map(|d| content_key(c.doc(d)))
            .collect();
        c
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    pub(crate) fn total_tokens(&self) -> usize {
        self.chunks.iter().map(|c| c.0.len()).sum()
    }

    pub(crate) fn doc(&self, d: u32) -> &[u32] {
        let (tokens, starts) = &self.chunks[d as usize / CHUNK_DOCS];
        let i = d as usize % CHUNK_DOCS;
        &tokens[starts[i] as usize..starts[i + 1] as usize]
    }

    /// Order key for `d` that does not depend on its index unless two documents have the
    /// same tokens.
    pub(crate) fn order_key(&self, d: u32) -> (u64, usize, u32) {
        (self.keys[d as usize], self.doc(d).len(), d)
    }
}

pub(crate) fn content_key(tokens: &[u32]) -> u64 {
    let mut acc = tokens.len() as u64;
    for &t in tokens {
        acc = combine(acc, t as u64);
    }
    fmix64(acc)
}

/// Hash of one seed: a window of token hashes.
#[inline]
pub(crate) fn seed_hash(window: &[u32]) -> u64 {
    let mut acc = window.len() as u64;
    for &t in window {
        acc = combine(acc, t as u64);
    }
    fmix64(acc)
}

/// Byte spans of every token of `text`, in order (the same tokens [`Corpus::build`] hashed).
pub(crate) fn token_spans(text: &str) -> Vec<Span> {
    let mut v = Vec::with_capacity(text.len() / 5);
    for_each_token(text, false, |tok| v.push(tok.span));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_tokens_per_document() {
        let c = Corpus::build(&["one two three", "", "Four, five!"]);
        assert_eq!(c.len(), 3);
        assert_eq!(c.doc(0).len(), 3);
        assert!(c.doc(1).is_empty());
        assert_eq!(c.doc(2).len(), 2);
        assert_eq!(c.total_tokens(), 5);
        assert_eq!(token_spans("Four, five!").len(), 2);
    }

    #[test]
    fn content_key_ignores_case_and_punctuation() {
        let c = Corpus::build(&["The West, and Kiev", "the west and KIEV."]);
        assert_eq!(c.order_key(0).0, c.order_key(1).0);
        assert!(c.order_key(0) < c.order_key(1));
    }
}
