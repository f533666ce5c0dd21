//! Readers through the CLI: formats, compression, bad records.

use crate::{news_dir, of_type, records, reprint};
use std::io::Write;

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.display().to_string()
}

const A: &str = "the quick brown fox jumps over the lazy dog near the river bank today";

#[test]
fn bad_jsonl_names_file_and_line_and_fails_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "bad.jsonl",
        format!("{{\"id\":\"a\",\"text\":\"{A}\"}}\n{{oops\n").as_bytes(),
    );
    let out = reprint(&["dedup", &f, "-q"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.jsonl:2: invalid JSON"), "{err}");
    assert!(err.contains("--on-error skip"), "{err}");
}

#[test]
fn skip_counts_bad_records_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = Vec::new();
    writeln!(body, "{{\"id\":\"a\",\"text\":\"{A}\"}}").unwrap();
    body.extend_from_slice(b"{\"id\":\"bad-utf8\",\"text\":\"\xff\"}\n");
    writeln!(body, "{{\"id\":\"no-text\"}}").unwrap();
    writeln!(body, "{{\"id\":\"b\",\"text\":\"{A}!\"}}").unwrap();
    writeln!(body, "{{\"id\":\"empty\",\"text\":\"\"}}").unwrap();
    let f = write(dir.path(), "mixed.jsonl", &body);
    let out = reprint(&["dedup", &f, "--on-error", "skip"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("mixed.jsonl:2: text is not valid UTF-8"),
        "{err}"
    );
    assert!(err.contains("mixed.jsonl:3: missing text field"), "{err}");
    let recs: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let s = of_type(&recs, "summary")[0];
    assert_eq!(s["skipped_records"], 2);
    assert_eq!(s["documents"], 3);
    assert_eq!(s["empty_documents"], 1);
    let p = of_type(&recs, "pair");
    assert_eq!(p.len(), 1);
    assert_eq!(
        p[0]["exact"], true,
        "punctuation does not matter for exact duplicates"
    );
}

#[test]
fn gzip_zstd_csv_and_txt_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let line = format!("{{\"id\":\"z\",\"text\":\"{A}\"}}\n");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(line.replace("\"z\"", "\"g\"").as_bytes())
        .unwrap();
    let g = write(dir.path(), "a.jsonl.gz", &gz.finish().unwrap());
    let z = write(
        dir.path(),
        "b.jsonl.zst",
        &zstd::encode_all(line.as_bytes(), 3).unwrap(),
    );
    let c = write(
        dir.path(),
        "c.csv",
        format!("id,text\nc1,\"{A}\"\n").as_bytes(),
    );
    std::fs::create_dir_all(dir.path().join("t/sub")).unwrap();
    write(dir.path(), "t/sub/doc.txt", A.as_bytes());
    let t = dir.path().join("t").display().to_string();
    let recs = records(&["dedup", &g, &z, &c, &t, "-q"]);
    let docs: Vec<&str> = of_type(&recs, "document")
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(docs, ["g", "z", "c1", "sub/doc"]);
    assert_eq!(of_type(&recs, "cluster")[0]["size"], 4);
}

#[test]
fn stdin_is_jsonl() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_reprint"))
        .args(["dedup", "-", "-q"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input = format!("{{\"id\":1,\"text\":\"{A}\"}}\n{{\"id\":2,\"text\":\"{A}\"}}\n");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\"duplicate_of\":\"1\""), "{text}");
}

#[test]
fn missing_file_and_bad_threshold_are_clear_errors() {
    let out = reprint(&["dedup", "/no/such/file.jsonl"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/file.jsonl"));
    let out = reprint(&["dedup", "x", "--threshold", "1.5"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--threshold must be in (0, 1]"));
}

#[test]
fn unspaced_scripts_get_character_shingles() {
    let dir = tempfile::tempdir().unwrap();
    let zh =
        "北京时间今天上午，国家统计局发布了最新的经济数据，显示国内生产总值同比增长百分之五点二。";
    let zh2 = format!("{zh}记者报道。");
    let f = write(
        dir.path(),
        "zh.jsonl",
        format!("{{\"id\":\"a\",\"text\":\"{zh}\"}}\n{{\"id\":\"b\",\"text\":\"{zh2}\"}}\n")
            .as_bytes(),
    );
    let recs = records(&["dedup", &f, "-q"]);
    let p = of_type(&recs, "pair");
    assert_eq!(p.len(), 1, "a Chinese near-duplicate is found");
    assert!(p[0]["jaccard"].as_f64().unwrap() > 0.8);
}

#[test]
fn embeddings_join_stories_and_bad_ones_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "emb.jsonl",
        concat!(
            "{\"id\":\"a\",\"date\":\"2024-03-01\",\"text\":\"Harbour cranes idle as dockers walk out over pay at the port of Lisbon.\",\"vec\":[1.0,0.0,0.0]}\n",
            "{\"id\":\"b\",\"date\":\"2024-03-01\",\"text\":\"Shipping queues lengthen while the stoppage at the port goes on, shippers say.\",\"vec\":\"[0.99,0.05,0.0]\"}\n",
            "{\"id\":\"c\",\"date\":\"2024-03-01\",\"text\":\"A violin prodigy wins the national competition in Vienna.\",\"vec\":[0.0,0.0,1.0]}\n",
        )
        .as_bytes(),
    );
    let stories = |extra: &[&str]| -> Vec<usize> {
        let mut args = vec!["stories", f.as_str(), "-q"];
        args.extend_from_slice(extra);
        let recs = records(&args);
        let mut sizes: Vec<usize> = of_type(&recs, "story")
            .iter()
            .map(|s| s["size"].as_u64().unwrap() as usize)
            .collect();
        sizes.sort();
        sizes
    };
    assert_eq!(
        stories(&[]),
        [1, 1, 1],
        "one shared word is not enough: three stories"
    );
    assert_eq!(
        stories(&["--embedding-field", "vec"]),
        [1, 2],
        "the embeddings join a and b"
    );

    let bad = write(
        dir.path(),
        "bad.jsonl",
        b"{\"id\":\"a\",\"text\":\"x y z\",\"vec\":[1,2]}\n{\"id\":\"b\",\"text\":\"x y z\",\"vec\":[1,2,3]}\n{\"id\":\"c\",\"text\":\"x y z\",\"vec\":\"oops\"}\n",
    );
    let out = reprint(&[
        "stories",
        &bad,
        "--embedding-field",
        "vec",
        "--on-error",
        "skip",
    ]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.jsonl:2: embedding has 3 dimensions, earlier ones 2"),
        "{err}"
    );
    assert!(
        err.contains("bad.jsonl:3: embedding field \"vec\" is not a JSON array"),
        "{err}"
    );
}

/// Verification takes candidates' shingle sets from three places: the input read again
/// (plain files), sets kept from the first pass (compressed input), or texts kept for
/// later stages (`analyze`). All three give the same pairs.
#[test]
fn sets_read_again_kept_or_from_texts_give_the_same_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let news = news_dir();
    let mut body = String::new();
    for name in ["000", "001", "002", "003", "004"] {
        let text = std::fs::read_to_string(format!("{news}/{name}.txt")).unwrap();
        body.push_str(&serde_json::json!({"id": name, "text": text}).to_string());
        body.push('\n');
    }
    let plain = write(dir.path(), "seeds.jsonl", body.as_bytes());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(body.as_bytes()).unwrap();
    let zipped = write(dir.path(), "seeds.jsonl.gz", &gz.finish().unwrap());
    let pairs = |recs: &[serde_json::Value]| -> Vec<String> {
        of_type(recs, "pair")
            .iter()
            .map(|p| {
                format!(
                    "{} {} {} {}",
                    p["a"], p["b"], p["jaccard"], p["shared_shingles"]
                )
            })
            .collect()
    };
    let summary_sets =
        |recs: &[serde_json::Value]| of_type(recs, "summary")[0]["verified_sets"].clone();

    let a = records(&["dedup", &plain, "--containment", "0.9"]);
    let b = records(&["dedup", &zipped, "--containment", "0.9"]);
    let out = dir.path().join("analyze.jsonl");
    let out = out.to_str().unwrap();
    reprint(&["analyze", &plain, "--output", out, "--no-report", "-q"]);
    let c: Vec<serde_json::Value> = std::fs::read_to_string(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(pairs(&a).len(), 1, "{:?}", pairs(&a));
    assert_eq!(pairs(&a), pairs(&b));
    assert_eq!(pairs(&a), pairs(&c));
    assert_eq!(summary_sets(&a)["reread"], 2);
    assert_eq!(summary_sets(&a)["stored"], 0);
    assert_eq!(summary_sets(&b)["stored"], 2);
    assert_eq!(summary_sets(&c)["from_kept_text"], 2);
}
