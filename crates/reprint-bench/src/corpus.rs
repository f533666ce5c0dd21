//! Deterministic synthetic news corpus with a known share of exact and near duplicates.
//!
//! Document `i` depends only on `(seed, i)`, so any document can be regenerated on its own and
//! generation can run on any number of threads with byte-identical output.
//!
//! * Words come from a fixed vocabulary of ~4,000 English words (the most frequent lower-case
//!   words of the BBC News dev corpus, in rank order) drawn with Zipf probabilities
//!   `p(rank) ∝ 1 / (rank + 2.7)`, grouped into sentences (6–28 words, a capital, commas, a
//!   period) and paragraphs (2–6 sentences) until the document reaches its byte budget
//!   (uniform in 0.5–1.5 × `doc_bytes`).
//! * A share `dup_rate` of the documents are copies of an earlier original document:
//!   `exact_share` of them verbatim, the rest *near copies* whose word 5-gram Jaccard with the
//!   original is aimed uniformly at 0.80–0.95 (word substitutions, insertions and deletions,
//!   and half of the time an added headline).

use crate::rng::Rng;

const VOCAB: &str = include_str!("vocab.txt");
/// Resolution of the Zipf lookup table (one `u16` word index per slot).
const TABLE_BITS: u32 = 18;
/// Zipf–Mandelbrot offset: flattens the head the way real English text does.
const ZIPF_Q: f64 = 2.7;
/// Word 5-grams: the shingle size the near-copy edit budget is computed for.
const SHINGLE: usize = 5;

/// What to generate.
#[derive(Clone, Debug)]
pub struct CorpusConfig {
    /// Number of documents.
    pub docs: u64,
    /// Master seed; the same seed gives the same corpus.
    pub seed: u64,
    /// Mean size of a document's text in bytes (actual sizes are uniform in 0.5–1.5 ×).
    pub doc_bytes: usize,
    /// Fraction of documents that copy an earlier document (exact or near copy).
    pub dup_rate: f64,
    /// Fraction of the copies that are exact; the rest are near copies.
    pub exact_share: f64,
    /// Target word 5-gram Jaccard range of near copies against their source.
    pub near_jaccard: (f64, f64),
}

impl Default for CorpusConfig {
    fn default() -> Self {
        CorpusConfig {
            docs: 1_000_000,
            seed: 42,
            doc_bytes: 3_000,
            dup_rate: 0.10,
            exact_share: 0.5,
            near_jaccard: (0.80, 0.95),
        }
    }
}

/// How document `i` came about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocKind {
    /// Fresh text.
    Original,
    /// Verbatim copy of the original document `source`.
    Exact {
        /// Index of the copied document.
        source: u64,
    },
    /// Edited copy of the original document `source`.
    Near {
        /// Index of the copied document.
        source: u64,
    },
}

impl DocKind {
    /// The copied document, if any.
    pub fn source(self) -> Option<u64> {
        match self {
            DocKind::Original => None,
            DocKind::Exact { source } | DocKind::Near { source } => Some(source),
        }
    }

    /// Short name: `original`, `exact` or `near`.
    pub fn name(self) -> &'static str {
        match self {
            DocKind::Original => "original",
            DocKind::Exact { .. } => "exact",
            DocKind::Near { .. } => "near",
        }
    }
}

/// Invalid [`CorpusConfig`].
#[derive(Debug)]
pub struct ConfigError(String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

const CAP: u8 = 1;
const COMMA: u8 = 2;
const PERIOD: u8 = 4;
const PARA: u8 = 8;

/// One word of a document before rendering: a vocabulary index and punctuation flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Word {
    idx: u16,
    flags: u8,
}

// Streams of the per-document generators, so kind, content and edits never share draws.
const STREAM_KIND: u64 = 1 << 62;
const STREAM_EDIT: u64 = 2 << 62;

/// The generator: vocabulary and Zipf table, built once.
pub struct Generator {
    cfg: CorpusConfig,
    vocab: Vec<&'static str>,
    table: Vec<u16>,
}

impl Generator {
    /// Validates `cfg` and builds the sampling table.
    pub fn new(cfg: CorpusConfig) -> Result<Self, ConfigError> {
        let unit = |x: f64| (0.0..=1.0).contains(&x);
        if !unit(cfg.dup_rate) || !unit(cfg.exact_share) {
            return Err(ConfigError(
                "dup-rate and exact-share must be within 0..=1".into(),
            ));
        }
        let (lo, hi) = cfg.near_jaccard;
        if !(0.0 < lo && lo <= hi && hi < 1.0) {
            return Err(ConfigError(
                "near-copy jaccard range must satisfy 0 < lo <= hi < 1".into(),
            ));
        }
        if cfg.doc_bytes < 50 {
            return Err(ConfigError("doc-bytes must be at least 50".into()));
        }
        let vocab: Vec<&'static str> = VOCAB.lines().filter(|w| !w.is_empty()).collect();
        debug_assert!(vocab.len() <= usize::from(u16::MAX));
        // Quantized inverse CDF: slot s holds the word whose CDF interval contains s / size.
        let weights: Vec<f64> = (0..vocab.len())
            .map(|r| 1.0 / (r as f64 + ZIPF_Q))
            .collect();
        let total: f64 = weights.iter().sum();
        let size = 1usize << TABLE_BITS;
        let mut table = Vec::with_capacity(size);
        let mut cdf = 0.0;
        for (r, w) in weights.iter().enumerate() {
            cdf += w / total;
            let upto = ((cdf * size as f64).round() as usize).min(size);
            while table.len() < upto {
                table.push(r as u16);
            }
        }
        table.resize(size, (vocab.len() - 1) as u16);
        Ok(Generator { cfg, vocab, table })
    }

    /// The configuration.
    pub fn config(&self) -> &CorpusConfig {
        &self.cfg
    }

    /// Number of words in the vocabulary.
    pub fn vocabulary_size(&self) -> usize {
        self.vocab.len()
    }

    /// Whether document `i` is original, or which earlier original it copies.
    pub fn kind(&self, i: u64) -> DocKind {
        if i == 0 {
            return DocKind::Original;
        }
        let mut rng = Rng::new(self.cfg.seed, STREAM_KIND | i);
        let u = rng.unit();
        if u >= self.cfg.dup_rate {
            return DocKind::Original;
        }
        // Walk down to an original: sources are always fresh text, never copies of copies.
        let mut source = rng.below(i);
        while self.is_copy(source) {
            source = rng.below(source);
        }
        if u < self.cfg.dup_rate * self.cfg.exact_share {
            DocKind::Exact { source }
        } else {
            DocKind::Near { source }
        }
    }

    fn is_copy(&self, i: u64) -> bool {
        i != 0 && Rng::new(self.cfg.seed, STREAM_KIND | i).unit() < self.cfg.dup_rate
    }

    /// The id written for document `i`.
    pub fn id(&self, i: u64) -> String {
        format!("gen-{i:08}")
    }

    /// Appends the text of document `i` to `out` and says how it was made.
    pub fn document(&self, i: u64, out: &mut String) -> DocKind {
        let kind = self.kind(i);
        let mut words = Vec::new();
        match kind {
            DocKind::Original => self.original(i, &mut words),
            DocKind::Exact { source } => self.original(source, &mut words),
            DocKind::Near { source } => {
                self.original(source, &mut words);
                self.edit(i, &mut words);
            }
        }
        self.render(&words, out);
        kind
    }

    #[inline]
    fn word(&self, rng: &mut Rng) -> u16 {
        self.table[(rng.next_u64() >> (64 - TABLE_BITS)) as usize]
    }

    fn original(&self, i: u64, words: &mut Vec<Word>) {
        let mut rng = Rng::new(self.cfg.seed, i);
        let budget = (self.cfg.doc_bytes as f64 * (0.5 + rng.unit())) as usize;
        let mut bytes = 0;
        'doc: loop {
            let sentences = rng.range(2, 6);
            for s in 0..sentences {
                let len = (rng.range(3, 14) + rng.range(3, 14)) as usize;
                for k in 0..len {
                    let idx = self.word(&mut rng);
                    let mut flags = if k == 0 { CAP } else { 0 };
                    if k + 1 == len {
                        flags |= PERIOD;
                    } else if k > 1 && rng.below(100) < 7 {
                        flags |= COMMA;
                    }
                    bytes +=
                        self.vocab[usize::from(idx)].len() + 1 + usize::from(flags & COMMA != 0);
                    words.push(Word { idx, flags });
                }
                if bytes >= budget || s + 1 == sentences {
                    words.last_mut().expect("sentence has words").flags |= PARA;
                }
                if bytes >= budget {
                    break 'doc;
                }
            }
        }
    }

    /// Edits `words` so its word 5-gram Jaccard with the original lands near a random target.
    fn edit(&self, i: u64, words: &mut Vec<Word>) {
        let mut rng = Rng::new(self.cfg.seed, STREAM_EDIT | i);
        let (lo, hi) = self.cfg.near_jaccard;
        let target = lo + (hi - lo) * rng.unit();
        let n = words.len().saturating_sub(SHINGLE - 1).max(1) as f64;
        // Every isolated edit removes up to 5 shingles and adds up to 5: J ≈ (n - 5k) / (n + 5k).
        let mut budget = n * (1.0 - target) / (1.0 + target); // shingles changed on each side
        if rng.below(2) == 0 {
            let len = rng.range(6, 12) as usize;
            let headline: Vec<Word> = (0..len)
                .map(|k| Word {
                    idx: self.word(&mut rng),
                    flags: CAP | if k + 1 == len { PARA } else { 0 },
                })
                .collect();
            // A headline adds its own shingles (and those crossing into the text) on one side only.
            budget -= (len + SHINGLE - 1) as f64 / 2.0;
            words.splice(0..0, headline);
        }
        let edits = (budget / SHINGLE as f64).round().max(1.0) as usize;
        for _ in 0..edits {
            if words.len() < 2 {
                break;
            }
            let at = rng.below(words.len() as u64) as usize;
            match rng.below(4) {
                0 => {
                    // Delete; the removed word's punctuation moves to the word before it.
                    let gone = words.remove(at);
                    if at > 0 {
                        words[at - 1].flags |= gone.flags & (PERIOD | PARA);
                    } else {
                        words[0].flags |= CAP;
                    }
                }
                1 => words.insert(
                    at,
                    Word {
                        idx: self.word(&mut rng),
                        flags: 0,
                    },
                ),
                _ => {
                    let mut idx = self.word(&mut rng);
                    while idx == words[at].idx {
                        idx = self.word(&mut rng);
                    }
                    words[at].idx = idx;
                }
            }
        }
    }

    fn render(&self, words: &[Word], out: &mut String) {
        for (k, w) in words.iter().enumerate() {
            let text = self.vocab[usize::from(w.idx)];
            if w.flags & CAP != 0 || text == "i" {
                let mut chars = text.chars();
                if let Some(c) = chars.next() {
                    out.push(c.to_ascii_uppercase());
                    out.push_str(chars.as_str());
                }
            } else {
                out.push_str(text);
            }
            if w.flags & PERIOD != 0 {
                out.push('.');
            } else if w.flags & COMMA != 0 {
                out.push(',');
            }
            if k + 1 < words.len() {
                out.push_str(if w.flags & PARA != 0 { "\n\n" } else { " " });
            }
        }
    }
}

/// Appends `s` to `out` as a JSON string literal (quotes included).
pub fn push_json_string(s: &str, out: &mut String) {
    out.push('"');
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        if esc.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(esc);
        }
        last = i + 1;
    }
    out.push_str(&s[last..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn shingles(text: &str) -> HashSet<Vec<String>> {
        let toks: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .map(str::to_lowercase)
            .collect();
        toks.windows(5).map(<[String]>::to_vec).collect()
    }

    fn jaccard(a: &str, b: &str) -> f64 {
        let (a, b) = (shingles(a), shingles(b));
        a.intersection(&b).count() as f64 / a.union(&b).count() as f64
    }

    fn gen(docs: u64) -> Generator {
        Generator::new(CorpusConfig {
            docs,
            seed: 7,
            ..CorpusConfig::default()
        })
        .unwrap()
    }

    fn text(g: &Generator, i: u64) -> String {
        let mut s = String::new();
        g.document(i, &mut s);
        s
    }

    #[test]
    fn deterministic_and_sized() {
        let g = gen(200);
        assert_eq!(text(&g, 17), text(&gen(200), 17));
        let mean = (0..200).map(|i| text(&g, i).len()).sum::<usize>() as f64 / 200.0;
        assert!((2_500.0..3_500.0).contains(&mean), "mean size {mean}");
    }

    #[test]
    fn copies_hit_their_targets() {
        let g = gen(4_000);
        let (mut exact, mut near) = (0, 0);
        for i in 0..4_000 {
            match g.kind(i) {
                DocKind::Original => {}
                DocKind::Exact { source } => {
                    assert_eq!(text(&g, i), text(&g, source));
                    assert_eq!(g.kind(source), DocKind::Original);
                    exact += 1;
                }
                DocKind::Near { source } => {
                    let j = jaccard(&text(&g, i), &text(&g, source));
                    assert!((0.72..=0.99).contains(&j), "doc {i}: jaccard {j}");
                    assert_eq!(g.kind(source), DocKind::Original);
                    near += 1;
                }
            }
        }
        assert!(
            (150..250).contains(&exact) && (150..250).contains(&near),
            "{exact} {near}"
        );
    }

    #[test]
    fn originals_are_unrelated() {
        let g = gen(10);
        assert!(jaccard(&text(&g, 1), &text(&g, 2)) < 0.05);
    }

    #[test]
    fn json_strings_escape() {
        let mut s = String::new();
        push_json_string("a\"b\\c\nd\u{1}", &mut s);
        assert_eq!(s, r#""a\"b\\c\nd\u0001""#);
        let back: String = serde_json::from_str(&s).unwrap();
        assert_eq!(back, "a\"b\\c\nd\u{1}");
    }
}
