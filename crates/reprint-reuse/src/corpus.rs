//! The compact token store every later stage reads: 32-bit token hashes, one flat array.

use rayon::prelude::*;
use reprint_text::hash::{combine, fmix64};
use reprint_text::{for_each_token, Span};

/// All documents' tokens as truncated 32-bit hashes, stored back to back.
///
/// Spans are not kept (they would triple the memory); the few documents that end up in an
/// alignment are tokenized again by [`token_spans`].
pub(crate) struct Corpus {
    tokens: Vec<u32>,
    /// `starts[d]..starts[d + 1]` are document `d`'s tokens.
    starts: Vec<usize>,
    /// A content key per document, independent of its position in the input: ties between
    /// documents are broken by content, so results do not depend on input order.
    keys: Vec<u64>,
}

impl Corpus {
    pub(crate) fn build(texts: &[&str]) -> Corpus {
        let per_doc: Vec<Vec<u32>> = texts
            .par_iter()
            .map(|t| {
                let mut v = Vec::with_capacity(t.len() / 5);
                for_each_token(t, false, |tok| v.push(tok.hash as u32));
                v
            })
            .collect();
        let total = per_doc.iter().map(Vec::len).sum();
        let mut tokens = Vec::with_capacity(total);
        let mut starts = Vec::with_capacity(per_doc.len() + 1);
        starts.push(0);
        for v in &per_doc {
            tokens.extend_from_slice(v);
            starts.push(tokens.len());
        }
        drop(per_doc);
        let keys = (0..texts.len())
            .into_par_iter()
            .map(|d| content_key(&tokens[starts[d]..starts[d + 1]]))
            .collect();
        Corpus {
            tokens,
            starts,
            keys,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    pub(crate) fn total_tokens(&self) -> usize {
        self.tokens.len()
    }

    pub(crate) fn doc(&self, d: u32) -> &[u32] {
        let d = d as usize;
        &self.tokens[self.starts[d]..self.starts[d + 1]]
    }

    /// Order key for `d` that does not depend on its index unless two documents have the
    /// same tokens.
    pub(crate) fn order_key(&self, d: u32) -> (u64, usize, u32) {
        (self.keys[d as usize], self.doc(d).len(), d)
    }
}

fn content_key(tokens: &[u32]) -> u64 {
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
