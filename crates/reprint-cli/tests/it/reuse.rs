//! The reuse level's passim-like options (series) and its memory budget.

use crate::{data_dir, of_type, records};
use serde_json::json;

/// Words `0..n` of a numbered vocabulary, as a sentence of distinct words.
fn words(tag: &str, n: usize) -> String {
    (0..n)
        .map(|i| format!("{tag}{i}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn skip_same_series_drops_reuse_within_an_outlet_and_keeps_it_across() {
    let within = words("standing", 40); // tass-1 and tass-2 share it
    let across = words("wire", 40); // tass-1 and ria-1 share it
    let docs = [
        json!({"id": "tass-1", "outlet": "TASS", "text": format!("{} {} {}", words("a", 30), within, across)}),
        json!({"id": "tass-2", "outlet": "TASS", "text": format!("{} {} {}", words("b", 30), within, words("c", 30))}),
        json!({"id": "ria-1", "outlet": 7, "text": format!("{} {} {}", words("d", 30), across, words("e", 30))}),
        json!({"id": "none-1", "text": format!("{} {}", words("f", 30), within)}),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("docs.jsonl");
    let body: String = docs.iter().map(|d| format!("{d}\n")).collect();
    std::fs::write(&path, body).unwrap();
    let p = path.to_str().unwrap();
    let pairs = |recs: &[serde_json::Value]| {
        let mut v: Vec<(String, String)> = of_type(recs, "alignment")
            .iter()
            .map(|a| {
                let (x, y) = (a["a"].as_str().unwrap(), a["b"].as_str().unwrap());
                (x.min(y).to_string(), x.max(y).to_string())
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    let all = records(&["reuse", p, "-q", "--series-field", "outlet"]);
    assert_eq!(
        pairs(&all),
        [
            pair("none-1", "tass-1"),
            pair("none-1", "tass-2"),
            pair("ria-1", "tass-1"),
            pair("tass-1", "tass-2")
        ]
    );
    let across_only = records(&[
        "reuse",
        p,
        "-q",
        "--series-field",
        "outlet",
        "--skip-same-series",
    ]);
    assert_eq!(
        pairs(&across_only),
        [
            pair("none-1", "tass-1"),
            pair("none-1", "tass-2"),
            pair("ria-1", "tass-1")
        ],
        "TASS's own standing paragraph is not reuse; a document without a series meets all"
    );
    let s = &of_type(&across_only, "summary")[0]["reuse"];
    assert_eq!(s["same_series_pairs_skipped"], 1, "{s}");
    // The flag needs the field.
    let out = crate::reprint(&["reuse", p, "--skip-same-series"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--series-field"));
    // An index keeps the series: documents added one batch at a time are judged as in one
    // call, and the export is the same.
    for (name, flags, want) in [
        (
            "across.idx",
            &["--series-field", "outlet", "--skip-same-series"][..],
            pairs(&across_only),
        ),
        ("all.idx", &["--series-field", "outlet"][..], pairs(&all)),
    ] {
        let store = dir.path().join(name);
        let s = store.to_str().unwrap();
        let mut create = vec!["index", "create", s, "--levels", "dedup,reuse"];
        create.extend_from_slice(flags);
        assert!(crate::reprint(&create).status.success());
        for (i, d) in docs.iter().enumerate() {
            let one = dir.path().join(format!("{name}-{i}.jsonl"));
            std::fs::write(&one, format!("{d}\n")).unwrap();
            records(&["index", "add", s, one.to_str().unwrap(), "-q"]);
        }
        assert_eq!(pairs(&records(&["index", "export", s])), want, "{name}");
    }
}

#[test]
fn a_seed_index_and_texts_spilled_to_disk_find_the_same_passages() {
    let Some(data) = data_dir() else { return };
    let input = data.join("20newsgroups/docs.jsonl").display().to_string();
    let whole = records(&["reuse", &input, "-q"]);
    let spill = tempfile::tempdir().unwrap();
    let small = records(&[
        "reuse",
        &input,
        "-q",
        "--memory-mib",
        "4",
        "--spill-dir",
        spill.path().to_str().unwrap(),
        "--threads",
        "1",
    ]);
    let summary = |recs: &[serde_json::Value]| of_type(recs, "summary")[0].clone();
    let (a, b) = (summary(&whole), summary(&small));
    assert_eq!(a["reuse"]["seed_index"]["spilled_bytes"], 0);
    // The texts went to disk too (20 Newsgroups is 36 MB of text), and came back whole.
    assert_eq!(a["memory"]["texts_spilled_bytes"], 0);
    let texts = b["memory"]["texts_spilled_bytes"].as_u64().unwrap();
    assert!(texts > 30_000_000, "{texts}");
    let spilled = b["reuse"]["seed_index"]["spilled_bytes"].as_u64().unwrap();
    assert!(spilled > 8_000_000, "{spilled}");
    assert_eq!(
        a["reuse"]["seed_index"]["seeds_hashed"],
        b["reuse"]["seed_index"]["seeds_hashed"]
    );
    // Every finding is the same, offsets included; only the summary's counters differ.
    let found = findings(&whole);
    assert!(of_type(&found, "passage").len() > 100);
    assert_eq!(found, findings(&small));
    // The spill file was unlinked as soon as it was made.
    assert_eq!(std::fs::read_dir(spill.path()).unwrap().count(), 0);
}

#[test]
fn analyze_with_its_texts_on_disk_finds_what_it_finds_in_memory() {
    // Dates, passages, stories and the report all read the texts back from the spill file.
    let Some(data) = data_dir() else { return };
    let all = std::fs::read_to_string(data.join("20newsgroups/docs.jsonl")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("part.jsonl");
    let part: Vec<&str> = all.lines().take(2500).collect();
    std::fs::write(&input, part.join("\n") + "\n").unwrap();
    let input = input.to_str().unwrap();
    let run = |extra: &[&str], report: &str| {
        let report = dir.path().join(report);
        let mut args = vec!["analyze", input, "-q", "--report", report.to_str().unwrap()];
        args.extend_from_slice(extra);
        (records(&args), std::fs::read_to_string(report).unwrap())
    };
    let (whole, whole_html) = run(&[], "whole.html");
    let (small, small_html) = run(&["--memory-mib", "1"], "small.html");
    let summary = |recs: &[serde_json::Value]| of_type(recs, "summary")[0].clone();
    assert_eq!(summary(&whole)["memory"]["texts_spilled_bytes"], 0);
    let spilled = summary(&small)["memory"]["texts_spilled_bytes"]
        .as_u64()
        .unwrap();
    assert!(spilled > 3_000_000, "{spilled}");
    let found = findings(&whole);
    assert!(of_type(&found, "story").len() > 10);
    assert!(of_type(&found, "passage").len() > 10);
    assert_eq!(found, findings(&small));
    assert_eq!(whole_html.len(), small_html.len());
}

/// Every record but the summary.
fn findings(recs: &[serde_json::Value]) -> Vec<serde_json::Value> {
    recs.iter()
        .filter(|r| r["type"] != "summary")
        .cloned()
        .collect()
}
