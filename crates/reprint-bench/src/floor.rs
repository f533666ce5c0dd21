//! The performance floor: what it costs just to get every token of every document hashed.
//!
//! A dedup run must at least parse each JSONL line and tokenize + hash its text; the floor does
//! exactly that and nothing more (no shingles, no sketches, no index), single-threaded. The
//! ratio `reprint / floor` says how much of reprint's time goes to the work beyond that.

use serde::Deserialize;
use std::borrow::Cow;

/// Totals of one floor run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FloorStats {
    /// Documents seen.
    pub docs: u64,
    /// UTF-8 bytes of their text fields.
    pub text_bytes: u64,
    /// Tokens produced.
    pub tokens: u64,
    /// XOR of all token hashes, so the work cannot be optimized away.
    pub sink: u64,
}

#[derive(Deserialize)]
struct Doc<'a> {
    #[serde(borrow, default)]
    text: Option<Cow<'a, str>>,
}

impl FloorStats {
    /// Parses one JSONL line, tokenizes and hashes its `text` field.
    ///
    /// Blank lines are skipped; a document without `text` counts as empty.
    pub fn add_line(&mut self, line: &[u8]) -> Result<(), serde_json::Error> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let doc: Doc<'_> = serde_json::from_slice(line)?;
        self.add_text(doc.text.as_deref().unwrap_or(""));
        Ok(())
    }

    /// Tokenizes and hashes one text.
    pub fn add_text(&mut self, text: &str) {
        self.docs += 1;
        self.text_bytes += text.len() as u64;
        let (mut tokens, mut sink) = (0u64, 0u64);
        reprint_text::for_each_token(text, false, |t| {
            tokens += 1;
            sink ^= t.hash;
        });
        self.tokens += tokens;
        self.sink ^= sink;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_tokens_and_bytes() {
        let mut s = FloorStats::default();
        s.add_line(br#"{"id":"a","text":"One two, three.\nFour"}"#)
            .unwrap();
        s.add_line(b"  ").unwrap();
        s.add_line(br#"{"id":"b"}"#).unwrap();
        assert_eq!((s.docs, s.tokens, s.text_bytes), (2, 4, 20));
        assert_ne!(s.sink, 0);
        assert!(s.add_line(b"{not json").is_err());
    }
}
