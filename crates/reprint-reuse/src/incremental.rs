//! The pieces of [`crate::find_reuse`] one document at a time, for an index that grows:
//! a document's tokens, its content key and seeds (to post and look up), the alignment of
//! one pair of texts, and the grouping of a few alignments into passages.
//!
//! Alignments come out exactly as [`crate::find_reuse`] would give them for the same pair:
//! the same tokens, the same orientation by content, the same byte spans.

use crate::corpus::{content_key, seed_hash, token_spans, tokenize_into};
use crate::{align::align_pair, Alignment, DocRef, Passage, ReuseConfig, Span};

/// A document as the reuse level sees it: its token hashes and content key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocTokens {
    /// 32-bit token hashes, in order.
    pub tokens: Vec<u32>,
    /// Content key: ties between documents are broken by content, never by position.
    pub key: u64,
}

impl DocTokens {
    /// Tokenizes `text`.
    pub fn of(text: &str) -> DocTokens {
        let mut tokens = Vec::with_capacity(text.len() / 6);
        tokenize_into(text, &mut tokens);
        let key = content_key(&tokens);
        DocTokens { tokens, key }
    }

    /// The order a chain of documents sharing a frequent seed follows (as in the batch).
    pub fn order(&self, doc: u32) -> (u64, usize, u32) {
        (self.key, self.tokens.len(), doc)
    }

    /// Distinct seed hashes (word `seed_n`-grams), sorted.
    pub fn seeds(&self, seed_n: usize) -> Vec<u64> {
        if self.tokens.len() < seed_n {
            return Vec::new();
        }
        let mut v: Vec<u64> = self.tokens.windows(seed_n).map(seed_hash).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// Aligns documents `x` and `y` (`x < y`, numbered as the caller likes) from their texts
/// and tokens; alignments carry byte spans into both texts and `passage` 0.
pub fn align_docs(
    (x, x_text, x_tok): (u32, &str, &DocTokens),
    (y, y_text, y_tok): (u32, &str, &DocTokens),
    cfg: &ReuseConfig,
) -> Vec<Alignment> {
    let flip = y_tok.order(y) < x_tok.order(x);
    let mut als = if flip {
        align_pair(&y_tok.tokens, &x_tok.tokens, cfg)
    } else {
        align_pair(&x_tok.tokens, &y_tok.tokens, cfg)
    };
    if als.is_empty() {
        return Vec::new();
    }
    if flip {
        als.iter_mut().for_each(|t| *t = t.mirrored());
    }
    let (xs, ys) = (token_spans(x_text), token_spans(y_text));
    let mut out: Vec<Alignment> = als
        .iter()
        .map(|t| {
            let longer = (t.a1 - t.a0).max(t.b1 - t.b0);
            Alignment {
                a: x,
                b: y,
                a_span: Span {
                    start: xs[t.a0 as usize].start,
                    end: xs[t.a1 as usize - 1].end,
                },
                b_span: Span {
                    start: ys[t.b0 as usize].start,
                    end: ys[t.b1 as usize - 1].end,
                },
                identity: t.matched as f64 / longer as f64,
                matched_tokens: t.matched,
                passage: 0,
            }
        })
        .collect();
    out.sort_unstable_by_key(|p| (p.a_span, p.b_span));
    out
}

/// Groups `alignments` (documents numbered as indices into `docs`) into passages and sets
/// each alignment's `passage`, as [`crate::find_reuse`] does for a whole collection.
pub fn group_passages(
    alignments: &mut [Alignment],
    docs: &[DocRef<'_>],
    cfg: &ReuseConfig,
) -> Vec<Passage> {
    alignments.sort_unstable_by(|x, y| {
        (x.a, x.b, x.a_span, x.b_span).cmp(&(y.a, y.b, y.a_span, y.b_span))
    });
    let dates: Vec<Option<i64>> = docs.iter().map(|d| d.date).collect();
    crate::passages::group(alignments, &dates, cfg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::find_reuse;

    #[test]
    fn one_pair_aligns_as_in_the_batch() {
        let para = "The West and Kiev have recently been echoing allegations about Russia's \
                    potential invasion of Ukraine, which Moscow has repeatedly denied.";
        let a = format!("Monday news. {para} Other words follow here.");
        let b = format!("Tuesday: {}", para.replace("echoing", "spreading"));
        let docs = [DocRef::undated(&a), DocRef::undated(&b)];
        let batch = find_reuse(&docs, &ReuseConfig::default()).unwrap();
        let (ta, tb) = (DocTokens::of(&a), DocTokens::of(&b));
        let mut got = align_docs((0, &a, &ta), (1, &b, &tb), &ReuseConfig::default());
        let passages = group_passages(&mut got, &docs, &ReuseConfig::default());
        assert_eq!(got, batch.alignments);
        assert_eq!(passages, batch.passages);
        assert!(!ta.seeds(5).is_empty());
    }
}
