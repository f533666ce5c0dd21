//! The later stages over the documents the first pass kept: dates, reused passages and
//! stories.

use crate::pipeline::{DocRow, KeptTexts};
use crate::{EngineError, StoriesSettings};
use rayon::prelude::*;
use reprint_dedup::DedupResult;
use reprint_reuse::{find_reuse_in, ReuseConfig, ReuseLimits, ReuseResult, Span};
use reprint_stories::dates::{date_clues, resolve_clues, DocDate};
use reprint_stories::{cluster_dated_by, Budget, StoriesResult, StoryDoc, StoryStream};

fn story_doc<'a>(d: &'a DocRow, text: &'a str, mask: &'a [Span]) -> StoryDoc<'a> {
    StoryDoc {
        text,
        title: d.title(),
        date: d.meta_date(),
        mask,
        embedding: d.embedding(),
        id: Some(&d.id),
    }
}

/// Every document's date: metadata, a `date` header line, or a dateline whose year comes
/// from the document or the collection. Texts are read one at a time.
pub(crate) fn dates(docs: &[DocRow], texts: &KeptTexts) -> Vec<Option<DocDate>> {
    let clues = docs
        .par_iter()
        .enumerate()
        .map(|(i, d)| date_clues(d.meta_date(), &texts.get(i)))
        .collect();
    resolve_clues(clues)
}

/// Whether masking `spans` leaves a document of `len` bytes its own evidence: a passage
/// that is most of the document (every copy of one syndicated article shares it) is the
/// article, not boilerplate pasted into it.
fn keeps_evidence(spans: &[Span], len: usize) -> bool {
    let masked: usize = spans.iter().map(|s| s.len()).sum();
    masked * 2 < len
}

/// Runs reuse detection over the documents' texts; `dates` (days) name the earliest source.
pub(crate) fn reuse(
    docs: &[DocRow],
    texts: &KeptTexts,
    dates: &[Option<i64>],
    cfg: &ReuseConfig,
    limits: &ReuseLimits,
) -> Result<ReuseResult, EngineError> {
    let series: Vec<Option<&str>> = docs.iter().map(DocRow::series).collect();
    let found = find_reuse_in(texts, dates, &series, cfg, limits).map_err(EngineError::Reuse);
    texts.check()?;
    found
}

/// Clusters the documents into stories, with boilerplate found by the reuse stage masked;
/// the members of one duplicate cluster are one story. `settings.stream`: feed them one by one in
/// date order (first-story detection) instead. The batch level keeps at most `counts_bytes`
/// of documents' counts between its readings and of features through its clustering (the
/// rest are read again).
pub(crate) fn stories(
    docs: &[DocRow],
    texts: &KeptTexts,
    dates: &[Option<DocDate>],
    reuse: Option<&ReuseResult>,
    dups: &DedupResult,
    settings: &StoriesSettings,
    counts_bytes: usize,
) -> Result<StoriesResult, EngineError> {
    let cfg = &settings.config;
    let masks: Vec<Vec<Span>> = (0..docs.len())
        .map(|i| {
            let spans = reuse
                .map(|r| r.boilerplate_spans(i as u32))
                .unwrap_or_default();
            if keeps_evidence(&spans, texts.len_of(i)) {
                spans
            } else {
                Vec::new()
            }
        })
        .collect();
    // Each text is read when its document's turn comes (in batch, again for the features of
    // the documents whose counts were not kept).
    let doc = |i: usize, f: &mut dyn FnMut(&StoryDoc<'_>)| {
        let text = texts.get(i);
        f(&story_doc(&docs[i], &text, &masks[i]));
    };
    if !settings.stream {
        let linked: Vec<(u32, u32)> = dups
            .clusters
            .iter()
            .flat_map(|c| c.members.iter().skip(1).map(|&m| (c.members[0], m)))
            .collect();
        let budget = Budget {
            bytes: counts_bytes,
            freed: Some(&crate::memory::give_back_freed),
        };
        let found = cluster_dated_by(docs.len(), doc, dates, budget, cfg, &linked);
        texts.check()?;
        return found.map_err(EngineError::Stories);
    }
    // Arrival order: by date, undated last, ties in input order.
    let mut order: Vec<usize> = (0..docs.len()).collect();
    order.sort_by_key(|&i| (dates[i].as_ref().map_or(i64::MAX, |d| d.days), i));
    let mut s = StoryStream::new(cfg.clone()).map_err(EngineError::Stories)?;
    let mut assignments = Vec::with_capacity(docs.len());
    for &i in &order {
        let mut a = None;
        doc(i, &mut |d| a = Some(s.push(d)));
        let mut a = a.expect("one document");
        // The stream numbers documents by arrival; report input numbers.
        a.doc = i as u32;
        assignments.push(a);
    }
    texts.check()?;
    let mut stories = s.stories();
    for st in &mut stories {
        for m in &mut st.members {
            *m = order[*m as usize] as u32;
        }
        st.members.sort_unstable();
    }
    assignments.sort_by_key(|a| a.doc);
    Ok(StoriesResult {
        stories,
        assignments,
    })
}
