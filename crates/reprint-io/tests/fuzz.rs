//! A byte mutator over valid inputs of every reader: whatever the bytes, reading returns
//! records or errors, never a panic. (Run in CI for a bounded number of cases with a fixed
//! seed; more locally with PROPTEST_CASES.)

use proptest::prelude::*;
use reprint_io::{InputConfig, Inputs};
use std::io::Write;

/// Valid files of each format to start from: (file name, bytes).
fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let jsonl = b"{\"id\":\"a\",\"text\":\"one two three\",\"date\":\"2022-01-01\"}\n\
{\"id\":\"b\",\"text\":\"caf\\u00e9 \xe2\x80\x9cquoted\xe2\x80\x9d\"}\n"
        .to_vec();
    let csv = b"id,text,title\na,\"one, two\",T\nb,three four,\n".to_vec();
    let txt = "Plain text with a café and ÄÖÜ.\nSecond line.\n"
        .as_bytes()
        .to_vec();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&jsonl).unwrap();
    let gz = gz.finish().unwrap();
    let parquet = {
        use arrow_array::{ArrayRef, RecordBatch, StringArray};
        use std::sync::Arc;
        let ids: ArrayRef = Arc::new(StringArray::from(vec!["a", "b"]));
        let texts: ArrayRef = Arc::new(StringArray::from(vec!["one two", "three four"]));
        let batch = RecordBatch::try_from_iter([("id", ids), ("text", texts)]).unwrap();
        let mut buf = Vec::new();
        let mut w = parquet::arrow::ArrowWriter::try_new(&mut buf, batch.schema(), None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        buf
    };
    vec![
        ("f.jsonl", jsonl),
        ("f.csv", csv),
        ("f.txt", txt),
        ("f.jsonl.gz", gz),
        ("f.parquet", parquet),
    ]
}

#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    proptest::collection::vec(
        prop_oneof![
            (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
            (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
            any::<usize>().prop_map(Edit::Delete),
            any::<usize>().prop_map(Edit::Truncate),
        ],
        1..6,
    )
}

fn mutate(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = bytes.len().max(1);
        match *e {
            Edit::Flip(i, b) if !bytes.is_empty() => bytes[i % n] ^= b | 1,
            Edit::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            Edit::Delete(i) if !bytes.is_empty() => {
                bytes.remove(i % n);
            }
            Edit::Truncate(i) => bytes.truncate(i % (bytes.len() + 1)),
            _ => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn no_reader_panics_on_damaged_bytes(which in 0usize..5, edits in edits(), defer in any::<bool>()) {
        let (name, bytes) = seeds().swap_remove(which);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, mutate(bytes, &edits)).unwrap();
        let cfg = InputConfig { defer_json: defer, max_record_bytes: 1 << 16, ..InputConfig::default() };
        if let Ok(inputs) = Inputs::open(std::slice::from_ref(&path), &cfg) {
            for r in inputs.take(1000) {
                // Deferred lines are parsed here, as the pipeline's workers would.
                let _ = r.and_then(|r| r.finish(&cfg));
            }
        }
    }
}

/// Found by `cargo fuzz run read_parquet`: a Parquet file whose embedded Arrow schema is
/// damaged made the `arrow-ipc` crate panic; read by its Parquet schema alone, its damaged
/// row group is one error, and reading ends there (it used to give that error forever).
#[test]
fn a_damaged_embedded_arrow_schema_is_read_without_it() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/damaged-arrow-schema.parquet");
    let cfg = InputConfig::default();
    let got: Vec<_> = Inputs::open(std::slice::from_ref(&path), &cfg)
        .unwrap()
        .collect();
    assert_eq!(got.len(), 1);
    let e = got[0].as_ref().unwrap_err().to_string();
    assert!(e.contains("damaged-arrow-schema.parquet"), "{e}");
}

/// Found by `cargo fuzz run read_parquet`: a damaged page made the Parquet decoder panic
/// (an assertion in its bit reader). The panic is caught: one error naming the file.
#[test]
fn a_page_that_panics_the_decoder_is_one_error() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/damaged-page.parquet");
    let cfg = InputConfig::default();
    let got: Vec<_> = Inputs::open(std::slice::from_ref(&path), &cfg)
        .unwrap()
        .collect();
    let errors: Vec<String> = got
        .iter()
        .filter_map(|r| r.as_ref().err().map(|e| e.to_string()))
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("damaged-page.parquet"), "{}", errors[0]);
}
