//! Malformed input for every reader, through the public `Inputs` API.

use reprint_io::{InputConfig, Inputs, ReadError, Record};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn read_all(paths: &[PathBuf]) -> Vec<Result<Record, ReadError>> {
    Inputs::open(paths, &InputConfig::default())
        .unwrap()
        .collect()
}

#[test]
fn txt_not_utf8_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("latin1.txt");
    std::fs::write(&p, b"first line\nsecond caf\xe9 line\n").unwrap();
    let out = read_all(&[p]);
    let e = out[0].as_ref().unwrap_err().to_string();
    assert!(e.contains("latin1.txt:2: text is not valid UTF-8"), "{e}");
    assert!(e.contains("0xe9"), "{e}");
}

#[test]
fn empty_txt_is_an_empty_document_and_empty_dir_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("d")).unwrap();
    std::fs::write(dir.path().join("d/empty.txt"), b"").unwrap();
    let out = read_all(&[dir.path().join("d")]);
    assert_eq!(out[0].as_ref().unwrap().text, "");
    std::fs::create_dir(dir.path().join("none")).unwrap();
    let e = Inputs::open(&[dir.path().join("none")], &InputConfig::default())
        .err()
        .unwrap();
    assert!(e.to_string().contains("no .txt files"));
}

#[test]
fn truncated_gzip_is_an_io_error_after_the_good_records() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for i in 0..2000 {
        writeln!(
            gz,
            "{{\"id\":{i},\"text\":\"document number {i} with some words\"}}"
        )
        .unwrap();
    }
    let bytes = gz.finish().unwrap();
    let p = dir.path().join("cut.jsonl.gz");
    std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    let out = read_all(&[p]);
    let good = out.iter().take_while(|r| r.is_ok()).count();
    assert!(good > 0, "records before the cut are read");
    let e = out
        .iter()
        .find_map(|r| r.as_ref().err())
        .expect("an error at the cut");
    assert!(!e.is_record(), "a broken stream stops the run: {e}");
    assert!(e.to_string().contains("cut.jsonl.gz"), "{e}");
}

fn write_parquet(path: &Path, ids: &[Option<&str>], texts: &[Option<&str>]) {
    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    let batch = RecordBatch::try_from_iter(vec![
        ("id", Arc::new(StringArray::from(ids.to_vec())) as ArrayRef),
        (
            "text",
            Arc::new(StringArray::from(texts.to_vec())) as ArrayRef,
        ),
    ])
    .unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

#[test]
fn parquet_rows_nulls_and_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("docs.parquet");
    write_parquet(
        &p,
        &[Some("a"), None, Some("c")],
        &[Some("alpha text"), Some("beta"), None],
    );
    let out = read_all(std::slice::from_ref(&p));
    assert_eq!(out[0].as_ref().unwrap().id, "a");
    assert_eq!(
        out[1].as_ref().unwrap().id,
        "docs:2",
        "a missing id falls back to file:row"
    );
    let e = out[2].as_ref().unwrap_err().to_string();
    assert!(
        e.ends_with("docs.parquet:3: text column \"text\" is null"),
        "{e}"
    );

    let cfg = InputConfig {
        text_field: "body".into(),
        ..Default::default()
    };
    let e = Inputs::open(&[p], &cfg)
        .unwrap()
        .next()
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(e.contains("no column \"body\" (columns: id, text)"), "{e}");

    let bad = dir.path().join("bad.parquet");
    std::fs::write(&bad, b"this is not parquet").unwrap();
    let e = read_all(&[bad]).remove(0).unwrap_err().to_string();
    assert!(
        e.contains("bad.parquet: not a readable Parquet file"),
        "{e}"
    );
}

#[test]
fn a_byte_order_mark_is_not_json_and_an_array_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let bom = dir.path().join("bom.jsonl");
    std::fs::write(
        &bom,
        b"\xef\xbb\xbf{\"id\":\"a\",\"text\":\"one\"}\n{\"id\":\"b\",\"text\":\"two\"}\n",
    )
    .unwrap();
    for defer in [false, true] {
        let cfg = InputConfig {
            defer_json: defer,
            ..InputConfig::default()
        };
        let recs: Vec<Record> = Inputs::open(std::slice::from_ref(&bom), &cfg)
            .unwrap()
            .map(|r| r.and_then(|r| r.finish(&cfg)))
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].id, "a");
    }
    let arr = dir.path().join("arr.json");
    std::fs::write(&arr, b"[{\"id\":\"a\",\"text\":\"one\"}]\n").unwrap();
    let out = read_all(&[arr]);
    let e = out[0].as_ref().unwrap_err().to_string();
    assert!(e.contains("arr.json:1: this line is a JSON array"), "{e}");
}

#[test]
fn a_directory_of_shards_is_read_shard_by_shard() {
    let dir = tempfile::tempdir().unwrap();
    let shards = dir.path().join("shards");
    std::fs::create_dir_all(shards.join("part2")).unwrap();
    std::fs::write(
        shards.join("part1.jsonl"),
        b"{\"id\":\"a\",\"text\":\"one\"}\n",
    )
    .unwrap();
    std::fs::write(
        shards.join("part2/x.jsonl"),
        b"{\"id\":\"b\",\"text\":\"two\"}\n{\"id\":\"c\",\"text\":\"three\"}\n",
    )
    .unwrap();
    let recs: Vec<Record> = read_all(&[shards])
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    let ids: Vec<&str> = recs.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    std::fs::write(empty.join("notes.md"), b"x").unwrap();
    let e = match Inputs::open(&[empty], &InputConfig::default()) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a directory without text or data files is an error"),
    };
    assert!(e.contains("no .txt files and no data files"), "{e}");
}

#[test]
fn a_file_without_a_known_extension_is_sniffed() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("docs");
    std::fs::write(
        &jsonl,
        b"{\"id\":\"a\",\"text\":\"one\"}\n{\"id\":\"b\",\"text\":\"two\"}\n",
    )
    .unwrap();
    let plain = dir.path().join("README");
    std::fs::write(&plain, b"Just some prose.\n").unwrap();
    let recs: Vec<Record> = read_all(&[jsonl, plain])
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    let ids: Vec<&str> = recs.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "README"]);
}

#[test]
fn parquet_reads_only_used_columns_and_every_reader_honours_the_size_limit() {
    use arrow_array::{ArrayRef, BinaryArray, RecordBatch, StringArray};
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("wide.parquet");
    let ids: ArrayRef = Arc::new(StringArray::from(vec!["a", "b"]));
    let texts: ArrayRef = Arc::new(StringArray::from(vec!["short", "x".repeat(2000).as_str()]));
    let blob = vec![0u8; 200_000];
    let blobs: ArrayRef = Arc::new(BinaryArray::from(vec![blob.as_slice(), blob.as_slice()]));
    let batch =
        RecordBatch::try_from_iter([("id", ids), ("text", texts), ("image", blobs)]).unwrap();
    write_batch(&p, &batch);
    let cfg = InputConfig {
        meta_fields: Some(vec!["date".into()]),
        max_record_bytes: 1000,
        ..InputConfig::default()
    };
    let out: Vec<Result<Record, ReadError>> = Inputs::open(std::slice::from_ref(&p), &cfg)
        .unwrap()
        .collect();
    let first = out[0].as_ref().unwrap();
    assert_eq!(first.id, "a");
    assert!(
        !first.meta.contains_key("image"),
        "the binary column is not read"
    );
    let e = out[1].as_ref().unwrap_err().to_string();
    assert!(
        e.contains("wide.parquet:2: document is larger than the limit"),
        "{e}"
    );

    let csv = dir.path().join("big.csv");
    std::fs::write(&csv, format!("id,text\na,short\nb,{}\n", "y".repeat(2000))).unwrap();
    let out: Vec<Result<Record, ReadError>> = Inputs::open(&[csv], &cfg).unwrap().collect();
    assert!(out[0].is_ok());
    let e = out[1].as_ref().unwrap_err().to_string();
    assert!(
        e.contains("big.csv:3: document is larger than the limit"),
        "{e}"
    );
}

#[test]
fn a_dictionary_encoded_text_column_reads() {
    use arrow_array::types::Int32Type;
    use arrow_array::{ArrayRef, DictionaryArray, RecordBatch, StringArray};
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cat.parquet");
    let ids: ArrayRef = Arc::new(StringArray::from(vec!["a", "b", "c"]));
    let texts: DictionaryArray<Int32Type> = vec!["same words", "other words", "same words"]
        .into_iter()
        .collect();
    let texts: ArrayRef = Arc::new(texts);
    let batch = RecordBatch::try_from_iter([("id", ids), ("text", texts)]).unwrap();
    write_batch(&p, &batch);
    let recs: Vec<Record> = read_all(&[p])
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[2].text, "same words");
}

/// Writes one record batch as a Parquet file.
fn write_batch(path: &Path, batch: &arrow_array::RecordBatch) {
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(path).unwrap(),
        batch.schema(),
        None,
    )
    .unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}
