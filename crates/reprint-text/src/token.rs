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
        let start = out.len();
        out.push_str(token);
        out[start..].make_ascii_lowercase();
        return;
    }
    // NFKC can expand a compatibility character into a space plus a mark (U+FE72); only word
    // characters survive, so normalizing twice gives the same tokens.
    let start = out.len();
    for c in token.nfkc().filter(|&c| is_word(c) || is_unspaced(c)) {
        match c {
            'ß' | 'ẞ' => out.push_str("ss"),
            'ς' => out.push('σ'),
            c => out.extend(c.to_lowercase()),
        }
    }
    // Folding can make a sequence NFKC composes (T + ◌̈ has no precomposed form, t + ◌̈ is ẗ):
    // compose once more, as NFKC_Casefold does.
    if out[start..]
        .chars()
        .any(unicode_normalization::char::is_combining_mark)
    {
        let again: String = out[start..].nfkc().collect();
        out.truncate(start);
        out.push_str(&again);
    }
}

/// Calls `f` for every token of `text`, in order.
///
/// `char_units` splits every word into single-character tokens and emits a boundary token
/// (hash of `" "`) between words, for character n-grams.
pub fn for_each_token(text: &str, char_units: bool, f: impl FnMut(Token)) {
    for_each_token_impl(text, char_units, true, f)
}

/// [`for_each_token`] without the ASCII block scanner (benchmarks compare the two).
#[doc(hidden)]
pub fn for_each_token_scalar(text: &str, f: impl FnMut(Token)) {
    for_each_token_impl(text, false, false, f)
}

fn for_each_token_impl(text: &str, char_units: bool, blocks: bool, mut f: impl FnMut(Token)) {
    let bytes = text.as_bytes();
    let mut em = Emitter {
        text,
        char_units,
        buf: String::new(),
        emitted_any: false,
        boundary_pending: false,
        space: token_hash(b" "),
    };
    if !blocks || char_units {
        return scalar_range(&mut em, 0, bytes.len(), &mut f);
    }
    // Most text is ASCII, often with a few other characters (curly quotes, dashes, accented
    // names). ASCII stretches go to the block scanner, 64 bytes at a time; only the words
    // around a non-ASCII character take the scalar path. Every cut lies on an ASCII
    // separator, so no token crosses one.
    let n = bytes.len();
    let mut cur = 0;
    while cur < n {
        let p = if cur == 0 && bytes.is_ascii() {
            n
        } else {
            first_non_ascii(&bytes[cur..]).map_or(n, |k| cur + k)
        };
        // Back up to the start of the word the non-ASCII character is in.
        let mut q = p;
        while p < n && q > cur && BYTE_CLASS[bytes[q - 1] as usize] != SEP {
            q -= 1;
        }
        if q > cur {
            crate::simd::ascii_words(&bytes[cur..q], |s, e, upper| {
                let word = &bytes[cur + s..cur + e];
                f(Token {
                    hash: ascii_word_hash(word, upper),
                    span: Span::new(cur + s, cur + e),
                })
            });
        }
        if p == n {
            break;
        }
        // The scalar path runs to the next ASCII separator after the non-ASCII run.
        let r = bytes[p..]
            .iter()
            .position(|&b| BYTE_CLASS[b as usize] == SEP)
            .map_or(n, |k| p + k);
        scalar_range(&mut em, q, r, &mut f);
        cur = r;
    }
}

/// Position of the first byte ≥ 0x80, eight bytes at a time.
#[inline]
fn first_non_ascii(bytes: &[u8]) -> Option<usize> {
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("8 bytes")) & 0x8080_8080_8080_8080;
        if w != 0 {
            return Some(at + (w.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b >= 0x80)
        .map(|k| at + k)
}

/// The scalar tokenizer over `text[from..to]`; both ends lie outside any word (at the text's
/// ends or at an ASCII separator).
fn scalar_range(em: &mut Emitter<'_>, from: usize, to: usize, f: &mut impl FnMut(Token)) {
    let text = em.text;
    let bytes = text.as_bytes();
    let n = to;
    let mut i = from;
    // Start of a word that began with ASCII and went on into non-ASCII characters.
    let mut start: Option<usize> = None;
    while i < n {
        if start.is_none() {
            // Skip ASCII separators.
            while i < n && BYTE_CLASS[bytes[i] as usize] == SEP {
                i += 1;
                em.boundary_pending = true;
            }
            if i == n {
                break;
            }
            if BYTE_CLASS[bytes[i] as usize] != NON_ASCII {
                // An ASCII run: the common case, scanned in a tight loop.
                let s = i;
                let mut upper = false;
                while i < n {
                    let c = BYTE_CLASS[bytes[i] as usize];
                    if c == LOWER {
                        i += 1;
                    } else if c == UPPER {
                        upper = true;
                        i += 1;
                    } else {
                        break;
                    }
                }
                if i < n && BYTE_CLASS[bytes[i] as usize] == NON_ASCII {
                    // The word goes on with non-ASCII characters: slow path.
                    start = Some(s);
                } else {
                    em.emit_ascii(s, i, upper, f);
                }
                continue;
            }
        }
        if BYTE_CLASS[bytes[i] as usize] != NON_ASCII {
            let c = BYTE_CLASS[bytes[i] as usize];
            if c == SEP {
                if let Some(s) = start.take() {
                    em.emit(s, i, f);
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
                em.emit(s, i, f);
            }
            em.emit_chars(i, i + len, f);
        } else if is_word(c) {
            start.get_or_insert(i);
        } else {
            if let Some(s) = start.take() {
                em.emit(s, i, f);
            }
            em.boundary_pending = true;
        }
        i += len;
    }
    if let Some(s) = start.take() {
        em.emit(s, n, f);
    }
}

/// Hash of an ASCII word, lowercased; `upper` may be true only when it has an uppercase
/// letter.
#[inline]
fn ascii_word_hash(word: &[u8], upper: bool) -> u64 {
    if word.len() <= 16 {
        crate::hash::xxh3_ascii_lower(word)
    } else if upper {
        ascii_token_hash(word)
    } else {
        token_hash(word)
    }
}

/// Hash of an ASCII word, lowercased.
#[inline]
fn ascii_token_hash(word: &[u8]) -> u64 {
    if word.len() <= 64 {
        let mut tmp = [0u8; 64];
        for (t, &b) in tmp.iter_mut().zip(word) {
            *t = b.to_ascii_lowercase();
        }
        token_hash(&tmp[..word.len()])
    } else {
        token_hash(word.to_ascii_lowercase().as_slice())
    }
}

const SEP: u8 = 0;
const LOWER: u8 = 1;
const UPPER: u8 = 2;
const NON_ASCII: u8 = 3;

/// Byte classes: ASCII separator, ASCII word byte (lowercase, digit, `_`), ASCII uppercase,
/// or part of a multi-byte character.
static BYTE_CLASS: [u8; 256] = {
    let mut t = [SEP; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = if b >= 0x80 {
            NON_ASCII
        } else if b.is_ascii_uppercase() {
            UPPER
        } else if ASCII_WORD[i] {
            LOWER
        } else {
            SEP
        };
        i += 1;
    }
    t
};

struct Emitter<'t> {
    text: &'t str,
    char_units: bool,
    buf: String,
    emitted_any: bool,
    boundary_pending: bool,
    space: u64,
}

impl Emitter<'_> {
    /// An all-ASCII word: hashed in place when it has no uppercase letter.
    #[inline]
    fn emit_ascii(&mut self, s: usize, e: usize, upper: bool, f: &mut impl FnMut(Token)) {
        let word = &self.text.as_bytes()[s..e];
        if self.char_units || (upper && word.len() > 64) {
            return self.emit(s, e, f);
        }
        f(Token {
            hash: ascii_word_hash(word, upper),
            span: Span::new(s, e),
        });
        self.emitted_any = true;
        self.boundary_pending = false;
    }

    fn emit(&mut self, s: usize, e: usize, f: &mut impl FnMut(Token)) {
        let word = &self.text[s..e];
        self.buf.clear();
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

    proptest::proptest! {
        #[test]
        fn first_non_ascii_finds_the_first(bytes in proptest::collection::vec(proptest::prop_oneof![0u8..128, 128u8..=255], 0..40)) {
            proptest::prop_assert_eq!(first_non_ascii(&bytes), bytes.iter().position(|&b| b >= 0x80));
        }
    }

    #[test]
    fn ascii_words_and_spans() {
        let text = "MOSCOW, February 1. /TASS/. In a_b";
        assert_eq!(
            words(text),
            ["moscow", "february", "1", "tass", "in", "a_b"]
        );
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
        for_each_token("ＳＴＲＡＳＳＥ ﬁne Straße", false, |t| {
            a.push(t.hash)
        });
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

    /// A plain char-by-char tokenizer: the fast byte scanner must give the same spans.
    fn reference_spans(text: &str) -> Vec<Span> {
        let mut out = Vec::new();
        let mut start = None;
        for (i, c) in text.char_indices() {
            if is_unspaced(c) {
                if let Some(s) = start.take() {
                    out.push(Span::new(s, i));
                }
                out.push(Span::new(i, i + c.len_utf8()));
            } else if is_word(c) {
                start.get_or_insert(i);
            } else if let Some(s) = start.take() {
                out.push(Span::new(s, i));
            }
        }
        if let Some(s) = start {
            out.push(Span::new(s, text.len()));
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn block_and_scalar_paths_hash_alike(text in "([a-zA-Z0-9_ .,!-]|[éß’—€中\u{301}Ａ])*") {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for_each_token(&text, false, |t| a.push(t));
            for_each_token_scalar(&text, |t| b.push(t));
            proptest::prop_assert_eq!(a, b);
        }

        #[test]
        fn fast_scanner_matches_reference(text in "[a-zA-Z0-9_ .,é中\u{301}ß-]{0,40}") {
            let mut spans = Vec::new();
            for_each_token(&text, false, |t| {
                if spans.last() != Some(&t.span) {
                    spans.push(t.span);
                }
            });
            // Words whose normalized form is empty are dropped; the reference keeps them.
            let expected: Vec<Span> = reference_spans(&text)
                .into_iter()
                .filter(|sp| {
                    let mut b = String::new();
                    normalize_token(sp.slice(&text), &mut b);
                    !b.is_empty()
                })
                .collect();
            proptest::prop_assert_eq!(spans, expected);
        }
    }

    #[test]
    fn empty_and_punctuation_only() {
        assert!(words("").is_empty());
        assert!(words(" \n\t--- !!! ...").is_empty());
    }
}
