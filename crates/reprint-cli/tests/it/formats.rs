//! Output formats and the kept corpus.

use crate::{news_dir, records, reprint};

#[test]
fn parquet_and_csv_tables() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("f.parquet");
    let o = reprint(&[
        "dedup",
        &news_dir(),
        "-q",
        "--format",
        "parquet",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for t in [
        "f.documents.parquet",
        "f.pairs.parquet",
        "f.clusters.parquet",
        "f.summary.json",
    ] {
        assert!(dir.path().join(t).exists(), "{t} written");
    }
    // Read the documents table back with the same reader reprint uses for input.
    let docs = reprint_io::Inputs::open(
        &[dir.path().join("f.documents.parquet")],
        &reprint_io::InputConfig {
            text_field: "id".into(),
            ..Default::default()
        },
    )
    .unwrap()
    .map(|r| r.unwrap())
    .collect::<Vec<_>>();
    assert_eq!(docs.len(), 5);
    assert_eq!(docs[1].meta["keep"], "false");

    let out = dir.path().join("f.csv");
    let o = reprint(&[
        "dedup",
        &news_dir(),
        "-q",
        "--format",
        "csv",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let pairs = std::fs::read_to_string(dir.path().join("f.pairs.csv")).unwrap();
    assert!(pairs.starts_with("a,b,jaccard,"));
    assert!(pairs.contains("000,001,0.94"));
}

#[test]
fn csv_needs_an_output_path() {
    let o = reprint(&["dedup", &news_dir(), "-q", "--format", "csv"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("needs --output"));
}

#[test]
fn write_kept_txt_and_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let kept = dir.path().join("kept");
    records(&[
        "dedup",
        &news_dir(),
        "-q",
        "--write-kept",
        kept.to_str().unwrap(),
    ]);
    let mut names: Vec<String> = std::fs::read_dir(&kept)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["000.txt", "002.txt", "003.txt", "004.txt"]);

    let input = dir.path().join("in.jsonl");
    let text = "one two three four five six seven eight nine ten";
    std::fs::write(
        &input,
        format!("{{\"id\":\"a\",\"text\":\"{text}\",\"extra\":[1,2]}}\n{{\"id\":\"b\",\"text\":\"{text}\"}}\n"),
    )
    .unwrap();
    let out = dir.path().join("kept.jsonl.zst");
    records(&[
        "dedup",
        input.to_str().unwrap(),
        "-q",
        "--write-kept",
        out.to_str().unwrap(),
    ]);
    let back = zstd::decode_all(std::fs::File::open(&out).unwrap()).unwrap();
    assert_eq!(
        String::from_utf8(back).unwrap(),
        format!("{{\"id\":\"a\",\"text\":\"{text}\",\"extra\":[1,2]}}\n"),
        "kept lines are written back unchanged"
    );
}
