//! Embeds texts with a static model, for evaluation scripts and speed measurements.
//!
//! `embed MODEL_PATH [--field text] < docs.jsonl > embeddings.jsonl`: one JSON array (or
//! `null` when no token has a vector) per input line, in input order. Prints the documents
//! per second on one core to stderr.
use std::io::{BufRead, Write};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .expect("usage: embed MODEL_PATH [--field text]");
    let field = args
        .iter()
        .position(|a| a == "--field")
        .and_then(|i| args.get(i + 1))
        .map_or("text", String::as_str);
    let model = reprint_embed::StaticModel::load(std::path::Path::new(path)).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let texts: Vec<String> = std::io::stdin()
        .lock()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(&l.expect("read stdin")).expect("json");
            v.get(field)
                .and_then(|t| t.as_str())
                .unwrap_or("")
                .to_string()
        })
        .collect();
    let start = std::time::Instant::now();
    let vectors: Vec<Option<Vec<f32>>> = texts
        .iter()
        .map(|t| model.embed(t).expect("tokenize"))
        .collect();
    let secs = start.elapsed().as_secs_f64();
    let bytes: usize = texts.iter().map(String::len).sum();
    eprintln!(
        "{} documents, {:.1} MB in {secs:.3} s: {:.0} docs/s, {:.1} MB/s on one core ({})",
        texts.len(),
        bytes as f64 / 1e6,
        texts.len() as f64 / secs,
        bytes as f64 / 1e6 / secs,
        model.describe()
    );
    let out = std::io::stdout();
    let mut out = out.lock();
    for v in vectors {
        writeln!(out, "{}", serde_json::to_string(&v).unwrap()).unwrap();
    }
}
