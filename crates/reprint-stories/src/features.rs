//! Words, terms and named entities of one document, before collection statistics.
//!
//! Terms are lowercased word unigrams without stopwords, with a light English plural strip;
//! numbers of two or more digits are terms of their own (`#2013`) when
//! `StoriesConfig::number_boost` is above 0; scripts written without spaces give character
//! bigrams. Entities are runs of
//! capitalized words (not a lone word at a sentence start), split at role words such as
//! `President` or `Minister`; a multi-word name also yields its last word, so "Putin"
//! matches "Vladimir Putin". In a line written in title case (a headline) a capitalized word
//! the document also writes in lowercase is not part of a name: "Lohan Checks Into Rehab"
//! names Lohan only.

use crate::stopwords::is_stopword;
use crate::{StoriesConfig, StoryDoc};
use reprint_text::Span;
use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

const TERM_SEED: u64 = 0x7465_726d;
const ENTITY_SEED: u64 = 0x656e_7469;

pub use reprint_text::hash::{KeyHasher, KeyMap};

/// Key of a normalized term.
pub fn term_key(norm: &str) -> u32 {
    xxh3_64_with_seed(norm.as_bytes(), TERM_SEED) as u32
}

/// Key of a normalized entity name.
pub fn entity_key(norm: &str) -> u32 {
    xxh3_64_with_seed(norm.as_bytes(), ENTITY_SEED) as u32
}

/// Zone-weighted counts of one document, keys sorted, with a surface form per key.
#[derive(Debug, Default, Clone)]
pub struct Raw<'a> {
    /// (term key, weighted count).
    pub terms: Vec<(u32, f32)>,
    /// (entity key, weighted count).
    pub entities: Vec<(u32, f32)>,
    /// Surface form of each term key (lowercase normalized form).
    pub term_names: KeyMap<u32, String>,
    /// Surface form of each entity key (as written, possessive stripped).
    pub entity_names: KeyMap<u32, &'a str>,
}

/// One word as the scanner sees it.
#[derive(Debug, Clone, Copy)]
struct Word<'a> {
    s: &'a str,
    /// First word after a sentence end (or of the zone).
    sentence_start: bool,
    /// Only spaces since the previous word (a name can continue).
    joined: bool,
    /// Inside a masked span.
    masked: bool,
    /// The previous word ended a sentence of at least a few words.
    ends_sentence_before: bool,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x0E00..=0x0EFF)
}

/// Calls `f` for each word of `text`; `base` is the offset of `text` in the masked document.
fn scan<'a>(text: &'a str, base: usize, mask: &[Span], mut f: impl FnMut(Word<'a>)) {
    let mut sentence_start = true;
    let mut joined = false;
    let mut words_in_sentence = 0usize;
    let mut ended = false;
    let mut mi = 0;
    let mut it = text.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if !is_word_char(c) {
            match c {
                '.' | '!' | '?' | '\n' | '。' | '！' | '？' => {
                    sentence_start = true;
                    joined = false;
                }
                ' ' | '\t' => {}
                _ => joined = false,
            }
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = it.peek() {
            let apostrophe = (d == '\'' || d == '’')
                && text[j + d.len_utf8()..]
                    .chars()
                    .next()
                    .is_some_and(is_word_char);
            if is_word_char(d) || apostrophe {
                end = j + d.len_utf8();
                it.next();
            } else {
                break;
            }
        }
        let abs = base + i;
        while mi < mask.len() && (mask[mi].end as usize) <= abs {
            mi += 1;
        }
        let masked = mi < mask.len() && (mask[mi].start as usize) <= abs;
        let s = &text[i..end];
        // "Jan." or "Mr." should not end a sentence; count sentences of a few words only.
        let short = s.chars().count() <= 3 && s.chars().next().is_some_and(char::is_uppercase);
        if sentence_start && words_in_sentence >= 4 {
            ended = true;
            words_in_sentence = 0;
        }
        f(Word {
            s,
            sentence_start,
            joined,
            masked,
            ends_sentence_before: std::mem::take(&mut ended),
        });
        words_in_sentence += 1;
        sentence_start = false;
        joined = true;
        if short {
            // Keep `sentence_start` false after an abbreviation's period.
            if text[end..].starts_with('.') {
                it.next();
            }
        }
    }
}

const ROLES: &str = "president prime minister foreign secretary chancellor spokesman spokeswoman \
spokesperson king queen pope senator sen governor gov general mr mrs ms dr sir chairman \
chairwoman ceo director leader premier ambassador deputy vice defense defence press state \
representative rep mayor judge justice commissioner envoy advisor adviser counselor \
coach captain officer minister's presidents";

fn is_role(lower: &str) -> bool {
    use std::collections::HashSet;
    use std::sync::OnceLock;
    static SET: OnceLock<HashSet<u64, BuildHasherDefault<KeyHasher>>> = OnceLock::new();
    SET.get_or_init(|| {
        ROLES
            .split_whitespace()
            .map(|r| xxh3_64(r.as_bytes()))
            .collect()
    })
    .contains(&xxh3_64(lower.as_bytes()))
}

fn is_calendar(lower: &str) -> bool {
    crate::dates::is_month_or_weekday(lower)
}

fn strip_possessive(s: &str) -> &str {
    s.strip_suffix("'s")
        .or_else(|| s.strip_suffix("’s"))
        .unwrap_or(s)
}

/// Lowercase and light plural strip of an ASCII word.
fn normalize_term(word: &str, out: &mut String) {
    out.clear();
    let word = strip_possessive(word);
    if word.is_ascii() {
        out.push_str(word);
        out.make_ascii_lowercase();
    } else {
        for c in word.chars() {
            out.extend(c.to_lowercase());
        }
    }
    if out.is_ascii() && out.len() > 4 {
        if out.ends_with("ies") {
            out.truncate(out.len() - 3);
            out.push('y');
        } else if out.ends_with('s')
            && !out.ends_with("ss")
            && !out.ends_with("us")
            && !out.ends_with("is")
        {
            out.pop();
        }
    }
}

struct Builder<'a, 'm> {
    terms: KeyMap<u32, f32>,
    entities: KeyMap<u32, f32>,
    /// Where terms are named; `None` when only the counts are wanted.
    term_names: Option<&'m mut KeyMap<u32, String>>,
    entity_names: KeyMap<u32, &'a str>,
    buf: String,
    number_boost: f32,
    /// Words the document also writes in lowercase: capitalized, they start a sentence or a
    /// headline ("Lohan Checks Into Rehab"), they do not name anyone.
    common: HashSet<u64, BuildHasherDefault<KeyHasher>>,
}

impl<'a> Builder<'a, '_> {
    fn term(&mut self, norm: &str, w: f32) {
        let k = term_key(norm);
        *self.terms.entry(k).or_insert(0.0) += w;
        if let Some(names) = self.term_names.as_deref_mut() {
            name_term(names, k, norm);
        }
    }

    fn add_word(&mut self, word: &str, w: f32) {
        let mut buf = std::mem::take(&mut self.buf);
        if word.chars().any(is_unspaced) {
            let cs: Vec<char> = word.chars().collect();
            if cs.len() == 1 {
                buf.clear();
                buf.push(cs[0]);
                self.term(&buf, w);
            }
            for pair in cs.windows(2) {
                buf.clear();
                buf.extend(pair);
                self.term(&buf, w);
            }
        } else {
            normalize_term(word, &mut buf);
            let chars = buf.chars().count();
            if buf.chars().all(|c| c.is_ascii_digit()) {
                // Numbers are specifics ("2013", "90-day", "6.1"): their own key space.
                if chars >= 2 && self.number_boost > 0.0 {
                    buf.insert(0, '#');
                    self.term(&buf, w * self.number_boost);
                }
            } else if chars >= 2 && !is_stopword(&buf) {
                self.term(&buf, w);
            }
        }
        self.buf = buf;
    }

    /// A run of capitalized words from `text`, already cut at role words.
    fn add_name(&mut self, text: &'a str, run: &[(usize, usize, bool)], w: f32) {
        let mut run = run;
        while let Some(&(s, e, _)) = run.first() {
            let lower = text[s..e].to_lowercase();
            if is_stopword(&lower) || is_calendar(&lower) {
                run = &run[1..];
            } else {
                break;
            }
        }
        let Some(&(first_s, _, at_start)) = run.first() else {
            return;
        };
        if run.len() == 1 && at_start {
            return;
        }
        let last_e = run.last().map(|r| r.1).unwrap_or(first_s);
        let surface = strip_possessive(&text[first_s..last_e]);
        if run.len() == 1 && is_calendar(&surface.to_lowercase()) {
            return;
        }
        let mut norm = String::with_capacity(surface.len());
        for (i, part) in surface.split_whitespace().enumerate() {
            if i > 0 {
                norm.push(' ');
            }
            norm.extend(part.chars().flat_map(char::to_lowercase));
        }
        let k = entity_key(&norm);
        *self.entities.entry(k).or_insert(0.0) += w;
        self.entity_names.entry(k).or_insert(surface);
        if run.len() > 1 {
            let (ls, _, _) = *run.last().unwrap();
            let last = strip_possessive(&text[ls..last_e]);
            let lk = entity_key(&last.to_lowercase());
            *self.entities.entry(lk).or_insert(0.0) += w;
            self.entity_names.entry(lk).or_insert(last);
        }
    }

    /// Words of one zone. The first `weights.0` sentences weigh `weights.1`, the rest
    /// `weights.2`; `headlines` are the zone's title-case lines ([`headline_lines`]).
    fn zone(
        &mut self,
        text: &'a str,
        base: usize,
        mask: &[Span],
        weights: (usize, f32, f32),
        headlines: &[(usize, usize)],
    ) {
        let (lead, lead_w, body_w) = weights;
        let mut sentences = 0usize;
        let mut run: Vec<(usize, usize, bool)> = Vec::new();
        let mut run_w = body_w;
        let text_start = text.as_ptr() as usize;
        scan(text, base, mask, |w| {
            if w.ends_sentence_before {
                sentences += 1;
            }
            let weight = if sentences < lead { lead_w } else { body_w };
            let s = w.s.as_ptr() as usize - text_start;
            let e = s + w.s.len();
            let capital = w.s.chars().next().is_some_and(char::is_uppercase);
            if (!w.joined || !capital || w.masked) && !run.is_empty() {
                self.flush(text, &run, run_w);
                run.clear();
            }
            if w.masked {
                return;
            }
            self.add_word(w.s, weight);
            let lower = if capital {
                w.s.to_lowercase()
            } else {
                String::new()
            };
            let in_headline = headlines.iter().any(|&(a, b)| a <= s && s < b);
            if capital
                && in_headline
                && self
                    .common
                    .contains(&xxh3_64(strip_possessive(&lower).as_bytes()))
            {
                self.flush(text, &run, run_w);
                run.clear();
            } else if capital {
                if is_role(&lower) {
                    // "Russian President", "Kremlin Spokesman": one word before a role is a
                    // descriptor, not a name of its own.
                    if run.len() > 1 {
                        self.flush(text, &run, run_w);
                    }
                    run.clear();
                } else {
                    if run.is_empty() {
                        run_w = weight;
                    }
                    run.push((s, e, w.sentence_start));
                }
            }
        });
        self.flush(text, &run, run_w);
    }

    fn flush(&mut self, text: &'a str, run: &[(usize, usize, bool)], w: f32) {
        if !run.is_empty() {
            self.add_name(text, run, w);
        }
    }
}

/// Byte ranges of the lines of `text` written in title case ("Lohan Checks Into Rehab"):
/// most of their longer words capitalized. There a capital does not mark a name.
fn headline_lines(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let (long, caps) = if line.is_ascii() {
            ascii_long_words(line.as_bytes())
        } else {
            let (mut long, mut caps) = (0usize, 0usize);
            for w in line.split(|c: char| !c.is_alphanumeric()) {
                if w.chars().count() >= 4 {
                    long += 1;
                    caps += w.chars().next().is_some_and(char::is_uppercase) as usize;
                }
            }
            (long, caps)
        };
        if long >= 3 && caps * 4 >= long * 3 {
            out.push((at, at + line.len()));
        }
        at += line.len();
    }
    out
}

/// Words of four or more letters or digits in an ASCII line, and how many of them start
/// with a capital (what [`headline_lines`] counts, byte by byte).
fn ascii_long_words(line: &[u8]) -> (usize, usize) {
    let (mut long, mut caps, mut len, mut cap) = (0usize, 0usize, 0usize, false);
    for &c in line.iter().chain([b' '].iter()) {
        if c.is_ascii_alphanumeric() {
            if len == 0 {
                cap = c.is_ascii_uppercase();
            }
            len += 1;
        } else {
            if len >= 4 {
                long += 1;
                caps += cap as usize;
            }
            len = 0;
        }
    }
    (long, caps)
}

fn sorted(map: KeyMap<u32, f32>) -> Vec<(u32, f32)> {
    let mut v: Vec<(u32, f32)> = map.into_iter().collect();
    v.sort_unstable_by_key(|&(k, _)| k);
    v
}

/// Names `k` by `norm` unless it has a name already; of two names for one key (a hash
/// collision) the smaller wins, whatever the order they come in.
pub(crate) fn name_term(names: &mut KeyMap<u32, String>, k: u32, norm: &str) {
    match names.get(&k) {
        Some(old) if old.as_str() <= norm => {}
        _ => {
            names.insert(k, norm.to_string());
        }
    }
}

/// Counts of one document: title words weighted by `title_boost`, lead sentences by
/// `lead_boost`; words inside `doc.mask` are skipped. A leading `date YYYY-MM-DD` header is
/// not content.
pub fn extract<'a>(doc: &StoryDoc<'a>, cfg: &StoriesConfig) -> Raw<'a> {
    let mut names = KeyMap::default();
    let mut raw = extract_into(doc, cfg, &mut names);
    raw.term_names = names;
    raw
}

/// [`extract`], naming the document's terms in `term_names` (shared by many documents)
/// instead of in the result.
pub fn extract_into<'a>(
    doc: &StoryDoc<'a>,
    cfg: &StoriesConfig,
    term_names: &mut KeyMap<u32, String>,
) -> Raw<'a> {
    extract_with(doc, cfg, Some(term_names))
}

/// [`extract_into`] naming the terms only when `term_names` is given (a second reading of a
/// document whose names are known needs only its counts).
pub(crate) fn extract_with<'a>(
    doc: &StoryDoc<'a>,
    cfg: &StoriesConfig,
    term_names: Option<&mut KeyMap<u32, String>>,
) -> Raw<'a> {
    let mut b = Builder {
        terms: KeyMap::with_capacity_and_hasher(doc.text.len() / 12, Default::default()),
        entities: KeyMap::with_capacity_and_hasher(doc.text.len() / 64, Default::default()),
        term_names,
        entity_names: KeyMap::with_capacity_and_hasher(doc.text.len() / 64, Default::default()),
        buf: String::new(),
        number_boost: cfg.number_boost,
        common: HashSet::default(),
    };
    let mut body = doc.text;
    if reprint_text::date::header_date(body).is_some() {
        // Skip `date YYYY-MM-DD`: it is metadata, not content.
        let lead_ws = body.len() - body.trim_start().len();
        let after_kw = body[lead_ws..].find(char::is_whitespace).unwrap_or(0) + lead_ws;
        let after_date = body[after_kw..].trim_start();
        let skip = body.len() - after_date.len() + 10.min(after_date.len());
        body = &body[skip..];
    }
    let title_lines = doc.title.map(headline_lines).unwrap_or_default();
    let body_lines = headline_lines(body);
    // Only a headline needs to know which words the document writes in lowercase.
    let any_headline = !title_lines.is_empty() || !body_lines.is_empty();
    for zone in doc
        .title
        .into_iter()
        .chain([doc.text])
        .filter(|_| any_headline)
    {
        scan(zone, 0, &[], |w| {
            if w.s.chars().next().is_some_and(char::is_lowercase) {
                b.common.insert(xxh3_64(w.s.as_bytes()));
            }
        });
    }
    if let Some(title) = doc.title {
        let w = (0, cfg.title_boost, cfg.title_boost);
        b.zone(title, 0, &[], w, &title_lines);
    }
    let mut mask: Vec<Span> = doc.mask.to_vec();
    mask.sort_unstable();
    let base = doc.text.len() - body.len();
    let w = (cfg.lead_sentences, cfg.lead_boost, 1.0);
    b.zone(body, base, &mask, w, &body_lines);
    Raw {
        terms: sorted(b.terms),
        entities: sorted(b.entities),
        term_names: KeyMap::default(),
        entity_names: b.entity_names,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity_names(text: &str) -> Vec<String> {
        let raw = extract(&StoryDoc::new(text), &StoriesConfig::default());
        let mut v: Vec<String> = raw.entity_names.values().map(|s| s.to_string()).collect();
        v.sort();
        v
    }

    #[test]
    fn ascii_headline_count_is_the_unicode_one() {
        let generic = |line: &str| {
            let (mut long, mut caps) = (0, 0);
            for w in line.split(|c: char| !c.is_alphanumeric()) {
                if w.chars().count() >= 4 {
                    long += 1;
                    caps += w.chars().next().is_some_and(char::is_uppercase) as usize;
                }
            }
            (long, caps)
        };
        for line in [
            "Lindsay Lohan Checks Into Rehab\n",
            "date 2022-02-01 Putin Calls Draghi",
            "the_long word_s 1234 A1b2 x",
            "",
            "Tara Reid's rehab-stay: U.S. News, 2009",
        ] {
            assert_eq!(ascii_long_words(line.as_bytes()), generic(line), "{line}");
        }
    }

    #[test]
    fn entities_table() {
        let rows: Vec<(&str, Vec<&str>)> = vec![
            (
                "In a call between Russian President Vladimir Putin and Italian Prime Minister Mario Draghi, things.",
                vec!["Draghi", "Mario Draghi", "Putin", "Vladimir Putin"],
            ),
            ("Draghi's concerns were noted by the Kremlin press service.", vec!["Kremlin"]),
            ("The Kremlin said so. Putin agreed.", vec!["Kremlin"]),
            ("Vladimir Putin described the methods.", vec!["Putin", "Vladimir Putin"]),
            ("It was held on Tuesday, February 1 in Geneva.", vec!["Geneva"]),
            (
                "He met US Secretary of State Antony Blinken there.",
                vec!["Antony Blinken", "Blinken"],
            ),
        ];
        for (text, want) in rows {
            assert_eq!(entity_names(text), want, "{text}");
        }
    }

    #[test]
    fn terms_skip_stopwords_and_mask_and_numbers_are_their_own_terms() {
        let text = "The leaders discussed 2022 gas supplies. Pasted background paragraph here.";
        let start = text.find("Pasted").unwrap();
        let mask = [Span::new(start, text.len())];
        let on = StoriesConfig {
            number_boost: 1.0,
            ..StoriesConfig::default()
        };
        let raw = extract(&StoryDoc::new(text).with_mask(&mask), &on);
        let mut names: Vec<&str> = raw.term_names.values().map(String::as_str).collect();
        names.sort();
        assert_eq!(names, vec!["#2022", "discussed", "gas", "leader", "supply"]);
        let raw = extract(
            &StoryDoc::new(text).with_mask(&mask),
            &StoriesConfig::default(),
        );
        assert_eq!(raw.terms.len(), 4, "number_boost 0 leaves numbers out");
    }

    #[test]
    fn header_is_not_content_and_lead_is_boosted() {
        let cfg = StoriesConfig::default();
        let raw = extract(
            &StoryDoc::new(" date 2022-02-01 Alpha beta gamma delta epsilon. Zeta eta theta iota kappa. Lambda mu nu xi omicron."),
            &cfg,
        );
        assert!(!raw.term_names.values().any(|n| n == "date"));
        let w = |name: &str| raw.terms.iter().find(|t| t.0 == term_key(name)).unwrap().1;
        assert_eq!(w("beta"), cfg.lead_boost);
        assert_eq!(w("eta"), cfg.lead_boost);
        assert_eq!(w("lambda"), 1.0);
    }

    #[test]
    fn unspaced_scripts_give_bigrams() {
        let raw = extract(&StoryDoc::new("普京总统"), &StoriesConfig::default());
        assert_eq!(raw.terms.len(), 3);
    }
}
