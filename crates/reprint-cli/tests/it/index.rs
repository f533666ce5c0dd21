//! `reprint index`: a persistent index, checked against the batch commands on the same
//! documents, killed mid-write, and misused.

use crate::{data_dir, news_dir, of_type, records, reprint};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, Write};
use std::path::Path;
use std::process::{Command, Stdio};

fn store(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

/// Records of the given types, in order.
fn only(recs: &[Value], kinds: &[&str]) -> Vec<Value> {
    recs.iter()
        .filter(|r| kinds.contains(&r["type"].as_str().unwrap_or("")))
        .cloned()
        .collect()
}

fn ok(args: &[&str]) {
    let out = reprint(args);
    assert!(
        out.status.success(),
        "reprint {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The error of a command that must fail cleanly (exit 1, not a panic).
fn fails(args: &[&str]) -> String {
    let out = reprint(args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "reprint {args:?} must fail with status 1: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn seeds_added_one_by_one_get_the_seeds_findings() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "seeds.idx");
    ok(&["index", "create", &s]);
    let news = news_dir();
    let mut found = Vec::new();
    for id in ["000", "001", "002", "003", "004"] {
        let f = format!("{news}/{id}.txt");
        let recs = records(&["index", "add", &s, &f, "-q"]);
        let committed = of_type(&recs, "committed");
        assert_eq!(committed.len(), 1);
        found.extend(recs);
    }
    // 001 arrives as a duplicate of 000, with the batch's exact scores.
    let d001 = found
        .iter()
        .find(|r| r["type"] == "document" && r["id"] == "001")
        .unwrap();
    assert_eq!(d001["duplicate_of"], "000");
    assert_eq!(d001["keep"], false);
    let pairs = of_type(&found, "pair");
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0]["jaccard"], 0.9447);
    assert_eq!(pairs[0]["containment_a_in_b"], 1.0);
    // 004 arrives sharing the pasted paragraph with 003, at the batch's offsets.
    let al = of_type(&found, "alignment");
    let pasted = al
        .iter()
        .find(|a| a["a"] == "003")
        .expect("003/004 alignment");
    assert_eq!(pasted["b"], "004");
    let an = records(&["analyze", &news, "--no-report", "-q"]);
    let batch = of_type(&an, "alignment")
        .into_iter()
        .find(|a| a["a"] == "003")
        .unwrap()
        .clone();
    for k in [
        "a_start",
        "a_end",
        "b_start",
        "b_end",
        "identity",
        "matched_words",
    ] {
        assert_eq!(pasted[k], batch[k], "{k}");
    }
    // 000, 001 and 002 join one story; 003 and 004 stand apart.
    let story_of = |id: &str| {
        found
            .iter()
            .find(|r| r["type"] == "story_assignment" && r["doc"] == id)
            .unwrap()["story"]
            .clone()
    };
    assert_eq!(story_of("001"), story_of("000"));
    assert_eq!(story_of("002"), story_of("000"));
    assert_ne!(story_of("003"), story_of("000"));
    assert_ne!(story_of("004"), story_of("000"));
    assert_ne!(story_of("003"), story_of("004"));

    // The whole collection read back equals analyze's duplicates and passages.
    let exported = records(&["index", "export", &s]);
    let kinds = ["document", "pair", "cluster", "alignment", "passage"];
    assert_eq!(only(&exported, &kinds), only(&an, &kinds));
    let stats: Value = serde_json::from_slice(&reprint(&["index", "stats", &s]).stdout).unwrap();
    assert_eq!(stats["documents"], 5);
    assert_eq!(
        stats["levels"],
        serde_json::json!(["dedup", "reuse", "stories"])
    );
    // One document with its findings against the rest.
    let got = records(&["index", "get", &s, "000"]);
    assert!(of_type(&got, "pair").iter().any(|p| p["b"] == "001"));
}

/// 20 Newsgroups in the order `stories --stream` takes it, as JSON lines.
fn newsgroups_in_stream_order(dir: &Path) -> Option<(Vec<Value>, String)> {
    let src = data_dir()?.join("20newsgroups/docs.jsonl");
    let src_s = src.display().to_string();
    let st = records(&["stories", "--stream", &src_s, "-q"]);
    let date: std::collections::HashMap<String, Option<String>> = of_type(&st, "story_assignment")
        .iter()
        .map(|a| {
            (
                a["doc"].as_str().unwrap().to_string(),
                a["date"].as_str().map(String::from),
            )
        })
        .collect();
    let docs: Vec<Value> = std::fs::read_to_string(&src)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut order: Vec<usize> = (0..docs.len()).collect();
    order.sort_by_key(|&i| {
        let d = &date[docs[i]["id"].as_str().unwrap()];
        (d.is_none(), d.clone(), i)
    });
    let sorted: Vec<Value> = order.into_iter().map(|i| docs[i].clone()).collect();
    let path = dir.join("ng-sorted.jsonl");
    write_jsonl(&path, &sorted);
    Some((sorted, path.display().to_string()))
}

fn write_jsonl(path: &Path, docs: &[Value]) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for d in docs {
        serde_json::to_writer(&mut f, d).unwrap();
        f.write_all(b"\n").unwrap();
    }
}

/// The core equivalence: 20 Newsgroups added in 4 batches (4 processes) and exported give
/// analyze's pairs, clusters and alignments, and `stories --stream`'s stories; removing a
/// random half gives analyze over the other half.
#[test]
fn newsgroups_in_four_batches_equal_analyze_and_the_stream() {
    let dir = tempfile::tempdir().unwrap();
    let Some((docs, sorted)) = newsgroups_in_stream_order(dir.path()) else {
        return;
    };
    let s = store(dir.path(), "ng.idx");
    ok(&["index", "create", &s]);
    let quarter = docs.len().div_ceil(4);
    for (k, part) in docs.chunks(quarter).enumerate() {
        let p = dir.path().join(format!("part{k}.jsonl"));
        write_jsonl(&p, part);
        let recs = records(&[
            "index",
            "add",
            &s,
            &p.display().to_string(),
            "-q",
            "--batch",
            "2000",
        ]);
        let last = of_type(&recs, "committed").last().unwrap()["total"].clone();
        assert_eq!(last, (quarter * k + part.len()) as u64);
    }
    let exported = records(&["index", "export", &s]);
    let an = records(&["analyze", &sorted, "--no-report", "-q"]);
    let kinds = ["document", "pair", "cluster", "alignment", "passage"];
    let (e, a) = (only(&exported, &kinds), only(&an, &kinds));
    assert!(
        of_type(&a, "pair").len() > 200,
        "20 Newsgroups has duplicate pairs"
    );
    assert!(of_type(&a, "alignment").len() > 10_000);
    assert_eq!(e.len(), a.len());
    assert!(e == a, "export differs from analyze");
    let st = records(&["stories", "--stream", &sorted, "-q"]);
    let kinds = ["story", "story_assignment"];
    assert!(
        only(&exported, &kinds) == only(&st, &kinds),
        "stories differ from the stream"
    );

    // Remove a random half (fixed seed): the rest equals analyze over the rest.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut gone = BTreeSet::new();
    for d in &docs {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if x % 2 == 0 {
            gone.insert(d["id"].as_str().unwrap().to_string());
        }
    }
    let ids = dir.path().join("gone.txt");
    std::fs::write(&ids, gone.iter().cloned().collect::<Vec<_>>().join("\n")).unwrap();
    ok(&[
        "index",
        "remove",
        &s,
        "--ids-file",
        &ids.display().to_string(),
    ]);
    let rest: Vec<Value> = docs
        .iter()
        .filter(|d| !gone.contains(d["id"].as_str().unwrap()))
        .cloned()
        .collect();
    let rest_path = dir.path().join("rest.jsonl");
    write_jsonl(&rest_path, &rest);
    let exported = records(&["index", "export", &s]);
    let an = records(&[
        "analyze",
        &rest_path.display().to_string(),
        "--no-report",
        "-q",
    ]);
    let kinds = ["document", "pair", "cluster", "alignment", "passage"];
    let (e, a) = (only(&exported, &kinds), only(&an, &kinds));
    assert_eq!(of_type(&e, "document").len(), rest.len());
    assert!(
        e == a,
        "export after removing half differs from analyze over the rest"
    );
}

/// SIGKILL in the middle of a large `index add`, at several points: the store opens, every
/// document of every printed `committed` record is there, and adding the same input again
/// with `--replace` completes.
#[test]
fn killed_mid_add_keeps_every_committed_document() {
    let Some(data) = data_dir() else {
        return;
    };
    let input = data.join("20newsgroups/docs.jsonl").display().to_string();
    let ids: Vec<String> = std::fs::read_to_string(&input)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "crash.idx");
    ok(&["index", "create", &s, "--levels", "dedup"]);
    let mut committed_total = 0u64;
    for kill_after in [1usize, 3, 6] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_reprint"))
            .args([
                "index",
                "add",
                &s,
                &input,
                "--batch",
                "300",
                "-q",
                "--replace",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut seen = 0;
        for line in out.lines() {
            let v: Value = serde_json::from_str(&line.unwrap()).unwrap();
            if v["type"] == "committed" {
                committed_total = committed_total.max(v["total"].as_u64().unwrap());
                seen += 1;
                if seen == kill_after {
                    break;
                }
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // It opens, and every committed document is there (the same input with --replace:
        // the first `total` ids of the input, at least).
        let stats: Value =
            serde_json::from_slice(&reprint(&["index", "stats", &s]).stdout).expect("stats");
        assert!(stats["documents"].as_u64().unwrap() >= committed_total.min(ids.len() as u64));
        let exported = records(&["index", "export", &s]);
        let present: BTreeSet<&str> = of_type(&exported, "document")
            .iter()
            .map(|d| d["id"].as_str().unwrap())
            .collect();
        for id in &ids[..(seen * 300).min(ids.len())] {
            assert!(
                present.contains(id.as_str()),
                "{id} was committed, then lost"
            );
        }
    }
    // The same input again completes.
    let recs = records(&[
        "index",
        "add",
        &s,
        &input,
        "--batch",
        "5000",
        "-q",
        "--replace",
    ]);
    let last = of_type(&recs, "committed").last().unwrap()["total"].clone();
    assert_eq!(last, ids.len() as u64);
}

#[test]
fn misuse_gets_clear_errors_and_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "m.idx");
    let news = news_dir();
    ok(&["index", "create", &s, "--levels", "dedup"]);
    ok(&["index", "add", &s, &news, "-q"]);
    let before = records(&["index", "export", &s]);

    // Another index there already.
    let e = fails(&["index", "create", &s]);
    assert!(e.contains("already exists"), "{e}");
    // Not an index at all.
    let e = fails(&["index", "stats", &news]);
    assert!(e.contains("is not a reprint index"), "{e}");
    // Other settings than the index's.
    let e = fails(&["index", "add", &s, &news, "--threshold", "0.7"]);
    assert!(
        e.contains("threshold = 0.8") && e.contains("asks for 0.7"),
        "{e}"
    );
    // The same ids again, without --replace.
    let e = fails(&["index", "add", &s, &format!("{news}/000.txt")]);
    assert!(e.contains("\"000\" is already in the index"), "{e}");
    // An id that is not there.
    let e = fails(&["index", "remove", &s, "nope"]);
    assert!(e.contains("\"nope\" is not in the index"), "{e}");
    assert_eq!(
        records(&["index", "export", &s]),
        before,
        "failed calls change nothing"
    );

    // Another format version.
    let manifest = Path::new(&s).join("MANIFEST");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replacen(
            &format!("REPRINT-INDEX {}", reprint_index::FORMAT_VERSION),
            "REPRINT-INDEX 7",
            1,
        ),
    )
    .unwrap();
    assert_ne!(std::fs::read_to_string(&manifest).unwrap(), text);
    let e = fails(&["index", "stats", &s]);
    assert!(e.contains("format version 7"), "{e}");
    std::fs::write(&manifest, &text).unwrap();

    // Bytes flipped across the store's files: each time a clear error, or the right answer.
    let db = Path::new(&s).join("index.redb");
    let log = Path::new(&s).join("texts.log");
    let clean = std::fs::read(&db).unwrap();
    let clean_log = std::fs::read(&log).unwrap();
    let mut errors = 0;
    // Where the data lives: ids (in the id table and the document rows) and spread positions
    // in the database; the texts (zstd frames, found by their magic number) in the log.
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let zstd_magic = [0x28u8, 0xb5, 0x2f, 0xfd];
    let mut places: Vec<(&Path, &Vec<u8>, usize)> = [&b"000"[..], b"002", b"004"]
        .iter()
        .filter_map(|n| find(&clean, n))
        .map(|at| (db.as_path(), &clean, at))
        .collect();
    places.extend(
        clean_log
            .windows(4)
            .enumerate()
            .filter(|(_, w)| *w == zstd_magic)
            .map(|(i, _)| (log.as_path(), &clean_log, i + 40))
            .take(3),
    );
    assert!(
        places.len() >= 5,
        "the store holds the texts and ids: {places:?}"
    );
    places
        .extend((1..=7u64).map(|k| (db.as_path(), &clean, (k * 7_919_993) as usize % clean.len())));
    places.extend((1..=3u64).map(|k| {
        (
            log.as_path(),
            &clean_log,
            (k * 7_919) as usize % clean_log.len(),
        )
    }));
    for &(file, original, at) in &places {
        let mut bytes = original.clone();
        for b in &mut bytes[at..(at + 64).min(original.len())] {
            *b ^= 0x5a;
        }
        std::fs::write(file, &bytes).unwrap();
        let out = reprint(&["index", "export", &s]);
        std::fs::write(file, original).unwrap();
        let at = format!("{}:{at}", file.display());
        match out.status.code() {
            Some(0) => {
                let got: Vec<Value> = String::from_utf8(out.stdout)
                    .unwrap()
                    .lines()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect();
                let kinds = ["document", "pair", "cluster"];
                assert_eq!(
                    only(&got, &kinds),
                    only(&before, &kinds),
                    "flip at {at}: wrong answer"
                );
            }
            Some(1) => {
                errors += 1;
                let e = String::from_utf8_lossy(&out.stderr);
                assert!(e.contains("index"), "flip at {at}: {e}");
            }
            other => panic!(
                "flip at {at}: status {other:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    }
    // `index check` reads every text: a damaged one is named.
    let mut bytes = clean_log.clone();
    let at = find(&clean_log, &zstd_magic).unwrap() + 40;
    bytes[at] ^= 0x20;
    std::fs::write(&log, &bytes).unwrap();
    let e = fails(&["index", "check", &s]);
    assert!(e.contains("corrupted") || e.contains("fails"), "{e}");
    // A log cut short of its committed texts is refused when the store opens.
    std::fs::write(&log, &clean_log[..clean_log.len() - 10]).unwrap();
    let e = fails(&["index", "stats", &s]);
    assert!(e.contains("texts.log") && e.contains("committed"), "{e}");
    std::fs::write(&log, &clean_log).unwrap();
    let ok_out = records(&["index", "check", &s]);
    assert_eq!(ok_out[0]["ok"], true);
    eprintln!(
        "{errors} of {} damaged stores were refused with an error",
        places.len()
    );
    assert!(errors >= 3, "damage where the data lives is found");
    assert_eq!(records(&["index", "export", &s]), before);
}

#[test]
fn add_reads_the_date_from_the_field_it_is_told() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "dated.idx");
    ok(&["index", "create", &s]);
    let news = news_dir();
    let text = std::fs::read_to_string(format!("{news}/002.txt")).unwrap();
    let input = dir.path().join("feed.jsonl");
    write_jsonl(
        &input,
        &[serde_json::json!({"id": "p1", "text": text, "published": "2022-03-04"})],
    );
    let input = input.to_str().unwrap();
    // Without --date-field the index's field ("date") is read: this feed has none.
    let recs = records(&["index", "query", &s, input, "-q"]);
    let a = of_type(&recs, "story_assignment")[0].clone();
    assert_ne!(a["date"], "2022-03-04");
    let recs = records(&["index", "add", &s, input, "-q", "--date-field", "published"]);
    let a = of_type(&recs, "story_assignment")[0].clone();
    assert_eq!(a["date"], "2022-03-04", "{a}");
    assert!(
        a["date_basis"].as_str().unwrap().starts_with("metadata"),
        "{a}"
    );
}
