//! The finding records, typed: one definition per record serves JSONL, CSV, Parquet, the
//! report, the index, HTTP and Python. Each has its columns (and so an Arrow schema) for
//! table formats.

use arrow_schema::Schema;
use reprint_io::write::{Col, FindingsWriter, WriteError};
use serde::{Deserialize, Serialize};

/// A document's duplicate status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentRecord {
    /// The document's id.
    pub id: String,
    /// Its duplicate cluster, `None` when it has no duplicate.
    pub cluster: Option<u32>,
    /// Whether it is kept (no duplicate, or its cluster's representative).
    pub keep: bool,
    /// The kept representative's id when it is dropped.
    pub duplicate_of: Option<String>,
}

/// A verified duplicate pair, `a` before `b` in input order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PairRecord {
    /// First document.
    pub a: String,
    /// Second document.
    pub b: String,
    /// Exact shingle Jaccard (4 decimals).
    pub jaccard: f64,
    /// Share of `a`'s shingles inside `b`.
    pub containment_a_in_b: f64,
    /// Share of `b`'s shingles inside `a`.
    pub containment_b_in_a: f64,
    /// Same normalized word sequence.
    pub exact: bool,
    /// Shingles in both.
    pub shared_shingles: u32,
    /// Distinct shingles of `a`.
    pub shingles_a: u32,
    /// Distinct shingles of `b`.
    pub shingles_b: u32,
}

/// A duplicate cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClusterRecord {
    /// Cluster number.
    pub id: u32,
    /// Members.
    pub size: u64,
    /// Member ids in input order.
    pub members: Vec<String>,
    /// The kept member.
    pub representative: String,
}

/// A passage shared by two documents, with byte offsets into both original texts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlignmentRecord {
    /// First document.
    pub a: String,
    /// Byte offset of the passage in `a`.
    pub a_start: u32,
    /// End byte offset in `a`.
    pub a_end: u32,
    /// Second document.
    pub b: String,
    /// Byte offset in `b`.
    pub b_start: u32,
    /// End byte offset in `b`.
    pub b_end: u32,
    /// Matched words ÷ words of the longer side (4 decimals).
    pub identity: f64,
    /// Words in order on both sides.
    pub matched_words: u32,
    /// The passage this alignment belongs to.
    pub passage: u32,
    /// The passage's text in `a`.
    pub a_text: String,
    /// The passage's text in `b`.
    pub b_text: String,
}

/// One place a passage occurs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Occurrence {
    /// The document.
    pub doc: String,
    /// Byte offset.
    pub start: u32,
    /// End byte offset.
    pub end: u32,
}

/// Where a passage likely came from, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Source {
    /// How it was decided.
    pub basis: String,
    /// The earliest document (`null` when unknown; absent on a tie).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<Option<String>>,
    /// Documents sharing the earliest date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tie: Option<Vec<String>>,
}

/// A passage with every occurrence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PassageRecord {
    /// Passage number.
    pub id: u32,
    /// Every occurrence, sorted.
    pub occurrences: Vec<Occurrence>,
    /// Distinct documents it occurs in.
    pub documents: u64,
    /// Whether it is boilerplate.
    pub boilerplate: bool,
    /// Its likely source.
    pub source: Source,
    /// Its text (first occurrence).
    pub text: String,
}

/// A story: documents about one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoryRecord {
    /// Story number.
    pub id: u32,
    /// Members.
    pub size: u64,
    /// Member ids.
    pub members: Vec<String>,
    /// First date (YYYY-MM-DD).
    pub first_seen: Option<String>,
    /// Last date.
    pub last_seen: Option<String>,
    /// Top entities — top terms.
    pub label: String,
    /// Most weighted entities.
    pub top_entities: Vec<String>,
    /// Most weighted terms.
    pub top_terms: Vec<String>,
    /// Titles (metadata `title`) of the members that have one, in member order, distinct,
    /// at most ten.
    #[serde(default)]
    pub titles: Vec<String>,
}

/// A document's place in a story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoryAssignmentRecord {
    /// The document.
    pub doc: String,
    /// Its story.
    pub story: u32,
    /// Similarity to the story when it joined (1 when it started it).
    pub score: f64,
    /// Whether it started the story.
    pub started: bool,
    /// Its date.
    pub date: Option<String>,
    /// Where the date came from.
    pub date_basis: Option<String>,
}

/// Documents made durable by an index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommittedRecord {
    /// Documents in this commit.
    pub documents: u64,
    /// Documents in the index after it.
    pub total: u64,
}

/// Any finding, tagged with its `"type"` as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Finding {
    /// `document`
    Document(DocumentRecord),
    /// `pair`
    Pair(PairRecord),
    /// `cluster`
    Cluster(ClusterRecord),
    /// `alignment`
    Alignment(AlignmentRecord),
    /// `passage`
    Passage(PassageRecord),
    /// `story`
    Story(StoryRecord),
    /// `story_assignment`
    StoryAssignment(StoryAssignmentRecord),
    /// `summary`: counts and settings of a run.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    Summary(serde_json::Map<String, serde_json::Value>),
    /// `committed`: an index made documents durable.
    Committed(CommittedRecord),
}

impl Finding {
    /// The record's `"type"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Finding::Document(_) => "document",
            Finding::Pair(_) => "pair",
            Finding::Cluster(_) => "cluster",
            Finding::Alignment(_) => "alignment",
            Finding::Passage(_) => "passage",
            Finding::Story(_) => "story",
            Finding::StoryAssignment(_) => "story_assignment",
            Finding::Summary(_) => "summary",
            Finding::Committed(_) => "committed",
        }
    }
}

/// The fields of an [`Occurrence`] as table columns.
const OCCURRENCE: &[(&str, Col)] = &[("doc", Col::Str), ("start", Col::Int), ("end", Col::Int)];

/// The fields of a [`Source`] as table columns (`doc` is null when unknown or tied).
const SOURCE: &[(&str, Col)] = &[
    ("basis", Col::Str),
    ("doc", Col::Str),
    ("tie", Col::StrList),
];

/// Record types written as tables: `(type, columns)`. In Parquet (and Arrow) a passage's
/// `occurrences` is a list of `{doc, start, end}` and its `source` a `{basis, doc, tie}`;
/// CSV cells hold them as JSON text.
pub const TABLES: &[(&str, &[(&str, Col)])] = &[
    (
        "document",
        &[
            ("id", Col::Str),
            ("cluster", Col::Int),
            ("keep", Col::Bool),
            ("duplicate_of", Col::Str),
        ],
    ),
    (
        "pair",
        &[
            ("a", Col::Str),
            ("b", Col::Str),
            ("jaccard", Col::Float),
            ("containment_a_in_b", Col::Float),
            ("containment_b_in_a", Col::Float),
            ("exact", Col::Bool),
            ("shared_shingles", Col::Int),
            ("shingles_a", Col::Int),
            ("shingles_b", Col::Int),
        ],
    ),
    (
        "cluster",
        &[
            ("id", Col::Int),
            ("size", Col::Int),
            ("members", Col::StrList),
            ("representative", Col::Str),
        ],
    ),
    (
        "alignment",
        &[
            ("a", Col::Str),
            ("a_start", Col::Int),
            ("a_end", Col::Int),
            ("b", Col::Str),
            ("b_start", Col::Int),
            ("b_end", Col::Int),
            ("identity", Col::Float),
            ("matched_words", Col::Int),
            ("passage", Col::Int),
            ("a_text", Col::Str),
            ("b_text", Col::Str),
        ],
    ),
    (
        "passage",
        &[
            ("id", Col::Int),
            ("occurrences", Col::StructList(OCCURRENCE)),
            ("documents", Col::Int),
            ("boilerplate", Col::Bool),
            ("source", Col::Struct(SOURCE)),
            ("text", Col::Str),
        ],
    ),
    (
        "story",
        &[
            ("id", Col::Int),
            ("size", Col::Int),
            ("members", Col::StrList),
            ("first_seen", Col::Str),
            ("last_seen", Col::Str),
            ("label", Col::Str),
            ("top_entities", Col::StrList),
            ("top_terms", Col::StrList),
            ("titles", Col::StrList),
        ],
    ),
    (
        "story_assignment",
        &[
            ("doc", Col::Str),
            ("story", Col::Int),
            ("score", Col::Float),
            ("started", Col::Bool),
            ("date", Col::Str),
            ("date_basis", Col::Str),
        ],
    ),
    ("committed", &[("documents", Col::Int), ("total", Col::Int)]),
];

/// The Arrow schema of record type `kind` (as written to Parquet), if it is a table.
pub fn arrow_schema(kind: &str) -> Option<Schema> {
    TABLES
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, cols)| reprint_io::write::arrow_schema(cols))
}

/// Where findings go: a file writer, a vector, an HTTP response, a Python list. Modeled on
/// ripgrep's `Sink`: the engine pushes, the sink decides.
pub trait Sink {
    /// Why the sink could not take a record.
    type Error;
    /// Takes one record.
    fn write(&mut self, finding: &Finding) -> Result<(), Self::Error>;
}

impl Sink for Vec<Finding> {
    type Error = std::convert::Infallible;
    fn write(&mut self, finding: &Finding) -> Result<(), Self::Error> {
        self.push(finding.clone());
        Ok(())
    }
}

impl Sink for FindingsWriter {
    type Error = WriteError;
    fn write(&mut self, finding: &Finding) -> Result<(), WriteError> {
        FindingsWriter::write(self, finding)
    }
}

/// Declares every table on `w` (needed for CSV and Parquet output).
pub fn declare_tables(w: &mut FindingsWriter) {
    for (kind, cols) in TABLES {
        w.declare(kind, cols);
    }
}

pub(crate) fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_serialize_with_their_type_first() {
        let f = Finding::Pair(PairRecord {
            a: "x".into(),
            b: "y".into(),
            jaccard: 0.5,
            containment_a_in_b: 1.0,
            containment_b_in_a: 0.5,
            exact: false,
            shared_shingles: 1,
            shingles_a: 1,
            shingles_b: 2,
        });
        let s = serde_json::to_string(&f).unwrap();
        assert!(s.starts_with("{\"type\":\"pair\",\"a\":\"x\""), "{s}");
        let back: Finding = serde_json::from_str(&s).unwrap();
        assert_eq!(back, f);
        let schema = arrow_schema("pair").unwrap();
        assert_eq!(schema.fields().len(), 9);
        assert_eq!(schema.field(2).name(), "jaccard");
    }

    #[test]
    fn every_table_kind_is_a_finding_kind() {
        let kinds = [
            "document",
            "pair",
            "cluster",
            "alignment",
            "passage",
            "story",
            "story_assignment",
            "committed",
        ];
        for (k, _) in TABLES {
            assert!(kinds.contains(k), "{k}");
        }
    }
}
