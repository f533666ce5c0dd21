//! What the engine's integration tests share.

use reprint_io::{Location, ReadError, Record};

/// One record per text, ids `d0`, `d1`, …, each at its line of an in-memory "file".
pub fn records(texts: &[String]) -> Vec<Result<Record, ReadError>> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            Ok(Record {
                id: format!("d{i}"),
                text: t.clone(),
                meta: Default::default(),
                loc: Location {
                    file: "mem".into(),
                    line: i as u64 + 1,
                },
                raw: None,
                origin: None,
            })
        })
        .collect()
}
