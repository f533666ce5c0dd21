//! One self-contained HTML report of every finding: open it from disk, offline, in any
//! browser.
//!
//! The caller fills a [`ReportData`] (plain serializable views of documents, duplicate
//! clusters and pairs, aligned passages, boilerplate and stories, all referring to documents
//! by string id) and [`render`]s it, or [`write`]s it to a file. The page shows:
//!
//! * a **summary**: documents, duplicates removed, clusters, reused passages, boilerplate,
//!   stories, plus free-form lines;
//! * **duplicate clusters**, each member kept or dropped with its scores against the
//!   representative;
//! * **side by side** comparison of any pair or alignment, shared passages highlighted
//!   (aligned spans when the data has them, otherwise shared word 5-grams), and any single
//!   document with its passage occurrences highlighted;
//! * **passages**, boilerplate or reused, with every document they occur in;
//! * **stories** as a timeline, each with its documents, dates and top entities;
//! * **documents**, and one search box that filters every list by id or word.
//!
//! # Self-contained and safe
//!
//! The style, the script (plain JS, in `assets/`) and the data are inlined; a
//! Content-Security-Policy forbids every network request. The data is embedded once as JSON
//! in `<script type="application/json">` with `<`, `>` and `&` escaped, and the script only
//! inserts text with `textContent`, so document text cannot inject markup. Byte offsets
//! ([`AlignmentView`], [`PassageView`]) are converted to the UTF-16 offsets JS strings use
//! while rendering ([`payload_json`]).
//!
//! # Size
//!
//! The script draws one page (25 rows) of each list at a time, so the page stays responsive
//! on large collections; the file holds all the data. Measured with
//! `cargo run --release -p reprint-report --example synthetic -- 100000 300 out.html --browser`
//! (100 000 documents, 1 000 clusters, 9 000 pairs, 15 000 alignments, 5 000 passages,
//! 2 000 stories; 2-core machine, headless Chromium):
//!
//! | text per document | file size | render | page ready in Chromium |
//! | --- | --- | --- | --- |
//! | none | 16 MiB | 0.13 s | 1.3 s |
//! | 300 bytes | 46 MiB | 0.3–0.5 s | 1.5–2.3 s |
//! | 1 000 bytes | 112 MiB | 0.7 s | 4.0 s |
//!
//! A search over all 100 000 documents of 300 bytes takes about half a second. Document
//! text dominates the size, so for bigger collections truncate [`DocView::text`].
//!
//! # Example
//!
//! ```
//! use reprint_report::{render, ClusterView, DocView, ReportData, Summary};
//!
//! let doc = |id: &str, keep: bool| DocView {
//!     id: id.into(),
//!     text: format!("Text of {id} <b>not bold</b>"),
//!     date: Some("2022-02-01".into()),
//!     cluster: Some(0),
//!     keep,
//!     duplicate_of: (!keep).then(|| "000".into()),
//!     story: None,
//!     title: None,
//! };
//! let data = ReportData {
//!     title: "News".into(),
//!     summary: Summary { documents: 2, duplicates_removed: 1, clusters: 1, ..Default::default() },
//!     documents: vec![doc("000", true), doc("001", false)],
//!     clusters: vec![ClusterView {
//!         id: 0,
//!         members: vec!["000".into(), "001".into()],
//!         representative: "000".into(),
//!     }],
//!     ..Default::default()
//! };
//! let html = render(&data);
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! assert!(html.contains(r"Text of 001 \u003cb\u003enot bold"));
//! assert!(!html.contains("<b>not bold</b>"));
//! ```
//!
//! [`browser::chromium_dump_dom`] loads a written report in headless Chromium and returns
//! the DOM after its script ran, for tests that check what a person would see.
#![deny(missing_docs)]

pub mod assets;
pub mod browser;
mod model;
mod render;

use std::io::Write as _;
use std::path::Path;

pub use model::{
    AlignmentView, ClusterView, DocView, PairView, PassageView, ReportData, StoryView, Summary,
};
pub use render::{payload_json, render, render_live};

/// Renders the report and writes it to `path`, replacing any file there. Returns the number
/// of bytes written.
pub fn write(data: &ReportData, path: &Path) -> std::io::Result<u64> {
    let html = render(data);
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    file.write_all(html.as_bytes())?;
    file.flush()?;
    Ok(html.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_returns_bytes_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.html");
        let data = ReportData {
            title: "t".into(),
            ..Default::default()
        };
        let n = write(&data, &path).unwrap();
        assert_eq!(n, std::fs::metadata(&path).unwrap().len());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), render(&data));
    }

    #[test]
    fn data_round_trips_through_json() {
        let data = ReportData {
            title: "t".into(),
            summary: Summary {
                extra: vec![("k".into(), "v".into())],
                ..Default::default()
            },
            passages: vec![PassageView {
                occurrences: vec![("a".into(), 1, 2)],
                ..Default::default()
            }],
            ..Default::default()
        };
        let json = serde_json::to_string(&data).unwrap();
        assert_eq!(serde_json::from_str::<ReportData>(&json).unwrap(), data);
    }
}
