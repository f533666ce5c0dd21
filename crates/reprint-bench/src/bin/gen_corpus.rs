//! `gen-corpus --docs N --out FILE`: writes a deterministic JSONL corpus of news-sized documents
//! with a known share of exact and near duplicates; prints one JSON summary on stdout.

use anyhow::{Context, Result};
use clap::Parser;
use rayon::prelude::*;
use reprint_bench::corpus::{push_json_string, CorpusConfig, DocKind, Generator};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

/// Generate a synthetic JSONL corpus ({"id", "text"} per line).
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Number of documents.
    #[arg(long, default_value_t = 1_000_000)]
    docs: u64,
    /// Output JSONL file ("-" for stdout; the summary then goes to stderr).
    #[arg(long)]
    out: PathBuf,
    /// Master seed: same seed, same corpus (whatever the thread count).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Fraction of documents that copy an earlier document.
    #[arg(long, default_value_t = 0.10)]
    dup_rate: f64,
    /// Fraction of the copies that are exact (the rest are near copies, word 5-gram Jaccard ~0.80-0.95).
    #[arg(long, default_value_t = 0.5)]
    exact_share: f64,
    /// Mean text size per document in bytes.
    #[arg(long, default_value_t = 3_000)]
    doc_bytes: usize,
    /// Also write a TSV of every copy: id, kind (exact|near), source id.
    #[arg(long)]
    truth: Option<PathBuf>,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

/// Documents rendered per parallel task, and per batch written in order.
const TASK: u64 = 512;
const BATCH: u64 = 64 * TASK;

struct Rendered {
    jsonl: String,
    copies: Vec<(u64, DocKind)>,
    text_bytes: u64,
}

fn render(gen: &Generator, range: std::ops::Range<u64>) -> Rendered {
    let mut r = Rendered {
        jsonl: String::with_capacity((range.end - range.start) as usize * 3_300),
        copies: Vec::new(),
        text_bytes: 0,
    };
    let mut text = String::new();
    for i in range {
        text.clear();
        let kind = gen.document(i, &mut text);
        if kind != DocKind::Original {
            r.copies.push((i, kind));
        }
        r.text_bytes += text.len() as u64;
        r.jsonl.push_str("{\"id\":");
        push_json_string(&gen.id(i), &mut r.jsonl);
        r.jsonl.push_str(",\"text\":");
        push_json_string(&text, &mut r.jsonl);
        r.jsonl.push_str("}\n");
    }
    r
}

fn create(path: &PathBuf) -> Result<Box<dyn Write>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(BufWriter::with_capacity(
            1 << 20,
            std::io::stdout().lock(),
        )));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let f =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(Box::new(BufWriter::with_capacity(1 << 20, f)))
}

fn main() -> Result<()> {
    let args = Args::parse();
    let start = Instant::now();
    let cfg = CorpusConfig {
        docs: args.docs,
        seed: args.seed,
        doc_bytes: args.doc_bytes,
        dup_rate: args.dup_rate,
        exact_share: args.exact_share,
        ..CorpusConfig::default()
    };
    let gen = Generator::new(cfg)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()?;
    let mut out = create(&args.out)?;
    let mut truth = args.truth.as_ref().map(create).transpose()?;
    if let Some(t) = truth.as_mut() {
        writeln!(t, "id\tkind\tsource")?;
    }
    let (mut file_bytes, mut text_bytes, mut exact, mut near) = (0u64, 0u64, 0u64, 0u64);
    for batch in (0..args.docs).step_by(BATCH as usize) {
        let end = (batch + BATCH).min(args.docs);
        let parts: Vec<Rendered> = pool.install(|| {
            (batch..end)
                .step_by(TASK as usize)
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(|s| render(&gen, s..(s + TASK).min(end)))
                .collect()
        });
        for part in parts {
            out.write_all(part.jsonl.as_bytes())?;
            file_bytes += part.jsonl.len() as u64;
            text_bytes += part.text_bytes;
            for (i, kind) in part.copies {
                match kind {
                    DocKind::Exact { .. } => exact += 1,
                    _ => near += 1,
                }
                if let (Some(t), Some(src)) = (truth.as_mut(), kind.source()) {
                    writeln!(t, "{}\t{}\t{}", gen.id(i), kind.name(), gen.id(src))?;
                }
            }
        }
    }
    out.flush()?;
    if let Some(t) = truth.as_mut() {
        t.flush()?;
    }
    let seconds = start.elapsed().as_secs_f64();
    let summary = serde_json::json!({
        "tool": "gen-corpus",
        "out": args.out.display().to_string(),
        "docs": args.docs,
        "seed": args.seed,
        "dup_rate": args.dup_rate,
        "exact_copies": exact,
        "near_copies": near,
        "file_bytes": file_bytes,
        "bytes": text_bytes,
        "vocabulary": gen.vocabulary_size(),
        "seconds": seconds,
        "mb_per_s": file_bytes as f64 / 1e6 / seconds,
    });
    if args.out.as_os_str() == "-" {
        eprintln!("{summary}");
    } else {
        println!("{summary}");
    }
    Ok(())
}
