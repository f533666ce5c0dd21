//! Do no harm: no output over an input, outputs checked before the work, and an output
//! appears whole or not at all.

use crate::{data_dir, news_dir, reprint};
use std::path::Path;
use std::process::{Command, Stdio};

fn jsonl(dir: &Path, name: &str, lines: &[&str]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    p
}

fn refused(args: &[&str], needle: &str) {
    let out = reprint(args);
    assert_eq!(out.status.code(), Some(1), "{args:?} must be refused");
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains(needle), "{args:?}: {e}");
}

#[test]
fn no_output_may_land_on_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = jsonl(
        dir.path(),
        "in.jsonl",
        &[
            r#"{"id":"a","text":"one two three four five six"}"#,
            r#"{"id":"b","text":"one two three four five six"}"#,
        ],
    );
    let before = std::fs::read(&input).unwrap();
    let i = input.display().to_string();
    refused(&["dedup", &i, "-o", &i], "this is an input");
    refused(&["dedup", &i, "--write-kept", &i], "this is an input");
    refused(&["analyze", &i, "--report", &i], "this is an input");
    // The same file under another name.
    let link = dir.path().join("link.jsonl");
    std::fs::hard_link(&input, &link).unwrap();
    refused(
        &["dedup", &i, "-o", &link.display().to_string()],
        "this is an input",
    );
    assert_eq!(
        std::fs::read(&input).unwrap(),
        before,
        "the input is untouched"
    );

    // A directory of texts: nothing may be written inside it.
    let news = news_dir();
    let copy = dir.path().join("news");
    std::fs::create_dir(&copy).unwrap();
    for e in std::fs::read_dir(&news).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), copy.join(e.file_name())).unwrap();
    }
    let c = copy.display().to_string();
    refused(&["dedup", &c, "--write-kept", &c], "this is an input");
    refused(
        &["dedup", &c, "--write-kept", &format!("{c}/kept")],
        "inside the input directory",
    );
    refused(
        &["dedup", &c, "-o", &format!("{c}/out.jsonl")],
        "inside the input directory",
    );
    assert_eq!(std::fs::read_dir(&copy).unwrap().count(), 5);
}

#[test]
fn a_bad_output_path_fails_before_the_work() {
    let dir = tempfile::tempdir().unwrap();
    // The second record is bad: if the work ran first, that would be the error.
    let input = jsonl(
        dir.path(),
        "in.jsonl",
        &[
            r#"{"id":"a","text":"one two three"}"#,
            r#"{"id":"b","text": 7}"#,
        ],
    );
    let missing = dir.path().join("no/such/dir/out.jsonl");
    refused(
        &[
            "dedup",
            &input.display().to_string(),
            "-o",
            &missing.display().to_string(),
        ],
        "no/such/dir does not exist",
    );
}

/// SIGKILL while a run writes over a previous result: the previous result stays whole (or
/// the new one is complete); never a half file under the final name.
#[test]
fn a_killed_run_leaves_the_previous_output_intact() {
    let Some(data) = data_dir() else {
        return;
    };
    let input = data.join("20newsgroups/docs.jsonl").display().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("findings.jsonl");
    let o = out.display().to_string();
    let first = reprint(&["dedup", &input, "-o", &o, "-q"]);
    assert!(first.status.success());
    let previous = std::fs::read(&out).unwrap();
    assert!(previous.ends_with(b"\n") && previous.len() > 1_000_000);
    for delay_ms in [20u64, 120, 400] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_reprint"))
            .args(["analyze", &input, "-o", &o, "-q", "--no-report"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        let now = std::fs::read(&out).unwrap();
        let complete = now.ends_with(b"\n")
            && String::from_utf8_lossy(&now)
                .lines()
                .last()
                .is_some_and(|l| l.contains("\"type\":\"summary\""));
        assert!(
            now == previous || complete,
            "killed after {delay_ms} ms: a half file"
        );
    }
}

#[test]
fn a_repeated_id_is_a_bad_record_naming_both_places() {
    let dir = tempfile::tempdir().unwrap();
    let input = jsonl(
        dir.path(),
        "ids.jsonl",
        &[
            r#"{"id":"x","text":"one two three four five six"}"#,
            r#"{"id":"y","text":"seven eight nine"}"#,
            r#"{"id":"x","text":"ten eleven twelve"}"#,
        ],
    );
    let i = input.display().to_string();
    refused(&["dedup", &i], "ids.jsonl:3: duplicate id \"x\" (first at");
    // Skipped and counted when asked: the keep-list joins back to the data.
    let recs = crate::records(&["dedup", &i, "--on-error", "skip", "-q"]);
    let summary = recs.last().unwrap();
    assert_eq!(summary["documents"], 2);
    assert_eq!(summary["skipped_records"], 1);
    // Three files all named 001 in different inputs.
    for sub in ["a", "b", "c"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        std::fs::write(
            dir.path().join(sub).join("001.txt"),
            format!("text of {sub}"),
        )
        .unwrap();
    }
    let p = |s: &str| dir.path().join(s).display().to_string();
    refused(
        &["dedup", &p("a"), &p("b"), &p("c")],
        "duplicate id \"001\"",
    );
}

#[test]
fn formats_follow_the_names_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let news = news_dir();
    // JSON Lines compressed as the name says.
    let gz = dir.path().join("out.jsonl.gz");
    let out = reprint(&["dedup", &news, "-o", &gz.display().to_string(), "-q"]);
    assert!(out.status.success());
    let mut text = String::new();
    use std::io::Read;
    flate2::read::GzDecoder::new(std::fs::File::open(&gz).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    assert!(text
        .lines()
        .last()
        .unwrap()
        .contains("\"type\":\"summary\""));
    // Tables are named in plain English.
    let base = dir.path().join("t.csv");
    let out = reprint(&[
        "analyze",
        &news,
        "--format",
        "csv",
        "-o",
        &base.display().to_string(),
        "-q",
        "--no-report",
    ]);
    assert!(out.status.success());
    assert!(dir.path().join("t.stories.csv").exists());
    assert!(dir.path().join("t.story_assignments.csv").exists());
    assert!(dir.path().join("t.summary.json").exists());
    // Tables need a file name; `-` is not one.
    refused(
        &["dedup", &news, "--format", "csv", "-o", "-"],
        "needs --output PATH",
    );
    // The kept corpus is the input's format: another format's name is refused before the work.
    let input = jsonl(
        dir.path(),
        "in.jsonl",
        &[r#"{"id":"a","text":"one two three"}"#],
    );
    let kept = dir.path().join("kept.parquet");
    refused(
        &[
            "dedup",
            &input.display().to_string(),
            "--write-kept",
            &kept.display().to_string(),
        ],
        "the kept corpus is written in the input's format",
    );
    assert!(!kept.exists());
}

#[test]
fn a_wrong_header_stops_the_run_even_when_skipping() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("h.csv");
    std::fs::write(&p, "id,body\na,one two three\n").unwrap();
    let out = reprint(&[
        "dedup",
        &p.display().to_string(),
        "--on-error",
        "skip",
        "-q",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "0 documents and exit 0 would hide the mistake"
    );
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("no column \"text\" in the header (columns: id, body)"),
        "{e}"
    );
    assert!(e.contains("--text-field"), "{e}");
    assert!(
        !e.contains("--on-error skip"),
        "skipping cannot help a whole file: {e}"
    );
}

#[test]
fn unreadable_files_in_a_tree_are_bad_records_and_a_pipe_never_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("a.txt"), "one two three four five six seven").unwrap();
    std::os::unix::fs::symlink(dir.path().join("gone.txt"), tree.join("b.txt")).unwrap();
    let fifo = tree.join("c.txt");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let t = tree.display().to_string();
    // Stops, naming the file…
    refused(&["dedup", &t], "b.txt:1: cannot read");
    // …or skips and counts both, and never waits on the pipe.
    let recs = crate::records(&["dedup", &t, "--on-error", "skip", "-q"]);
    let summary = recs.last().unwrap();
    assert_eq!(summary["documents"], 1);
    assert_eq!(summary["skipped_records"], 2);
    // A pipe named directly is refused at once.
    refused(
        &["dedup", &fifo.display().to_string()],
        "not a regular file",
    );
}

/// The kept corpus follows each record's place, so a record skipped by the first read
/// never shifts the decisions of the ones after it.
#[test]
fn skipped_records_never_shift_the_kept_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let text = "the same story about the river bank and the bridge over it today";
    let input = jsonl(
        dir.path(),
        "in.jsonl",
        &[
            &format!(r#"{{"id":"a","text":"{text}"}}"#),
            r#"{"id":"a","text":"a repeated id, skipped"}"#,
            r#"{"id":"b","text":"nothing like the others at all, a different text"}"#,
            &format!(r#"{{"id":"c","text":"{text}"}}"#),
            r#"{"id":"d","text":"another unrelated document with its own words"}"#,
        ],
    );
    let kept = dir.path().join("kept.jsonl");
    let out = reprint(&[
        "dedup",
        &input.display().to_string(),
        "--on-error",
        "skip",
        "-q",
        "--write-kept",
        &kept.display().to_string(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ids: Vec<String> = std::fs::read_to_string(&kept)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    // a kept, its repeated id skipped, b kept, c dropped as a copy of a, d kept.
    assert_eq!(ids, ["a", "b", "d"]);
}

#[test]
fn csv_list_cells_split_back() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("s.csv");
    let out = reprint(&[
        "analyze",
        &news_dir(),
        "--format",
        "csv",
        "-o",
        &base.display().to_string(),
        "-q",
        "--no-report",
    ]);
    assert!(out.status.success());
    let mut rdr = csv::Reader::from_path(dir.path().join("s.stories.csv")).unwrap();
    let headers = rdr.headers().unwrap().clone();
    let col = headers.iter().position(|h| h == "top_entities").unwrap();
    let mut found = false;
    for row in rdr.records() {
        let cell = row.unwrap()[col].to_string();
        let list: Vec<String> = serde_json::from_str(&cell).expect("a JSON array");
        found |= list.iter().any(|e| e == "United States");
    }
    assert!(found, "multi-word entities stay whole");
}

/// `--memory-mib` on input that cannot be read again (gzip): the shingle sets go to disk,
/// verification fetches them in blocks that fit the budget, and the findings are the same
/// as with the default budget.
#[test]
fn a_small_memory_budget_spills_and_finds_the_same() {
    let Some(data) = data_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("ng.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    std::io::copy(
        &mut std::fs::File::open(data.join("20newsgroups/docs.jsonl")).unwrap(),
        &mut enc,
    )
    .unwrap();
    enc.finish().unwrap();
    let g = gz.display().to_string();
    let run = |mib: &str| {
        let recs = crate::records(&["dedup", &g, "--memory-mib", mib, "-q"]);
        let summary = recs.last().unwrap().clone();
        let pairs: Vec<String> = crate::of_type(&recs, "pair")
            .iter()
            .map(|p| p.to_string())
            .collect();
        (summary, pairs)
    };
    let (whole, whole_pairs) = run("4096");
    let (small, small_pairs) = run("1");
    assert!(whole_pairs.len() > 100, "20 Newsgroups has duplicates");
    assert_eq!(whole_pairs, small_pairs);
    assert_eq!(whole["clusters"], small["clusters"]);
    assert_eq!(whole["shingle_sets_spilled_to_disk"], false);
    assert_eq!(small["shingle_sets_spilled_to_disk"], true);
    assert_eq!(whole["memory"]["verify_blocks"], 1);
    assert!(
        small["memory"]["verify_blocks"].as_u64().unwrap() > 1,
        "{}",
        small["memory"]
    );
    // Sets are counted per document, whatever the blocks; fetches count every block's.
    let distinct = |s: &serde_json::Value| {
        let v = &s["verified_sets"];
        ["stored", "reread", "from_kept_text"]
            .iter()
            .map(|k| v[k].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(
        distinct(&small),
        distinct(&whole),
        "{}",
        small["verified_sets"]
    );
    assert_eq!(
        whole["verified_sets"]["fetches"].as_u64(),
        Some(distinct(&whole))
    );
    assert!(
        small["verified_sets"]["fetches"].as_u64().unwrap() >= distinct(&small),
        "{}",
        small["verified_sets"]
    );
    assert_eq!(small["memory"]["budget_bytes"], 1 << 20);
    assert_eq!(small["memory"]["over_budget"], true, "{}", small["memory"]);
}

/// Groups of exact copies are listed as a star on the first copy and a near pair once,
/// between first copies: output linear in the copies. `--all-pairs` lists every pair (the
/// star listing expanded); clusters and keep decisions are the same. The index lists them
/// as the batch does, in both modes.
#[test]
fn exact_groups_are_stars_unless_every_pair_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let words = |seed: usize, n: usize| -> String {
        (0..n)
            .map(|i| format!("w{}", (i * 7919 + seed * 104_729) % 100_003))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let a = words(1, 200);
    // b: a near copy of a (Jaccard about 0.9).
    let b = format!("{} changed words here {}", &a[..a.len() - 40], words(9, 3));
    let c = words(2, 200);
    let mut lines = Vec::new();
    // 300 copies of c (past --max-bucket 200), 3 copies of a, 4 copies of b, interleaved.
    for i in 0..300 {
        lines.push(format!(r#"{{"id":"c{i}","text":"{c}"}}"#));
        if i < 3 {
            lines.push(format!(r#"{{"id":"a{i}","text":"{a}"}}"#));
        }
        if i < 4 {
            lines.push(format!(r#"{{"id":"b{i}","text":"{b}"}}"#));
        }
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let input = jsonl(dir.path(), "groups.jsonl", &refs);
    let i = input.display().to_string();
    let run = |extra: &[&str]| {
        let mut args = vec!["dedup", &i, "-q"];
        args.extend_from_slice(extra);
        crate::records(&args)
    };
    let pairs = |recs: &[serde_json::Value]| -> Vec<(String, String, bool)> {
        crate::of_type(recs, "pair")
            .iter()
            .map(|p| {
                (
                    p["a"].as_str().unwrap().to_string(),
                    p["b"].as_str().unwrap().to_string(),
                    p["exact"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let docs = |recs: &[serde_json::Value]| -> Vec<String> {
        crate::of_type(recs, "document")
            .iter()
            .map(|d| d.to_string())
            .collect()
    };
    let star = run(&[]);
    let all = run(&["--all-pairs"]);
    let (sp, ap) = (pairs(&star), pairs(&all));
    // Star: 299 + 2 + 3 exact pairs, one near pair (a0, b0).
    assert_eq!(sp.iter().filter(|p| p.2).count(), 299 + 2 + 3);
    let near: Vec<_> = sp.iter().filter(|p| !p.2).collect();
    assert_eq!(near, [&("a0".to_string(), "b0".to_string(), false)]);
    assert!(sp
        .iter()
        .filter(|p| p.2)
        .all(|p| p.0 == "c0" || p.0 == "a0" || p.0 == "b0"));
    // Every pair: c is past --max-bucket (still a star), a has 3 pairs, b 6, and the near
    // pair stands for 3 x 4 pairs of copies.
    assert_eq!(ap.iter().filter(|p| p.2).count(), 299 + 3 + 6);
    assert_eq!(ap.iter().filter(|p| !p.2).count(), 12);
    assert!(
        sp.iter().all(|p| ap.contains(p)),
        "the star listing is part of the full one"
    );
    assert_eq!(docs(&star), docs(&all), "same clusters and keep decisions");
    assert_eq!(star.last().unwrap()["clusters"], 2);

    // The index lists pairs the way the batch does, in both modes.
    for (mode, expect) in [(None, &star), (Some("--all-pairs"), &all)] {
        let store = dir.path().join(format!("s{}.idx", mode.is_some()));
        let s = store.display().to_string();
        let mut create = vec!["index", "create", &s];
        create.extend(mode);
        let out = reprint(&create);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        crate::records(&["index", "add", &s, &i, "-q"]);
        let exported = crate::records(&["index", "export", &s]);
        assert_eq!(pairs(&exported), pairs(expect), "index export, {mode:?}");
        assert_eq!(docs(&exported), docs(expect), "index export, {mode:?}");
    }
}
