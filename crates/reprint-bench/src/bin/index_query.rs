//! `index-query STORE QUERIES.jsonl [--queries N]`: the latency of one-document queries
//! through the library (`Index::query`, nothing stored) against an existing index, one
//! query at a time on one thread. Prints one JSON object: p50, p90, p99, max and mean in
//! microseconds, and what the answers contained.

use anyhow::{Context, Result};
use clap::Parser;
use reprint_index::{Index, NewDoc};
use std::io::BufRead;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser)]
struct Args {
    /// The index directory.
    store: PathBuf,
    /// JSONL documents to query with (`id`, `text`).
    queries: PathBuf,
    /// How many queries (cycling through the file if it is shorter).
    #[arg(long = "queries", default_value_t = 10_000)]
    queries_n: usize,
    /// Build the in-memory bucket filter first, as a long-lived service would.
    #[arg(long)]
    warm: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()?;
    let t = Instant::now();
    let index = Index::open(&args.store).with_context(|| format!("{}", args.store.display()))?;
    if args.warm {
        index.warm()?;
    }
    let open_seconds = t.elapsed().as_secs_f64();
    let f = std::io::BufReader::new(std::fs::File::open(&args.queries)?);
    let mut docs = Vec::new();
    for line in f.lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        docs.push(NewDoc::new(
            &format!("query-{}", v["id"].as_str().unwrap_or("")),
            v["text"].as_str().context("text")?,
        ));
        if docs.len() >= args.queries_n {
            break;
        }
    }
    let mut lat = Vec::with_capacity(args.queries_n);
    let (mut with_pairs, mut with_passages) = (0u64, 0u64);
    for i in 0..args.queries_n {
        let d = &docs[i % docs.len()];
        let t = Instant::now();
        let r = index.query(std::slice::from_ref(d))?;
        lat.push(t.elapsed().as_secs_f64() * 1e6);
        use reprint_engine::Finding;
        with_pairs += r.findings.iter().any(|f| matches!(f, Finding::Pair(_))) as u64;
        with_passages += r
            .findings
            .iter()
            .any(|f| matches!(f, Finding::Alignment(_))) as u64;
    }
    let mean = lat.iter().sum::<f64>() / lat.len() as f64;
    lat.sort_by(f64::total_cmp);
    let q = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    println!(
        "{}",
        serde_json::json!({
            "store": args.store.display().to_string(),
            "documents": index.len()?,
            "levels": index.levels(),
            "queries": lat.len(),
            "open_seconds": open_seconds,
            "warm": args.warm,
            "p50_us": q(0.50), "p90_us": q(0.90), "p99_us": q(0.99), "max_us": lat[lat.len() - 1],
            "mean_us": mean,
            "queries_with_pairs": with_pairs,
            "queries_with_passages": with_passages,
        })
    );
    Ok(())
}
