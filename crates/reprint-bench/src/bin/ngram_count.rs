//! `ngram-count FILE`: the exact word n-gram baseline for text reuse.
//!
//! The cheapest exact way to list the pairs of documents that reuse text: hash every word
//! 8-gram of every document, sort the `(n-gram, document)` table, and count for each pair of
//! documents how many distinct 8-grams they share (an 8-gram in more than `--max-df`
//! documents is skipped, as reprint's frequent seeds are chained). Pairs sharing at least
//! `--min-shared` are reported as a count. No alignment, no passages, no offsets, no
//! memory budget: the anchor `reprint reuse` is measured against (bench/reuse_scale.py).
//! Runs on every core (rayon); prints one JSON object on stdout.

use anyhow::{Context, Result};
use clap::Parser;
use serde::Deserialize;
use std::borrow::Cow;
use std::io::{BufRead, BufReader};
use std::time::Instant;

/// The exact word n-gram pair counting baseline.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// JSONL file with a "text" field per line.
    input: std::path::PathBuf,
    /// Words per n-gram.
    #[arg(long, default_value_t = 8)]
    n: usize,
    /// N-grams found in more documents than this are skipped.
    #[arg(long, default_value_t = 50)]
    max_df: usize,
    /// A pair is counted when it shares at least this many distinct n-grams.
    #[arg(long, default_value_t = 3)]
    min_shared: usize,
}

#[derive(Deserialize)]
struct Doc<'a> {
    #[serde(borrow, default)]
    text: Option<Cow<'a, str>>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    anyhow::ensure!(args.n >= 1, "--n must be at least 1");
    let start = Instant::now();
    let file = std::fs::File::open(&args.input)
        .with_context(|| format!("cannot open {}", args.input.display()))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let (mut line, mut lineno, mut texts) = (Vec::new(), 0u64, Vec::<String>::new());
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        lineno += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let doc: Doc<'_> = serde_json::from_slice(&line)
            .with_context(|| format!("{}:{lineno}: bad json", args.input.display()))?;
        texts.push(doc.text.unwrap_or_default().into_owned());
    }
    let read_seconds = start.elapsed().as_secs_f64();
    let (pairs, keys) =
        reprint_bench::ngram::shared_ngram_pairs(&texts, args.n, args.max_df, args.min_shared);
    let out = serde_json::json!({
        "tool": "ngram-count",
        "n": args.n,
        "docs": texts.len(),
        "ngrams": keys,
        "pairs": pairs,
        "read_seconds": read_seconds,
        "seconds": start.elapsed().as_secs_f64(),
    });
    println!("{out}");
    Ok(())
}
