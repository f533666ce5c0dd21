//! Document dates from metadata, a header line or a news dateline.
//!
//! Precedence: metadata, then a `date YYYY-MM-DD` header at the very start of the text, then a
//! dateline such as `MOSCOW, February 1. /TASS/.` or `WASHINGTON, Jan. 18 (Reuters) -`.
//! A dateline has no year; it is taken from another explicit date in the same document
//! (`January 10, 2022`, `10 January 2022`, `2022-01-10`), else from the collection (the
//! median year of the documents that have one), and [`YearFrom`] says which.
//!
//! When sources disagree the higher one wins and [`DocDate::conflict`] is set. A dateline
//! one day off is not a conflict: wires date by the reporter's time zone.

use crate::StoryDoc;
use reprint_text::date::{days_from_civil, header_date, parse_iso_date};

/// Where a document's date came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateSource {
    /// The caller's metadata value.
    Metadata,
    /// A `date YYYY-MM-DD` line at the start of the text.
    Header,
    /// A news dateline (month and day) with the year inferred.
    Dateline {
        /// Where the year came from.
        year_from: YearFrom,
    },
}

/// Where the year of a dateline came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum YearFrom {
    /// Another explicit date in the same document.
    Document,
    /// The collection: the median year of the dated documents.
    Collection,
}

/// A document date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DocDate {
    /// Days since 1970-01-01.
    pub days: i64,
    /// Where it came from.
    pub source: DateSource,
    /// Another source in the document gave a different date (more than one day apart).
    pub conflict: bool,
}

const MONTHS: [(&str, u32); 25] = [
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("april", 4),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("september", 9),
    ("october", 10),
    ("november", 11),
    ("december", 12),
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("sept", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
    ("febr", 2),
];

fn month(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.');
    if w.len() < 3 || w.len() > 9 || !w.is_ascii() {
        return None;
    }
    let lower = w.to_ascii_lowercase();
    MONTHS.iter().find(|(n, _)| *n == lower).map(|&(_, m)| m)
}

/// Whether a lowercased word names a month or a weekday (not an entity).
pub(crate) fn is_month_or_weekday(lower: &str) -> bool {
    month(lower).is_some()
        || matches!(
            lower,
            "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday" | "sunday"
        )
}

pub use reprint_text::date::civil_from_days;

fn valid_day(y: i64, m: u32, d: u32) -> Option<i64> {
    let days = days_from_civil(y, m, d);
    (civil_from_days(days) == (y, m, d)).then_some(days)
}

/// A dateline near the start of `text`: `CITY[, REGION], Month Day` with the city in
/// capitals. Returns (month, day).
pub fn dateline(text: &str) -> Option<(u32, u32)> {
    let mut t = text.trim_start();
    if header_date(t).is_some() {
        // `date 2022-01-18 MOSCOW, January 18.`: the dateline follows the header.
        t = t.split_once(char::is_whitespace)?.1.trim_start();
        t = t.get(10..)?.trim_start();
    }
    // Skip a title line or two above the dateline.
    for line in t.lines().take(4) {
        if let Some(md) = dateline_in_line(line.trim()) {
            return Some(md);
        }
    }
    None
}

fn dateline_in_line(line: &str) -> Option<(u32, u32)> {
    let mut parts = line.splitn(4, ", ");
    let city = parts.next()?;
    let letters = city.chars().filter(|c| c.is_alphabetic()).count();
    if letters < 2
        || city.len() > 40
        || city.chars().any(|c| c.is_lowercase())
        || !city
            .chars()
            .all(|c| c.is_alphabetic() || " .'-".contains(c))
    {
        return None;
    }
    // The month follows the city or one more segment (`BRUSSELS, Belgium, Jan. 18`).
    for seg in parts.take(2) {
        let mut words = seg.split_whitespace();
        if let (Some(m), Some(d)) = (words.next().and_then(month), words.next()) {
            let digits: String = d.chars().take_while(|c| c.is_ascii_digit()).collect();
            let rest = &d[digits.len()..];
            if (1..=2).contains(&digits.len()) && (rest.is_empty() || rest.starts_with(['.', ',']))
            {
                let day: u32 = digits.parse().ok()?;
                if (1..=31).contains(&day) {
                    return Some((m, day));
                }
            }
        }
    }
    None
}

/// Years of explicit dates in `text`: ISO dates and a month name next to a 4-digit year
/// (`January 10, 2022`, `10 January 2022`, `January 2022`). In order of appearance.
pub fn explicit_years(text: &str) -> Vec<i64> {
    let mut years = Vec::new();
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .collect();
    for (i, w) in words.iter().enumerate() {
        if let Some(days) = w.get(..10).and_then(parse_iso_date) {
            years.push(civil_from_days(days).0);
            continue;
        }
        if month(w.trim_end_matches(',')).is_none() {
            continue;
        }
        for next in words.iter().skip(i + 1).take(2) {
            let y = next.trim_end_matches(|c: char| !c.is_ascii_digit());
            if y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) {
                let y: i64 = y.parse().unwrap_or(0);
                if (1900..=2100).contains(&y) {
                    years.push(y);
                }
                break;
            }
        }
    }
    years
}

/// What one document says about its date on its own, before the collection is known.
#[derive(Debug, Clone, Copy)]
/// What one document says about its date before the collection's year is known: see
/// [`date_clues`] and [`resolve_clues`].
pub struct Found {
    metadata: Option<i64>,
    header: Option<i64>,
    dateline: Option<(u32, u32)>,
    doc_year: Option<i64>,
}

fn find(metadata: Option<&str>, text: &str) -> Found {
    let metadata = metadata.and_then(parse_iso_date);
    let header = header_date(text);
    let dateline = dateline(text);
    let doc_year = if dateline.is_some() && header.is_none() && metadata.is_none() {
        // Only needed when the dateline is the best source.
        explicit_years(text).first().copied()
    } else {
        header.or(metadata).map(|d| civil_from_days(d).0)
    };
    Found {
        metadata,
        header,
        dateline,
        doc_year,
    }
}

fn resolve(f: Found, collection_year: Option<i64>) -> Option<DocDate> {
    let dl = |year: i64| f.dateline.and_then(|(m, d)| valid_day(year, m, d));
    let disagree = |a: i64, b: Option<i64>| b.is_some_and(|b| (a - b).abs() > 1);
    if let Some(days) = f.metadata {
        let year = civil_from_days(days).0;
        let conflict = disagree(days, f.header) || disagree(days, dl(year));
        return Some(DocDate {
            days,
            source: DateSource::Metadata,
            conflict,
        });
    }
    if let Some(days) = f.header {
        let conflict = disagree(days, dl(civil_from_days(days).0));
        return Some(DocDate {
            days,
            source: DateSource::Header,
            conflict,
        });
    }
    let (year, year_from) = match (f.doc_year, collection_year) {
        (Some(y), _) => (y, YearFrom::Document),
        (None, Some(y)) => (y, YearFrom::Collection),
        (None, None) => return None,
    };
    dl(year).map(|days| DocDate {
        days,
        source: DateSource::Dateline { year_from },
        conflict: false,
    })
}

/// The date of one document; `collection_year` is used for a dateline without a year in
/// the document (see [`resolve_dates`] for computing it).
pub fn doc_date(
    metadata: Option<&str>,
    text: &str,
    collection_year: Option<i64>,
) -> Option<DocDate> {
    resolve(find(metadata, text), collection_year)
}

/// Dates of a whole collection. A dateline without a year in its document takes the median
/// year of the documents whose year is explicit (the lower median for an even count).
pub fn resolve_dates(docs: &[StoryDoc]) -> Vec<Option<DocDate>> {
    resolve_clues(docs.iter().map(|d| find(d.date, d.text)).collect())
}

/// One document's date clues (metadata, header line, dateline), for [`resolve_clues`]: a
/// caller that reads texts one at a time gathers these instead of holding every text.
pub fn date_clues(metadata: Option<&str>, text: &str) -> Found {
    find(metadata, text)
}

/// [`resolve_dates`] from every document's [`date_clues`], in order.
pub fn resolve_clues(found: Vec<Found>) -> Vec<Option<DocDate>> {
    let mut years: Vec<i64> = found
        .iter()
        .filter_map(|f| {
            f.metadata
                .or(f.header)
                .map(|d| civil_from_days(d).0)
                .or(f.doc_year)
        })
        .collect();
    years.sort_unstable();
    let median = (!years.is_empty()).then(|| years[(years.len() - 1) / 2]);
    found.into_iter().map(|f| resolve(f, median)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i64, m: u32, d: u32) -> i64 {
        days_from_civil(y, m, d)
    }

    #[test]
    fn civil_round_trip() {
        for days in [-800_000, -1, 0, 1, 19_024, 59, 60, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(19_024), (2022, 2, 1));
    }

    #[test]
    fn formats_table() {
        use DateSource::*;
        let doc = Dateline {
            year_from: YearFrom::Document,
        };
        let coll = Dateline {
            year_from: YearFrom::Collection,
        };
        // (metadata, text, collection year, expected (y, m, d, source, conflict))
        type Row = (
            Option<&'static str>,
            &'static str,
            Option<i64>,
            Option<(i64, u32, u32, DateSource, bool)>,
        );
        let rows: Vec<Row> = vec![
            (
                Some("2022-02-01"),
                "Some text.",
                None,
                Some((2022, 2, 1, Metadata, false)),
            ),
            (
                Some("2022-02-01T10:00:00Z"),
                "x",
                None,
                Some((2022, 2, 1, Metadata, false)),
            ),
            (
                None,
                " date 2022-02-01 Italian Prime Minister",
                None,
                Some((2022, 2, 1, Header, false)),
            ),
            (
                None,
                "date 2022-01-18 MOSCOW, January 18. /TASS/.",
                None,
                Some((2022, 1, 18, Header, false)),
            ),
            (
                None,
                "MOSCOW, February 1. /TASS/. In a phone call",
                Some(2022),
                Some((2022, 2, 1, coll, false)),
            ),
            (
                None,
                "WASHINGTON, Jan. 18 (Reuters) - Blinken",
                Some(2021),
                Some((2021, 1, 18, coll, false)),
            ),
            (
                None,
                "WASHINGTON, Jan. 18 (Reuters) - talks held on January 10, 2022 in Geneva",
                Some(2019),
                Some((2022, 1, 18, doc, false)),
            ),
            (
                None,
                "Title line\nBERLIN, Germany, Sept. 3 - text",
                Some(2020),
                Some((2020, 9, 3, coll, false)),
            ),
            // Missing: no metadata, no header, a dateline without any year.
            (None, "MOSCOW, February 1. /TASS/. text", None, None),
            (
                None,
                "Nothing datable here, February 1 perhaps.",
                Some(2022),
                None,
            ),
            (Some("yesterday"), "no date", None, None),
            // Not a day of that year.
            (None, "MOSCOW, February 30. text", Some(2022), None),
            // Contradictions: metadata wins over header and dateline; header over dateline.
            (
                Some("2022-03-05"),
                " date 2022-02-01 text",
                None,
                Some((2022, 3, 5, Metadata, true)),
            ),
            (
                Some("2022-03-05"),
                "MOSCOW, February 1. /TASS/.",
                None,
                Some((2022, 3, 5, Metadata, true)),
            ),
            (
                None,
                "date 2022-01-20 MOSCOW, January 18. /TASS/.",
                None,
                Some((2022, 1, 20, Header, true)),
            ),
            // One day apart is a time zone, not a conflict.
            (
                Some("2022-02-02"),
                "MOSCOW, February 1. /TASS/.",
                None,
                Some((2022, 2, 2, Metadata, false)),
            ),
        ];
        for (meta, text, cy, want) in rows {
            let got = doc_date(meta, text, cy);
            let want = want.map(|(y, m, d, source, conflict)| DocDate {
                days: ymd(y, m, d),
                source,
                conflict,
            });
            assert_eq!(got, want, "{meta:?} {text:?}");
        }
    }

    #[test]
    fn explicit_years_found() {
        assert_eq!(
            explicit_years("on January 10, 2022 and 3 March 2021, also 2020-05-01."),
            vec![2022, 2021, 2020]
        );
        assert!(explicit_years("May I say 2022 things").is_empty());
    }

    #[test]
    fn collection_median_year() {
        let docs = [
            StoryDoc::new("MOSCOW, February 1. /TASS/. no year"),
            StoryDoc::new("x").with_date("2022-01-01"),
            StoryDoc::new(" date 2022-05-01 y"),
            StoryDoc::new("z").with_date("2019-01-01"),
            StoryDoc::new("undated"),
        ];
        let dates = resolve_dates(&docs);
        assert_eq!(
            dates[0],
            Some(DocDate {
                days: ymd(2022, 2, 1),
                source: DateSource::Dateline {
                    year_from: YearFrom::Collection
                },
                conflict: false
            })
        );
        assert_eq!(dates[4], None);
    }
}
