//! Settings the index cannot keep are refused at creation, never silently dropped.

use reprint_engine::{Config, StoriesSettings};
use reprint_index::{Index, IndexError};

#[test]
fn a_model_an_embedding_field_or_a_series_is_refused() {
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
        (
            Config::builder()
                .reuse_default()
                .series_field(Some("outlet".into()))
                .build()
                .unwrap(),
            "series_field",
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
