//! Shingles: n-grams of tokens, hashed.

use crate::hash::{sequence_hash, shingle_hash, ShingleRoller};
use crate::span::Span;
use crate::token::for_each_token;

/// What a shingle is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShingleUnit {
    /// n consecutive word tokens (the default).
    #[default]
    Word,
    /// n consecutive characters of the normalized words, with one space between words.
    Char,
}

/// How documents are cut into shingles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShingleConfig {
    /// Tokens per shingle. Default 5 (word 5-grams, as datasketch/text-dedup users expect).
    pub n: usize,
    /// Words or characters. Default words.
    pub unit: ShingleUnit,
}

impl Default for ShingleConfig {
    fn default() -> Self {
        ShingleConfig {
            n: 5,
            unit: ShingleUnit::Word,
        }
    }
}

/// Invalid shingle configuration.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShingleError {
    /// n must be between 1 and 64.
    #[error("shingle size must be between 1 and 64, got {0}")]
    BadSize(usize),
}

/// The fingerprint of one document: everything duplicate detection needs from its text.
#[derive(Debug, Clone, Default)]
pub struct Fingerprint {
    /// Number of tokens.
    pub tokens: usize,
    /// Hash of the whole normalized token sequence; equal for exact duplicates
    /// (same words in the same order, ignoring case, punctuation and spacing).
    pub exact: u64,
    /// Shingle hashes in document order, repeats included (sketches ignore repeats; sort
    /// and dedup for a set). Empty when the document has fewer than `n` tokens.
    pub shingles: Vec<u64>,
    token_buf: Vec<u64>,
}

/// Cuts text into shingles. Built once from a validated [`ShingleConfig`].
#[derive(Debug, Clone)]
pub struct Shingler {
    cfg: ShingleConfig,
}

impl Shingler {
    /// Validates the configuration.
    pub fn new(cfg: ShingleConfig) -> Result<Shingler, ShingleError> {
        if cfg.n == 0 || cfg.n > 64 {
            return Err(ShingleError::BadSize(cfg.n));
        }
        Ok(Shingler { cfg })
    }

    /// The configuration this shingler was built with.
    pub fn config(&self) -> ShingleConfig {
        self.cfg
    }

    fn char_units(&self) -> bool {
        self.cfg.unit == ShingleUnit::Char
    }

    /// Computes the fingerprint of `text` into `out`, reusing its buffers.
    pub fn fingerprint(&self, text: &str, out: &mut Fingerprint) {
        out.token_buf.clear();
        out.shingles.clear();
        let toks = &mut out.token_buf;
        for_each_token(text, self.char_units(), |t| toks.push(t.hash));
        out.tokens = out.token_buf.len();
        out.exact = sequence_hash(&out.token_buf);
        let n = self.cfg.n;
        if out.token_buf.len() >= n {
            out.shingles.reserve(out.token_buf.len() + 1 - n);
            let toks = &out.token_buf;
            let mut roller = ShingleRoller::new(&toks[..n]);
            out.shingles.push(roller.hash());
            for i in n..toks.len() {
                roller.roll(toks[i - n], toks[i]);
                out.shingles.push(roller.hash());
            }
        }
    }

    /// Calls `f(hash, span)` for every shingle in document order (repeats included), where
    /// `span` runs from the first byte of the first token to the last byte of the last.
    pub fn for_each_shingle(&self, text: &str, mut f: impl FnMut(u64, Span)) {
        let n = self.cfg.n;
        let mut hashes: Vec<u64> = Vec::with_capacity(n);
        let mut starts: Vec<u32> = Vec::with_capacity(n);
        let mut window = vec![0u64; n];
        for_each_token(text, self.char_units(), |t| {
            if hashes.len() == n {
                hashes.remove(0);
                starts.remove(0);
            }
            hashes.push(t.hash);
            starts.push(t.span.start);
            if hashes.len() == n {
                window.copy_from_slice(&hashes);
                f(
                    shingle_hash(&window),
                    Span {
                        start: starts[0],
                        end: t.span.end,
                    },
                );
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fp(text: &str) -> Fingerprint {
        let mut f = Fingerprint::default();
        Shingler::new(ShingleConfig::default())
            .unwrap()
            .fingerprint(text, &mut f);
        f
    }

    #[test]
    fn exact_hash_ignores_case_spacing_punctuation() {
        assert_eq!(fp("Hello,  World!\n").exact, fp("hello world").exact);
        assert_ne!(fp("hello world").exact, fp("world hello").exact);
    }

    #[test]
    fn short_documents_have_no_shingles() {
        let f = fp("only four words here");
        assert_eq!(f.tokens, 4);
        assert!(f.shingles.is_empty());
        assert_eq!(fp("").tokens, 0);
    }

    #[test]
    fn rejects_bad_size() {
        assert_eq!(
            Shingler::new(ShingleConfig {
                n: 0,
                ..Default::default()
            })
            .unwrap_err(),
            ShingleError::BadSize(0)
        );
    }

    #[test]
    fn positional_shingles_match_the_set() {
        let text = "a b c d e f g a b c d e";
        let s = Shingler::new(ShingleConfig::default()).unwrap();
        let mut seen = Vec::new();
        s.for_each_shingle(text, |h, span| {
            assert!(span.slice(text).starts_with(char::is_alphanumeric));
            seen.push(h);
        });
        assert_eq!(seen.len(), 8);
        assert_eq!(seen, fp(text).shingles);
    }

    #[test]
    fn char_shingles() {
        let s = Shingler::new(ShingleConfig {
            n: 3,
            unit: ShingleUnit::Char,
        })
        .unwrap();
        let mut f = Fingerprint::default();
        s.fingerprint("abcd", &mut f);
        assert_eq!(f.shingles.len(), 2);
    }

    proptest! {
        #[test]
        fn spans_stay_on_char_boundaries(text in "\\PC{0,80}") {
            let s = Shingler::new(ShingleConfig { n: 2, ..Default::default() }).unwrap();
            s.for_each_shingle(&text, |_, span| {
                assert!(span.end as usize <= text.len());
                assert!(text.is_char_boundary(span.start as usize));
                assert!(text.is_char_boundary(span.end as usize));
            });
        }

        #[test]
        // Scripts and compatibility forms real text has; arbitrary code points include
        // oddities (a Hangzhou numeral whose NFKC form is a Han ideograph) that change
        // token boundaries when normalized, which this property does not claim.
        fn normalization_is_idempotent(text in "[a-zA-Z0-9 .,;'éÉèñßẞçøÅΣσςΑ-Ωα-ωА-Яа-яﬁﬂＡ-Ｚａ-ｚ０-９中文東京はカタカナｶﾀｶﾅภาษาไทย\u{301}\u{308}①²½-]{0,60}") {
            // Normalizing each token and tokenizing the result again gives the same tokens.
            let mut norm = String::new();
            let mut last = None;
            crate::for_each_token(&text, false, |t| {
                // One source character that NFKC expands yields several tokens with one span.
                if last != Some(t.span) {
                    crate::normalize_token(t.span.slice(&text), &mut norm);
                    norm.push(' ');
                }
                last = Some(t.span);
            });
            let mut a = Vec::new();
            let mut b = Vec::new();
            crate::for_each_token(&text, false, |t| a.push(t.hash));
            crate::for_each_token(&norm, false, |t| b.push(t.hash));
            prop_assert_eq!(a, b);
        }
    }
}
