//! Unicode word tokens with spans into the original text.

use crate::hash::token_hash;
use crate::script::{is_unspaced, is_word, ASCII_WORD};
use crate::span::Span;
use unicode_normalization::UnicodeNormalization;

/// One token: the hash of its normalized form and where it sits in the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// [`crate::hash::token_hash`] of the NFKC, case-folded token.
    pub hash: u64,
    /// Byte span in the original text.
    pub span: Span,
}

/// Appends the normalized form of one token (NFKC, then case folding) to `out`.
///
/// Case folding is Unicode lowercase plus the two folds that lowercase lacks
/// (`ß` → `ss`, final `ς` → `σ`), enough to make the usual case variants compare equal.
pub fn normalize_token(token: &str, out: &mut String) {
    if token.is_ascii() {
        out.extend(token.bytes().map(|b| b.to_ascii_lowercase() as char));
        return;
    }
    // NFKC can expand a compatibility character into a space plus a mark (U+FE72); only word
    // characters survive, so normalizing twice gives the same tokens.
    for c in token.nfkc().filter(|&c| is_word(c) || is_unspaced(c)) {
        match c {
            'ß' | 'ẞ' => out.push_str("ss"),
            'ς' => out.push('σ'),
            c => out.extend(c.to_lowercase()),
        }
    }
}

/// Calls `f` for every token of `text`, in order.
///
/// `char_units` splits every word into single-character tokens and emits a boundary token
/// (hash of `" "`) between words, for character n-grams.
pub fn for_each_token(text: &str, char_units: bool, mut f: impl FnMut(Token)) {
    let bytes = text.as_bytes();
    let mut em = Emitter {
        text,
        char_units,
        buf: String::new(),
        emitted_any: false,
        boundary_pending: false,
        space: token_hash(b" "),
    };
    let mut start: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if ASCII_WORD[b as usize] {
                start.get_or_insert(i);
            } else {
                if let Some(s) = start.take() {
                    em.emit(s, i, &mut f);
                }
                em.boundary_pending = true;
            }
            i += 1;
            continue;
        }
        // Multi-byte character: decode it.
        let c = text[i..].chars().next().expect("char boundary");
        let len = c.len_utf8();
        if is_unspaced(c) {
            if let Some(s) = start.take() {
                em.emit(s, i, &mut f);
            }
            em.emit_chars(i, i + len, &mut f);
        } else if is_word(c) {
            start.get_or_insert(i);
        } else {
            if let Some(s) = start.take() {
                em.emit(s, i, &mut f);
            }
            em.boundary_pending = true;
        }
        i += len;
    }
    if let Some(s) = start.take() {
        em.emit(s, bytes.len(), &mut f);
    }
}

struct Emitter<'t> {
    text: &'t str,
    char_units: bool,
    buf: String,
    emitted_any: bool,
    boundary_pending: bool,
    space: u64,
}

impl Emitter<'_> {
    fn emit(&mut self, s: usize, e: usize, f: &mut impl FnMut(Token)) {
        self.buf.clear();
        let word = &self.text[s..e];
        normalize_token(word, &mut self.buf);
        if self.buf.is_empty() {
            return;
        }
        if !self.char_units {
            f(Token {
                hash: token_hash(self.buf.as_bytes()),
                span: Span::new(s, e),
            });
        } else {
            if self.boundary_pending && self.emitted_any {
                f(Token {
                    hash: self.space,
                    span: Span::new(s, s),
                });
            }
            self.split(s, e, f);
        }
        self.emitted_any = true;
        self.boundary_pending = false;
    }

    /// A character of an unspaced script: one token per character of its normalized form
    /// (NFKC may expand one character into several).
    fn emit_chars(&mut self, s: usize, e: usize, f: &mut impl FnMut(Token)) {
        self.buf.clear();
        normalize_token(&self.text[s..e], &mut self.buf);
        self.split(s, e, f);
        self.emitted_any = true;
        self.boundary_pending = false;
    }

    fn split(&self, s: usize, e: usize, f: &mut impl FnMut(Token)) {
        let word = &self.text[s..e];
        {
            // One token per normalized character. Each spans its source character when
            // normalization kept the length, else the whole source word.
            let same_len = word.chars().count() == self.buf.chars().count();
            let mut src = word.char_indices();
            let mut tmp = [0u8; 4];
            for c in self.buf.chars() {
                let span = match (same_len, src.next()) {
                    (true, Some((o, sc))) => Span::new(s + o, s + o + sc.len_utf8()),
                    _ => Span::new(s, e),
                };
                f(Token {
                    hash: token_hash(c.encode_utf8(&mut tmp).as_bytes()),
                    span,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for_each_token(text, false, |t| {
            let mut s = String::new();
            normalize_token(t.span.slice(text), &mut s);
            out.push(s);
        });
        out
    }

    #[test]
    fn ascii_words_and_spans() {
        let text = "MOSCOW, February 1. /TASS/. In a_b";
        assert_eq!(words(text), ["moscow", "february", "1", "tass", "in", "a_b"]);
        let mut spans = Vec::new();
        for_each_token(text, false, |t| spans.push(t.span));
        assert_eq!(spans[0].slice(text), "MOSCOW");
        assert_eq!(spans[3].slice(text), "TASS");
    }

    #[test]
    fn unicode_normalization_and_folding() {
        // Full-width letters and the fi ligature normalize under NFKC; ß folds to ss.
        let mut a = Vec::new();
        let mut b = Vec::new();
        for_each_token("ＳＴＲＡＳＳＥ ﬁne Straße", false, |t| a.push(t.hash));
        for_each_token("strasse fine STRASSE", false, |t| b.push(t.hash));
        assert_eq!(a, b);
        // Composed and decomposed é compare equal and stay one token.
        let mut c = Vec::new();
        let mut d = Vec::new();
        for_each_token("café", false, |t| c.push(t.hash));
        for_each_token("cafe\u{301}", false, |t| d.push(t.hash));
        assert_eq!(c, d);
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn unspaced_scripts_are_split_per_character() {
        assert_eq!(words("東京は晴れ"), ["東", "京", "は", "晴", "れ"]);
        assert_eq!(words("abc中文def"), ["abc", "中", "文", "def"]);
        assert_eq!(words("ภาษาไทย").len(), 7);
    }

    #[test]
    fn char_units_mark_word_boundaries() {
        let mut n = 0;
        for_each_token("ab cd", true, |_| n += 1);
        assert_eq!(n, 5); // a b ␠ c d
    }

    #[test]
    fn empty_and_punctuation_only() {
        assert!(words("").is_empty());
        assert!(words(" \n\t--- !!! ...").is_empty());
    }
}
