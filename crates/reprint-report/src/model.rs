//! The data a report shows: plain, serializable views of every finding.
//!
//! Documents are referred to by their string id everywhere, so a caller can build these
//! views from any stage's output without sharing index types. Offsets are BYTE offsets into
//! the UTF-8 text in [`DocView::text`].

use serde::{Deserialize, Serialize};

/// Everything one report shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportData {
    /// Page title and heading, e.g. the name of the collection.
    pub title: String,
    /// The counts shown at the top.
    pub summary: Summary,
    /// Every document, in the order the report lists them.
    pub documents: Vec<DocView>,
    /// Duplicate clusters (groups of near-identical documents).
    pub clusters: Vec<ClusterView>,
    /// Scored duplicate pairs, typically the verified candidate pairs.
    pub pairs: Vec<PairView>,
    /// Passages shared by two documents, with byte spans into both.
    pub alignments: Vec<AlignmentView>,
    /// Passages grouped over all their occurrences, boilerplate flagged.
    pub passages: Vec<PassageView>,
    /// Stories: documents about the same event over time.
    pub stories: Vec<StoryView>,
}

/// The counts shown at the top of the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Documents read.
    pub documents: u64,
    /// Documents dropped as duplicates of a kept one.
    pub duplicates_removed: u64,
    /// Duplicate clusters with at least two members.
    pub clusters: u64,
    /// Passages reused across documents (boilerplate included).
    pub reused_passages: u64,
    /// Passages flagged as boilerplate.
    pub boilerplate: u64,
    /// Stories found.
    pub stories: u64,
    /// Free-form `(label, value)` lines, shown in order, e.g. `("threshold", "0.8")`.
    pub extra: Vec<(String, String)>,
}

/// One document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DocView {
    /// Unique id, as the input named it.
    pub id: String,
    /// The full original text. A caller may truncate it to keep the file small; spans past
    /// its end are clipped when shown.
    pub text: String,
    /// Publication date as written in the input, ideally ISO 8601 (`2022-02-01`) so it sorts.
    pub date: Option<String>,
    /// The duplicate cluster this document belongs to, if any ([`ClusterView::id`]).
    pub cluster: Option<u32>,
    /// `true` if the document is kept after deduplication.
    pub keep: bool,
    /// The kept document this one duplicates, if it was dropped.
    pub duplicate_of: Option<String>,
    /// The story this document belongs to, if any ([`StoryView::id`]).
    pub story: Option<u32>,
    /// Its headline, when the input had one (shown above the text, searched with it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// One duplicate cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterView {
    /// Cluster id, as used by [`DocView::cluster`].
    pub id: u32,
    /// Member document ids, the representative included.
    pub members: Vec<String>,
    /// The member kept for the whole cluster.
    pub representative: String,
}

/// One scored pair of near-duplicate documents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PairView {
    /// First document id.
    pub a: String,
    /// Second document id.
    pub b: String,
    /// Jaccard similarity of the two shingle sets, 0..=1.
    pub jaccard: f64,
    /// Share of `a`'s shingles found in `b`, 0..=1.
    pub containment_a_in_b: f64,
    /// Share of `b`'s shingles found in `a`, 0..=1.
    pub containment_b_in_a: f64,
    /// `true` if the two normalized texts are identical.
    pub exact: bool,
}

/// One passage shared by two documents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlignmentView {
    /// First document id.
    pub a: String,
    /// Start of the passage in `a`, a byte offset into its UTF-8 text.
    pub a_start: u32,
    /// End (exclusive) of the passage in `a`, a byte offset.
    pub a_end: u32,
    /// Second document id.
    pub b: String,
    /// Start of the passage in `b`, a byte offset into its UTF-8 text.
    pub b_start: u32,
    /// End (exclusive) of the passage in `b`, a byte offset.
    pub b_end: u32,
    /// How exact the copy is, 0..=1 (1 = word for word).
    pub identity: f64,
    /// The passage this alignment belongs to ([`PassageView::id`]).
    pub passage: u32,
}

/// One passage with all its occurrences.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PassageView {
    /// Passage id, as used by [`AlignmentView::passage`].
    pub id: u32,
    /// Every occurrence as `(document id, byte start, byte end)`.
    pub occurrences: Vec<(String, u32, u32)>,
    /// `true` if the passage recurs so often that it is boilerplate.
    pub boilerplate: bool,
    /// The document it most likely came from, if known.
    pub source: Option<String>,
    /// The passage text, from one occurrence.
    pub text: String,
}

/// One story: documents about the same event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StoryView {
    /// Story id, as used by [`DocView::story`].
    pub id: u32,
    /// A short human-readable label.
    pub label: String,
    /// Member document ids.
    pub members: Vec<String>,
    /// Earliest member date, as written in the input.
    pub first_seen: Option<String>,
    /// Latest member date, as written in the input.
    pub last_seen: Option<String>,
    /// The entities most characteristic of the story, most important first.
    pub top_entities: Vec<String>,
    /// Titles of members (metadata `title`), distinct, in member order.
    #[serde(default)]
    pub titles: Vec<String>,
}
