//! The five seed news texts: 000 and 001 are one TASS story (001 adds a headline); 002, 003
//! and 004 stand alone.

use crate::{news_dir, of_type, records, story_members};
use std::path::Path;

fn check_seed_findings(recs: &[serde_json::Value]) {
    let pairs = of_type(recs, "pair");
    assert_eq!(pairs.len(), 1, "exactly one pair: {pairs:?}");
    let p = pairs[0];
    assert_eq!(
        (p["a"].as_str(), p["b"].as_str()),
        (Some("000"), Some("001"))
    );
    let j = p["jaccard"].as_f64().unwrap();
    assert!((0.93..=0.96).contains(&j), "jaccard {j}");
    assert_eq!(p["containment_a_in_b"], 1.0, "000 lies wholly inside 001");
    assert_eq!(p["exact"], false);

    let clusters = of_type(recs, "cluster");
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0]["members"], serde_json::json!(["000", "001"]));
    assert_eq!(clusters[0]["representative"], "000");

    let docs = of_type(recs, "document");
    assert_eq!(docs.len(), 5);
    for d in docs {
        let id = d["id"].as_str().unwrap();
        if id == "001" {
            assert_eq!(d["keep"], false);
            assert_eq!(d["duplicate_of"], "000");
        } else {
            assert_eq!(d["keep"], true, "{id} is kept");
            assert!(d["duplicate_of"].is_null());
        }
        if id >= "002" {
            assert!(d["cluster"].is_null(), "{id} stands alone");
        }
    }
    let summary = of_type(recs, "summary");
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0]["documents"], 5);
    assert_eq!(summary[0]["dropped"], 1);
}

#[test]
fn analyze_with_no_input_runs_the_bundled_example() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("seeds.html");
    check_seed_findings(&records(&[
        "analyze",
        "--quiet",
        "--report",
        report.to_str().unwrap(),
    ]));
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        html.contains("The West and Kiev"),
        "the report carries the texts"
    );
}

#[test]
fn dedup_on_the_example_directory_finds_the_same() {
    check_seed_findings(&records(&["dedup", &news_dir(), "--quiet"]));
}

#[test]
fn keep_longest_keeps_the_version_with_the_headline() {
    let recs = records(&["dedup", &news_dir(), "--quiet", "--keep", "longest"]);
    let c = of_type(&recs, "cluster");
    assert_eq!(c[0]["representative"], "001");
}

#[test]
fn same_output_for_one_and_many_threads() {
    let strip = |recs: Vec<serde_json::Value>| -> Vec<serde_json::Value> {
        recs.into_iter()
            .filter(|r| r["type"] != "summary")
            .collect()
    };
    let dir = news_dir();
    let one = strip(records(&[
        "dedup",
        &dir,
        "-q",
        "-j",
        "1",
        "--threshold",
        "0.05",
    ]));
    let many = strip(records(&[
        "dedup",
        &dir,
        "-q",
        "-j",
        "4",
        "--threshold",
        "0.05",
    ]));
    assert_eq!(one, many);
    assert!(!one.is_empty());
}

#[test]
fn reuse_reports_the_pasted_paragraph_with_byte_offsets_in_both() {
    let recs = records(&["reuse", &news_dir(), "--quiet"]);
    let aligns = of_type(&recs, "alignment");
    let al = aligns
        .iter()
        .find(|a| a["a"] == "003" && a["b"] == "004")
        .expect("003/004 alignment");
    let t3 = std::fs::read_to_string(format!("{}/003.txt", news_dir())).unwrap();
    let t4 = std::fs::read_to_string(format!("{}/004.txt", news_dir())).unwrap();
    let (s3, e3) = (
        al["a_start"].as_u64().unwrap() as usize,
        al["a_end"].as_u64().unwrap() as usize,
    );
    let (s4, e4) = (
        al["b_start"].as_u64().unwrap() as usize,
        al["b_end"].as_u64().unwrap() as usize,
    );
    assert_eq!(s3, t3.find("The West and Kiev").unwrap());
    assert_eq!(s4, t4.find("The West and Kiev").unwrap());
    assert!(
        t3[s3..e3].ends_with("serious consequences"),
        "{}",
        &t3[s3..e3]
    );
    assert!(t4[s4..e4].ends_with("very serious consequences"));
    assert_eq!(al["a_text"].as_str().unwrap(), &t3[s3..e3]);
    // 002 shares no passage with any seed; no duplicate records from `reuse`.
    assert!(aligns.iter().all(|a| a["a"] != "002" && a["b"] != "002"));
    assert!(of_type(&recs, "pair").is_empty());
    let passages = of_type(&recs, "passage");
    assert_eq!(passages.len(), aligns.len());
    assert!(passages.iter().all(|p| p["boilerplate"] == false));
}

#[test]
fn stories_group_the_draghi_call_and_keep_the_others_apart() {
    let recs = records(&["stories", &news_dir(), "--quiet"]);
    let stories = of_type(&recs, "story");
    let members = story_members(&recs);
    assert_eq!(
        members,
        [vec!["004"], vec!["000", "001", "002"], vec!["003"]],
        "a timeline"
    );
    assert_eq!(stories[1]["first_seen"], "2022-02-01");
    assert!(stories[1]["top_entities"].to_string().contains("Draghi"));
    let assignments = of_type(&recs, "story_assignment");
    assert_eq!(assignments.len(), 5);
    let a002 = assignments.iter().find(|a| a["doc"] == "002").unwrap();
    assert_eq!(a002["date_basis"], "date header line");
    let a000 = assignments.iter().find(|a| a["doc"] == "000").unwrap();
    assert_eq!(
        a000["date_basis"],
        "dateline, year inferred from the collection"
    );
}

#[test]
fn the_pasted_paragraph_is_attributed_to_the_earlier_document() {
    let recs = records(&["reuse", &news_dir(), "--quiet"]);
    let p = of_type(&recs, "passage")
        .into_iter()
        .find(|p| p["text"].as_str().unwrap().starts_with("The West and Kiev"))
        .unwrap();
    assert_eq!(
        p["source"]["doc"], "004",
        "18 January comes before 21 February"
    );
}

#[test]
fn streaming_stories_give_the_same_partition() {
    let recs = records(&["stories", &news_dir(), "--quiet", "--stream"]);
    let mut groups = story_members(&recs);
    groups.sort();
    assert_eq!(
        groups,
        [vec!["000", "001", "002"], vec!["003"], vec!["004"]]
    );
    // 004 (18 January) arrives first and starts a story; 001 joins 000's.
    let assignments = of_type(&recs, "story_assignment");
    let started: Vec<&str> = assignments
        .iter()
        .filter(|a| a["started"] == true)
        .map(|a| a["doc"].as_str().unwrap())
        .collect();
    assert_eq!(started, ["000", "003", "004"]);
}

/// The tiny static model the embedding crate's tests ship (word-level, seed vocabulary).
fn tiny_model() -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../reprint-embed/tests/fixtures/tiny-model")
        .display()
        .to_string()
}

#[test]
fn stories_with_a_model_keep_the_seed_partition_and_use_it() {
    let model = tiny_model();
    let plain = records(&["stories", &news_dir(), "--quiet"]);
    for mode in [None, Some("--stream")] {
        let mut args = vec!["stories", news_dir().leak(), "--quiet", "--model", &model];
        args.extend(mode);
        let recs = records(&args);
        let mut groups = story_members(&recs);
        groups.sort();
        assert_eq!(
            groups,
            [vec!["000", "001", "002"], vec!["003"], vec!["004"]],
            "{mode:?}"
        );
        let s = &of_type(&recs, "summary")[0]["stories"];
        assert_eq!(s["embeddings"]["documents"], 5, "{s}");
        assert!(s["embeddings"]["source"]
            .as_str()
            .unwrap()
            .contains("tiny-model"));
        if mode.is_none() {
            let score = |recs: &[serde_json::Value]| {
                of_type(recs, "story_assignment")
                    .into_iter()
                    .find(|a| a["doc"] == "002")
                    .unwrap()["score"]
                    .as_f64()
                    .unwrap()
            };
            assert_ne!(score(&recs), score(&plain), "the embedding is a feature");
        }
    }
}

#[test]
fn a_bad_model_is_named_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::reprint(&["stories", &news_dir(), "--model", "no/such/model"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no/such/model") && err.contains("cannot open"),
        "{err}"
    );
    std::fs::write(dir.path().join("model.safetensors"), b"not tensors").unwrap();
    std::fs::copy(
        Path::new(&tiny_model()).join("tokenizer.json"),
        dir.path().join("tokenizer.json"),
    )
    .unwrap();
    let out = crate::reprint(&[
        "analyze",
        &news_dir(),
        "--model",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("model.safetensors") && err.contains("not a safetensors file"),
        "{err}"
    );
    let out = crate::reprint(&[
        "stories",
        &news_dir(),
        "--model",
        &tiny_model(),
        "--embedding-field",
        "emb",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
}
