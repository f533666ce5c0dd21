//! Tokenizer throughput on a JSONL file's texts: block scanner vs scalar loop.
//! `cargo run --release -p reprint-text --example tokenize_bench -- FILE.jsonl`
use std::io::BufRead;
use std::time::Instant;

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: tokenize_bench FILE.jsonl");
    let file = std::io::BufReader::new(std::fs::File::open(&path).expect("open"));
    let texts: Vec<String> = file
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(&l).ok()?;
            Some(v.get("text")?.as_str()?.to_string())
        })
        .collect();
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    // Cost of hashing alone: xxh3 over every word slice.
    let words: Vec<&str> = texts
        .iter()
        .flat_map(|t| {
            t.split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
        })
        .collect();
    for _ in 0..2 {
        let t = Instant::now();
        let mut sink = 0u64;
        for w in &words {
            sink ^= reprint_text::hash::token_hash(w.as_bytes());
        }
        let s = t.elapsed().as_secs_f64();
        println!(
            "xxh3 only: {} words, {:.1} ns/word, {:.0} MB/s-equivalent (sink {sink:x})",
            words.len(),
            s * 1e9 / words.len() as f64,
            bytes as f64 / 1e6 / s
        );
    }
    for round in 0..3 {
        for (name, blocks) in [("blocks", true), ("scalar", false)] {
            let t = Instant::now();
            let mut sink = 0u64;
            for text in &texts {
                if blocks {
                    reprint_text::for_each_token(text, false, |tok| sink ^= tok.hash);
                } else {
                    reprint_text::for_each_token_scalar(text, |tok| sink ^= tok.hash);
                }
            }
            let s = t.elapsed().as_secs_f64();
            println!(
                "round {round} {name}: {:.0} MB/s (sink {sink:x})",
                bytes as f64 / 1e6 / s
            );
        }
    }
}

#[allow(dead_code)]
fn unused() {}
