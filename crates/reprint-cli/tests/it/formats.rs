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
fn parquet_passages_have_typed_occurrences_and_source() {
    use arrow_array::cast::AsArray;
    use arrow_array::Array;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.parquet");
    let o = reprint(&[
        "reuse",
        &news_dir(),
        "-q",
        "--format",
        "parquet",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let file = std::fs::File::open(dir.path().join("r.passages.parquet")).unwrap();
    let batch = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let occ = batch
        .column_by_name("occurrences")
        .unwrap()
        .as_list::<i32>();
    let mut found = false;
    for row in 0..occ.len() {
        let o = occ.value(row);
        let o = o.as_struct();
        let docs = o.column_by_name("doc").unwrap().as_string::<i32>();
        let docs: Vec<&str> = (0..docs.len()).map(|i| docs.value(i)).collect();
        let starts = o
            .column_by_name("start")
            .unwrap()
            .as_primitive_opt::<arrow_array::types::Int64Type>()
            .expect("byte offsets are integers");
        let ends = o.column_by_name("end").unwrap();
        let ends = ends.as_primitive::<arrow_array::types::Int64Type>();
        assert!((0..o.len()).all(|i| starts.value(i) < ends.value(i)));
        found |= docs == ["003", "004"];
    }
    assert!(found, "the shared background paragraph of 003 and 004");
    let source = batch.column_by_name("source").unwrap().as_struct();
    let basis = source.column_by_name("basis").unwrap().as_string::<i32>();
    assert!(!basis.value(0).is_empty());
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
    assert_eq!(
        names,
        [
            ".reprint-output",
            "000.txt",
            "002.txt",
            "003.txt",
            "004.txt"
        ]
    );
    // A rerun replaces the directory it wrote, whole; nothing temporary is left beside it.
    std::fs::write(kept.join("stale.txt"), "from an older run").unwrap();
    records(&[
        "dedup",
        &news_dir(),
        "-q",
        "--write-kept",
        kept.to_str().unwrap(),
    ]);
    assert!(!kept.join("stale.txt").exists());
    assert!(kept.join("000.txt").is_file());
    let beside: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(beside, ["kept"]);
    // A directory reprint did not write is never replaced: refused before the work.
    let foreign = dir.path().join("mine");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "keep me").unwrap();
    let o = crate::reprint(&[
        "dedup",
        &news_dir(),
        "-q",
        "--write-kept",
        foreign.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("reprint did not write"), "{e}");
    assert_eq!(
        std::fs::read_to_string(foreign.join("notes.txt")).unwrap(),
        "keep me"
    );
    std::fs::remove_dir_all(&foreign).unwrap();

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
