//! Stories: group news coverage of the same event across wording, outlets and time.
//!
//! Reuse and near-duplicate detection find documents that share *text*. A story groups
//! documents that report the same *event*, even when they share almost no phrase: a TASS wire
//! and an Indian paper's rewrite of the same Putin–Draghi phone call belong together, while two
//! TASS wires about different calls three weeks apart do not, even if they paste the same
//! background paragraph.
//!
//! The stage works in four steps, each in its own module:
//!
//! 1. [`dates`]: a date per document from metadata, a `date YYYY-MM-DD` header line or a
//!    news dateline (`MOSCOW, February 1. /TASS/.`), with the source of the year stated.
//! 2. [`Collection`] turns a [`StoryDoc`] into [`DocFeatures`]: TF-IDF weighted word terms
//!    (title and lead weighted higher, boilerplate spans masked), named entities as a
//!    separate vector, the date, and an optional dense embedding supplied by the caller.
//! 3. [`pair_similarity`] combines term cosine, entity cosine and a time decay;
//!    [`pair_evidence`] gives the parts, the explanation of a pair.
//! 4. [`cluster()`] (a whole collection) builds a sparse similarity graph from candidate
//!    retrieval over each document's heaviest keys and clusters it by average link: every
//!    piece of evidence counts at once, and the result does not depend on the input order.
//!    [`cluster_linked`] also keeps given pairs (duplicates) in one story.
//!    [`cluster_linked_by`] and [`cluster_dated_by`] take the documents one at a time from
//!    a callback (texts read from disk), the latter with the caller's dates and a [`Budget`]
//!    for what it keeps to save a reading (counts between its first two readings, features
//!    through the clustering).
//!    [`StoryStream`] does streaming first-story detection for arriving documents: each
//!    joins the most similar recent story (found through an inverted index over story keys)
//!    or starts a new one.
//!
//! Everything is pure and deterministic: no IO, no clock, and the same input gives the same
//! stories whatever the number of threads.
//!
//! ```
//! use reprint_stories::{cluster, StoriesConfig, StoryDoc};
//!
//! let docs = [
//!     StoryDoc::new("MOSCOW, February 1. /TASS/. Russian President Vladimir Putin and Italian \
//!         Prime Minister Mario Draghi discussed Ukraine and gas supplies in a phone call.")
//!         .with_date("2022-02-01"),
//!     StoryDoc::new("Italian Prime Minister Mario Draghi spoke with Vladimir Putin by phone on \
//!         Tuesday about Ukraine; Putin promised stable gas supplies to Italy.")
//!         .with_date("2022-02-01"),
//!     StoryDoc::new("WASHINGTON, Jan. 18 (Reuters) - Secretary of State Antony Blinken will \
//!         travel to Kyiv and Berlin, the State Department said.")
//!         .with_date("2022-01-18"),
//! ];
//! let result = cluster(&docs, &StoriesConfig::default()).unwrap();
//! assert_eq!(result.stories.len(), 2);
//! // Stories come as a timeline: the January story first.
//! assert_eq!(result.stories[0].members, vec![2]);
//! assert_eq!(result.stories[1].members, vec![0, 1]);
//! assert!(result.stories[1].top_entities.iter().any(|e| e.contains("Putin")));
//! ```
#![deny(missing_docs)]

mod batch;
mod cluster;
mod config;
pub mod dates;
mod features;
mod model;
mod stopwords;

pub use batch::{cluster, cluster_dated_by, cluster_linked, cluster_linked_by, Budget};
pub use cluster::{Assignment, StoriesResult, Story, StoryStream};
pub use config::{StoriesConfig, StoriesError};
pub use dates::{DateSource, DocDate, YearFrom};
pub use model::{pair_evidence, pair_similarity, Collection, DocFeatures, Evidence};
pub use reprint_text::Span;

/// One input document: its text and what the caller knows about it.
///
/// Only `text` is required. Byte spans in `mask` (into `text`) are left out of the content
/// features, e.g. boilerplate or pasted background paragraphs found by the reuse stage; the
/// date is still read from the whole text.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoryDoc<'a> {
    /// Body text (may start with a `date YYYY-MM-DD` header line).
    pub text: &'a str,
    /// Title from metadata, weighted higher than the body.
    pub title: Option<&'a str>,
    /// Date from metadata, `YYYY-MM-DD` or an ISO 8601 date-time.
    pub date: Option<&'a str>,
    /// Byte spans of `text` to ignore for content (boilerplate, pasted paragraphs).
    pub mask: &'a [Span],
    /// A dense embedding computed by the caller; all documents that have one must use the same
    /// model and dimension.
    pub embedding: Option<&'a [f32]>,
    /// The caller's name for the document. Batch clustering breaks ties between documents of
    /// the same text and title by it, so even their story numbers do not depend on the input
    /// order; without it such documents are told apart by position.
    pub id: Option<&'a str>,
}

impl<'a> StoryDoc<'a> {
    /// A document with only a text.
    pub fn new(text: &'a str) -> StoryDoc<'a> {
        StoryDoc {
            text,
            ..StoryDoc::default()
        }
    }

    /// Sets the metadata title.
    pub fn with_title(mut self, title: &'a str) -> StoryDoc<'a> {
        self.title = Some(title);
        self
    }

    /// Sets the metadata date.
    pub fn with_date(mut self, date: &'a str) -> StoryDoc<'a> {
        self.date = Some(date);
        self
    }

    /// Sets the byte spans of `text` to mask.
    pub fn with_mask(mut self, mask: &'a [Span]) -> StoryDoc<'a> {
        self.mask = mask;
        self
    }

    /// Sets the dense embedding.
    pub fn with_embedding(mut self, embedding: &'a [f32]) -> StoryDoc<'a> {
        self.embedding = Some(embedding);
        self
    }
}
