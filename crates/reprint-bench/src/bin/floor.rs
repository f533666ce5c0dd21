//! `floor FILE`: parse every JSONL line, tokenize + hash its `text`, single thread; prints one
//! JSON object (docs, bytes, seconds, MB/s) on stdout.

use anyhow::{Context, Result};
use clap::Parser;
use reprint_bench::floor::FloorStats;
use std::io::{BufRead, BufReader};
use std::time::Instant;

/// The tokenize+hash performance floor of a JSONL corpus.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// JSONL file with a "text" field per line.
    input: std::path::PathBuf,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let start = Instant::now();
    let file = std::fs::File::open(&args.input)
        .with_context(|| format!("cannot open {}", args.input.display()))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut stats = FloorStats::default();
    let (mut line, mut lineno, mut file_bytes) = (Vec::new(), 0u64, 0u64);
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        lineno += 1;
        file_bytes += n as u64;
        stats
            .add_line(&line)
            .with_context(|| format!("{}:{lineno}: bad json", args.input.display()))?;
    }
    let seconds = start.elapsed().as_secs_f64();
    let out = serde_json::json!({
        "tool": "floor",
        "input": args.input.display().to_string(),
        "docs": stats.docs,
        "bytes": stats.text_bytes,
        "file_bytes": file_bytes,
        "tokens": stats.tokens,
        "seconds": seconds,
        "mb_per_s": stats.text_bytes as f64 / 1e6 / seconds,
        "docs_per_s": stats.docs as f64 / seconds,
        "sink": format!("{:016x}", stats.sink),
    });
    println!("{out}");
    Ok(())
}
