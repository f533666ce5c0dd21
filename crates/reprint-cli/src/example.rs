//! The bundled example: the five seed news texts of examples/news, built into the binary
//! so `reprint analyze` works anywhere.

use reprint_io::{Location, Record};

const SEEDS: [(&str, &str); 5] = [
    ("000", include_str!("../../../examples/news/000.txt")),
    ("001", include_str!("../../../examples/news/001.txt")),
    ("002", include_str!("../../../examples/news/002.txt")),
    ("003", include_str!("../../../examples/news/003.txt")),
    ("004", include_str!("../../../examples/news/004.txt")),
];

/// The seed documents as records.
pub fn records() -> Vec<Record> {
    SEEDS
        .iter()
        .map(|(id, text)| Record {
            id: id.to_string(),
            text: text.to_string(),
            meta: Default::default(),
            loc: Location {
                file: format!("examples/news/{id}.txt").into(),
                line: 1,
            },
            raw: None,
            origin: None,
        })
        .collect()
}
