//! Settings the index cannot keep are refused at creation, never silently dropped; the
//! series it does keep.

use reprint_engine::{Config, StoriesSettings};
use reprint_index::{Index, IndexError, NewDoc};
use reprint_reuse::ReuseConfig;

#[test]
fn a_model_or_an_embedding_field_is_refused() {
    let with_stories = |s: StoriesSettings| Config::builder().stories(Some(s)).build().unwrap();
    let cases = [
        (
            with_stories(StoriesSettings {
                model: Some("some/model".into()),
                ..StoriesSettings::default()
            }),
            "model",
        ),
        (
            with_stories(StoriesSettings {
                embedding_field: Some("emb".into()),
                ..StoriesSettings::default()
            }),
            "embedding_field",
        ),
    ];
    for (cfg, field) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.idx");
        match Index::create(&path, &cfg) {
            Err(IndexError::Config(e)) => {
                assert_eq!(e.field, field);
                assert!(e.to_string().contains("not kept by an index yet"), "{e}");
            }
            Err(other) => panic!("{field}: {other}"),
            Ok(_) => panic!("{field}: the index was created"),
        }
        assert!(!path.exists(), "nothing created for {field}");
    }
}

/// Words `0..n` of a numbered vocabulary.
fn words(tag: &str, n: usize) -> String {
    (0..n)
        .map(|i| format!("{tag}{i}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_series_is_kept_and_reuse_within_one_is_skipped_after_reopening() {
    let cfg = Config::builder()
        .reuse(Some(ReuseConfig {
            skip_same_series: true,
            ..ReuseConfig::default()
        }))
        .series_field(Some("outlet".into()))
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.idx");
    let doc = |id: &str, series: Option<&str>, text: String| NewDoc {
        series: series.map(str::to_string),
        ..NewDoc::new(id, &text)
    };
    let shared = words("standing", 40);
    let alignments = |index: &Index, d: NewDoc| {
        let found = index.query(&[d]).unwrap();
        found
            .findings
            .iter()
            .filter(|f| matches!(f, reprint_engine::Finding::Alignment(_)))
            .count()
    };
    {
        let index = Index::create(&path, &cfg).unwrap();
        assert_eq!(index.config().series_field.as_deref(), Some("outlet"));
        index
            .add(
                &[doc(
                    "tass-1",
                    Some("TASS"),
                    format!("{} {shared}", words("a", 30)),
                )],
                false,
            )
            .unwrap();
    }
    let index = Index::open(&path).unwrap();
    assert_eq!(index.config().series_field.as_deref(), Some("outlet"));
    let same = doc(
        "tass-2",
        Some("TASS"),
        format!("{} {shared}", words("b", 30)),
    );
    let other = doc("ria-1", Some("RIA"), format!("{} {shared}", words("c", 30)));
    let none = doc("none-1", None, format!("{} {shared}", words("d", 30)));
    assert_eq!(
        alignments(&index, same),
        0,
        "one outlet's own standing text"
    );
    assert_eq!(alignments(&index, other), 1);
    assert_eq!(alignments(&index, none), 1);
}
