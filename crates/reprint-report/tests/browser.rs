//! The report as a person sees it: headless Chromium opens the written file from disk, runs
//! its script, and the resulting DOM must show the cluster, the highlighted shared passage
//! and the story. A screenshot lands in `target/test-artifacts/report-seeds.png`.
//!
//! Without Chromium the test fails when `CI` is set and is skipped with a note otherwise.

use std::path::PathBuf;

use reprint_report::browser::{chromium_dump_dom, chromium_dump_url, file_url, find_chromium};
use reprint_report::{
    AlignmentView, ClusterView, DocView, PairView, PassageView, ReportData, StoryView, Summary,
};

/// The paragraph 003 and 004 share.
const SHARED: &str = "The West and Kiev have recently been echoing allegations about Russia’s \
    potential invasion of Ukraine, which Moscow has repeatedly denied.";
/// Text that would run script if it were ever inserted as HTML.
const HOSTILE: &str = "<img src=x onerror=\"document.title='pwned'\"></script><!--";

/// Five documents mimicking the seed news: 000/001 a duplicate cluster, 003/004 sharing a
/// paragraph (after non-ASCII text, so byte and UTF-16 offsets differ), 000/001/002 a story.
fn seeds() -> ReportData {
    let putin = "MOSCOW, February 1. /TASS/. In a phone conversation between Russian President \
        Vladimir Putin and Italian Prime Minister Mario Draghi, the necessity for Kiev to take \
        concrete steps to implement the Minsk Agreements was underscored.";
    let texts = [
        ("000", putin.to_string(), "2022-02-01"),
        (
            "001",
            format!("Putin, Draghi stress necessity for Kiev’s moves — Kremlin\n{putin}"),
            "2022-02-01",
        ),
        (
            "002",
            format!(
                "Italian Prime Minister Mario Draghi had a telephonic conversation with Putin \
                 on Tuesday. {HOSTILE}"
            ),
            "2022-02-02",
        ),
        (
            "003",
            format!(
                "MOSCOW, February 21. /TASS/. Presidents Putin and Macron — the second call \
                 in one day — talked about Ukraine.\n{SHARED}\nPeskov added nothing."
            ),
            "2022-02-21",
        ),
        (
            "004",
            format!(
                "MOSCOW, January 18. /TASS/. Lavrov and Blinken discussed ‘concrete replies on \
                 paper’.\n\n{SHARED}"
            ),
            "2022-01-18",
        ),
    ];
    let documents = texts
        .iter()
        .map(|(id, text, date)| DocView {
            id: id.to_string(),
            text: text.clone(),
            date: Some(date.to_string()),
            cluster: matches!(*id, "000" | "001").then_some(0),
            keep: *id != "001",
            duplicate_of: (*id == "001").then(|| "000".to_string()),
            story: matches!(*id, "000" | "001" | "002").then_some(0),
            title: (*id == "001")
                .then(|| "Putin, Draghi stress necessity for Kiev’s moves".to_string()),
        })
        .collect();
    let span = |i: usize| {
        let s = texts[i].1.find(SHARED).unwrap() as u32;
        (s, s + SHARED.len() as u32)
    };
    let ((a_start, a_end), (b_start, b_end)) = (span(3), span(4));
    ReportData {
        title: "Seed news".into(),
        summary: Summary {
            documents: 5,
            duplicates_removed: 1,
            clusters: 1,
            reused_passages: 1,
            boilerplate: 0,
            stories: 1,
            extra: vec![("threshold".into(), "0.8".into())],
        },
        documents,
        clusters: vec![ClusterView {
            id: 0,
            members: vec!["000".into(), "001".into()],
            representative: "000".into(),
        }],
        pairs: vec![PairView {
            a: "000".into(),
            b: "001".into(),
            jaccard: 0.86,
            containment_a_in_b: 1.0,
            containment_b_in_a: 0.86,
            exact: false,
        }],
        alignments: vec![AlignmentView {
            a: "003".into(),
            a_start,
            a_end,
            b: "004".into(),
            b_start,
            b_end,
            identity: 1.0,
            passage: 0,
        }],
        passages: vec![PassageView {
            id: 0,
            occurrences: vec![
                ("003".into(), a_start, a_end),
                ("004".into(), b_start, b_end),
            ],
            boilerplate: false,
            source: Some("004".into()),
            text: SHARED.into(),
        }],
        stories: vec![StoryView {
            id: 0,
            label: "Putin and Draghi phone call".into(),
            members: vec!["000".into(), "001".into(), "002".into()],
            first_seen: Some("2022-02-01".into()),
            last_seen: Some("2022-02-02".into()),
            top_entities: vec!["Putin".into(), "Draghi".into(), "Kiev".into()],
            titles: vec!["Putin and Draghi discuss gas".into()],
        }],
    }
}

/// `false` (after a note) if Chromium is missing and we are not on CI; panics on CI.
fn have_chromium() -> bool {
    if find_chromium().is_some() {
        return true;
    }
    let msg = "chromium not installed (apt-get install chromium); the browser test needs it";
    if std::env::var_os("CI").is_some() {
        panic!("{msg}");
    }
    eprintln!("note: {msg}; skipping");
    false
}

#[test]
fn report_shows_cluster_highlighted_passage_and_story_in_chromium() {
    if !have_chromium() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    let bytes = reprint_report::write(&seeds(), &html).unwrap();
    assert!(bytes > 0);

    let artifacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let png = artifacts.join("report-seeds.png");
    let _ = std::fs::remove_file(&png);
    let dom = chromium_dump_dom(&html, Some(&png)).unwrap();

    assert!(
        dom.contains(r#"data-ready="true""#),
        "the script did not finish"
    );
    // Summary and the cluster with its kept and dropped member.
    assert!(dom.contains("duplicates removed"));
    let cluster = &dom[dom.find(r#"data-cluster="0""#).expect("cluster 0 drawn")..];
    let cluster = &cluster[..cluster.find("</table>").unwrap()];
    assert!(cluster.contains("Cluster #0"));
    assert!(cluster.contains(">kept<") && cluster.contains(">dropped<"));
    assert!(cluster.contains("0.860"), "score shown: {cluster}");
    // The shared paragraph highlighted in both documents, exactly: the byte offsets were
    // turned into the right string offsets despite the multi-byte characters before it.
    let marked = format!(">{SHARED}</mark>");
    assert_eq!(
        dom.matches(&marked).count(),
        2,
        "shared paragraph marked in 003 and 004"
    );
    // The story with its dates, entities and documents.
    let story = &dom[dom.find(r#"data-story="0""#).expect("story 0 drawn")..];
    assert!(story.contains("Putin and Draghi phone call"));
    assert!(story.contains("2022-02-01 → 2022-02-02"));
    assert!(story.contains(">Draghi<"));
    assert!(story.contains(">002<"));
    // Document text shows as text, never as markup.
    assert!(!dom.contains("<img"), "document text became markup");
    assert!(dom.contains("&lt;img src=x"));

    let png_bytes = std::fs::read(&png).unwrap();
    assert!(png_bytes.starts_with(b"\x89PNG"), "screenshot is a PNG");
    eprintln!("screenshot: {}", png.display());
}

/// The part of `dom` inside the element with `id="compare"`, up to the next section.
fn compare_section(dom: &str) -> &str {
    let start = dom.find(r#"id="compare""#).expect("compare section");
    let rest = &dom[start..];
    &rest[..rest.find("</section>").unwrap()]
}

#[test]
fn links_open_a_document_a_pair_or_a_search() {
    if !have_chromium() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    reprint_report::write(&seeds(), &html).unwrap();
    let url = file_url(&html.canonicalize().unwrap());
    let open = |fragment: &str| chromium_dump_url(&format!("{url}#{fragment}"), None).unwrap();

    // One document, its passage occurrence highlighted from the passage's byte offsets.
    let dom = open("doc=004");
    let cmp = compare_section(&dom);
    assert!(cmp.contains("1 passage occurrence(s) highlighted"), "{cmp}");
    assert!(cmp.contains(&format!(">{SHARED}</mark>")));

    // A pair without alignments: shared word 5-grams highlighted in both texts. 001 is
    // 000 with a headline added, so all of 000 is marked and 001's headline is not.
    let dom = open("cmp=000&001");
    let cmp = compare_section(&dom);
    assert!(cmp.contains("shared word 5-grams highlighted"), "{cmp}");
    assert!(cmp.contains("jaccard 0.860"));
    assert_eq!(cmp.matches("<mark").count(), 2);
    // 001's headline shows above its text, and the search finds it.
    assert!(
        cmp.contains(r#"<p class="title">Putin, Draghi stress necessity for Kiev’s moves</p>"#),
        "{cmp}"
    );
    assert!(cmp.contains(">MOSCOW, February 1. /TASS/. In a phone"));
    assert!(
        cmp.contains("— Kremlin\n<mark"),
        "001's headline is not shared"
    );

    // A search filters every list: "macron" is only in 003.
    let dom = open("q=macron");
    let docs = &dom[dom.find(r#"id="documents""#).unwrap()..];
    assert!(docs.contains("1 of 5"), "documents filtered");
    assert!(docs.contains(">003<") && !docs.contains(">004<"));
    let stories = &dom[dom.find(r#"id="stories""#).unwrap()..dom.find(r#"id="passages""#).unwrap()];
    assert!(
        stories.contains("0 of 1"),
        "the story has no document about Macron"
    );
}
