//! The token store alignment reads (32-bit token hashes of the documents in candidate
//! pairs, one flat array per chunk) and the order keys of every document.

use rayon::prelude::*;
use reprint_text::hash::{combine, fmix64};
use reprint_text::{for_each_token, Span};

/// Documents per storage chunk: chunks are tokenized in parallel and never copied again.
const CHUNK_DOCS: usize = 1024;

/// Some documents' tokens as truncated 32-bit hashes, stored back to back in chunks: only
/// the documents of candidate pairs are kept, the candidate walk tokenizes every document
/// and keeps nothing but its seeds and [`OrderKeys`].
///
/// Spans are not kept (they would triple the memory); the few documents that end up in an
/// alignment are tokenized again by [`token_spans`]. 32 bits are plenty: a false match of
/// two words only matters if whole seeds collide, and every alignment is verified.
pub(crate) struct Corpus {
    /// The documents held, sorted.
    docs: Vec<u32>,
    /// `(tokens, starts)` per chunk of [`CHUNK_DOCS`] held documents; the `i`-th held
    /// document's tokens are `tokens[starts[i]..starts[i + 1]]` of its chunk.
    chunks: Vec<(Vec<u32>, Vec<u32>)>,
}

impl Corpus {
    /// Tokenizes the documents `docs` (sorted, distinct) of `texts`.
    pub(crate) fn build<T: crate::Texts + ?Sized>(texts: &T, docs: Vec<u32>) -> Corpus {
        debug_assert!(docs.windows(2).all(|w| w[0] < w[1]));
        let chunks: Vec<(Vec<u32>, Vec<u32>)> = docs
            .par_chunks(CHUNK_DOCS)
            .map(|ids| {
                let bytes: usize = ids.iter().map(|&d| texts.text_len(d as usize)).sum();
                let mut tokens = Vec::with_capacity(bytes / 6);
                let mut starts = Vec::with_capacity(ids.len() + 1);
                starts.push(0);
                for &d in ids {
                    tokenize_into(&texts.text(d as usize), &mut tokens);
                    starts.push(tokens.len() as u32);
                }
                tokens.shrink_to_fit();
                (tokens, starts)
            })
            .collect();
        Corpus { docs, chunks }
    }

    /// The tokens of `d`, which must be one of the documents held.
    pub(crate) fn doc(&self, d: u32) -> &[u32] {
        let slot = self
            .docs
            .binary_search(&d)
            .expect("a document of a candidate pair");
        let (tokens, starts) = &self.chunks[slot / CHUNK_DOCS];
        let i = slot % CHUNK_DOCS;
        &tokens[starts[i] as usize..starts[i + 1] as usize]
    }
}

/// Appends the 32-bit token hashes of `text` to `out`.
pub(crate) fn tokenize_into(text: &str, out: &mut Vec<u32>) {
    for_each_token(text, false, |tok| out.push(tok.hash as u32));
}

/// Every document's content key and length in tokens: ties between documents are broken by
/// content, so results do not depend on input order.
#[derive(Debug, Default)]
pub(crate) struct OrderKeys {
    pub(crate) keys: Vec<u64>,
    pub(crate) lens: Vec<u32>,
}

impl OrderKeys {
    /// Order key for `d` that does not depend on its index unless two documents have the
    /// same tokens.
    pub(crate) fn get(&self, d: u32) -> (u64, usize, u32) {
        (self.keys[d as usize], self.lens[d as usize] as usize, d)
    }

    /// Tokens in all documents.
    pub(crate) fn total_tokens(&self) -> u64 {
        self.lens.iter().map(|&l| l as u64).sum()
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
    fn stores_tokens_of_the_documents_asked_for() {
        let texts = ["one two three", "", "Four, five!", "six"];
        let c = Corpus::build(&texts[..], vec![0, 1, 2]);
        assert_eq!(c.doc(0).len(), 3);
        assert!(c.doc(1).is_empty());
        assert_eq!(c.doc(2).len(), 2);
        assert_eq!(token_spans("Four, five!").len(), 2);
        let many: Vec<String> = (0..3000).map(|i| format!("w{i} x y")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let c = Corpus::build(&many[..], (0..3000).step_by(2).collect());
        let mut want = Vec::new();
        tokenize_into("w2998 x y", &mut want);
        assert_eq!(c.doc(2998), &want[..]);
    }

    #[test]
    fn content_key_ignores_case_and_punctuation() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        tokenize_into("The West, and Kiev", &mut a);
        tokenize_into("the west and KIEV.", &mut b);
        let keys = OrderKeys {
            keys: vec![content_key(&a), content_key(&b)],
            lens: vec![a.len() as u32, b.len() as u32],
        };
        assert_eq!(keys.get(0).0, keys.get(1).0);
        assert!(keys.get(0) < keys.get(1));
        assert_eq!(keys.total_tokens(), 8);
    }
}
