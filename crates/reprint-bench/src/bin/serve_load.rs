//! A load client for `reprint serve`: `--clients` threads, each with one keep-alive
//! connection, send requests back to back until `--seconds` pass or `--requests` are sent;
//! prints one JSON object: requests, errors, requests/s, latency percentiles.
//!
//! Modes: `query` (one document, `?dry_run=true`), `insert` (one new document), `batch`
//! (`--batch` new documents). Documents come from a JSONL file (`id`, `text`); inserted ones
//! get fresh ids (`--id-prefix` + a counter) so runs never collide.

use anyhow::{bail, Context, Result};
use clap::{Parser, ValueEnum};
use serde_json::{json, Value};
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Query,
    Insert,
    Batch,
}

#[derive(Parser, Debug)]
struct Args {
    /// The server, e.g. http://127.0.0.1:7878
    #[arg(long)]
    url: String,
    /// The bearer token (else REPRINT_TOKEN).
    #[arg(long)]
    token: Option<String>,
    /// Documents to send (JSONL with id and text).
    #[arg(long)]
    docs: PathBuf,
    /// Use at most this many documents of the file.
    #[arg(long, default_value_t = 20_000)]
    max_docs: usize,
    #[arg(long, value_enum)]
    mode: Mode,
    /// Concurrent clients (one connection each).
    #[arg(long, default_value_t = 4)]
    clients: usize,
    /// Stop after this many seconds.
    #[arg(long, default_value_t = 20.0)]
    seconds: f64,
    /// Stop after this many requests (all clients together).
    #[arg(long, default_value_t = u64::MAX)]
    requests: u64,
    /// Documents per request in `batch` mode.
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Prefix of inserted documents' ids.
    #[arg(long, default_value = "load")]
    id_prefix: String,
    /// Query documents are cut by this many trailing words (a near duplicate, not a copy).
    #[arg(long, default_value_t = 1)]
    drop_words: usize,
}

fn main() -> Result<()> {
    let a = Args::parse();
    let token = a
        .token
        .clone()
        .or_else(|| std::env::var("REPRINT_TOKEN").ok())
        .context("give --token or REPRINT_TOKEN")?;
    let file = std::fs::File::open(&a.docs).with_context(|| format!("{}", a.docs.display()))?;
    let mut texts = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        if texts.len() >= a.max_docs {
            break;
        }
        let line = line.with_context(|| format!("{}:{}", a.docs.display(), i + 1))?;
        let v: Value = serde_json::from_str(&line)
            .with_context(|| format!("{}:{}: not JSON", a.docs.display(), i + 1))?;
        let text = v["text"]
            .as_str()
            .with_context(|| format!("{}:{}: no text", a.docs.display(), i + 1))?;
        texts.push(text.to_string());
    }
    if texts.is_empty() {
        bail!("{} has no document", a.docs.display());
    }
    let texts = Arc::new(texts);
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let counter = Arc::new(AtomicU64::new(0));
    let limit = Duration::from_secs_f64(a.seconds);
    let started = Instant::now();
    let path = match a.mode {
        Mode::Query => "/v1/documents?dry_run=true",
        _ => "/v1/documents",
    };
    let url = format!("{}{path}", a.url.trim_end_matches('/'));
    let workers: Vec<_> = (0..a.clients)
        .map(|c| {
            let (texts, stop, sent, counter) =
                (texts.clone(), stop.clone(), sent.clone(), counter.clone());
            let (url, token, prefix) = (url.clone(), token.clone(), a.id_prefix.clone());
            let (mode, batch, requests, drop_words) = (a.mode, a.batch, a.requests, a.drop_words);
            std::thread::spawn(move || -> (Vec<f64>, u64, Option<String>) {
                let agent = ureq::AgentBuilder::new()
                    .max_idle_connections_per_host(1)
                    .timeout(Duration::from_secs(60))
                    .build();
                let auth = format!("Bearer {token}");
                let mut lat = Vec::new();
                let mut errors = 0;
                let mut first_error = None;
                let mut k = c;
                loop {
                    if stop.load(Ordering::Relaxed)
                        || started.elapsed() >= limit
                        || sent.fetch_add(1, Ordering::Relaxed) >= requests
                    {
                        break;
                    }
                    let n = if mode == Mode::Batch { batch } else { 1 };
                    let mut docs = Vec::with_capacity(n);
                    for _ in 0..n {
                        let t = &texts[k % texts.len()];
                        k += a_step(c);
                        let id = counter.fetch_add(1, Ordering::Relaxed);
                        let text = if mode == Mode::Query {
                            cut_words(t, drop_words)
                        } else {
                            t.as_str()
                        };
                        docs.push(json!({"id": format!("{prefix}-{id}"), "text": text}));
                    }
                    let body = if n == 1 {
                        docs.pop().unwrap().to_string()
                    } else {
                        Value::Array(docs).to_string()
                    };
                    let t0 = Instant::now();
                    let r = agent
                        .post(&url)
                        .set("Authorization", &auth)
                        .set("Content-Type", "application/json")
                        .send_string(&body)
                        .map_err(|e| e.to_string())
                        .and_then(|r| {
                            let s = r.status();
                            r.into_string().map(|_| s).map_err(|e| e.to_string())
                        });
                    let took = t0.elapsed().as_secs_f64();
                    match r {
                        Ok(200) => lat.push(took),
                        Ok(s) => {
                            errors += 1;
                            first_error.get_or_insert(format!("status {s}"));
                        }
                        Err(e) => {
                            errors += 1;
                            first_error.get_or_insert(e);
                        }
                    }
                }
                (lat, errors, first_error)
            })
        })
        .collect();
    let mut lat = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    for w in workers {
        let (l, e, f) = w.join().expect("a client thread");
        lat.extend(l);
        errors += e;
        if first_error.is_none() {
            first_error = f;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let wall = started.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return f64::NAN;
        }
        let i = ((p / 100.0) * (lat.len() - 1) as f64).round() as usize;
        (lat[i] * 1e6).round() / 1e3
    };
    let docs_per_request = if a.mode == Mode::Batch { a.batch } else { 1 };
    println!(
        "{}",
        json!({
            "mode": format!("{:?}", a.mode).to_lowercase(),
            "clients": a.clients,
            "requests": lat.len(),
            "errors": errors,
            "first_error": first_error,
            "seconds": (wall * 1000.0).round() / 1000.0,
            "requests_per_s": ((lat.len() as f64 / wall) * 10.0).round() / 10.0,
            "documents_per_s": ((lat.len() as f64 * docs_per_request as f64 / wall) * 10.0).round() / 10.0,
            "p50_ms": pct(50.0),
            "p90_ms": pct(90.0),
            "p99_ms": pct(99.0),
            "max_ms": pct(100.0),
        })
    );
    Ok(())
}

/// Clients walk the documents with different strides so they do not send the same ones.
fn a_step(c: usize) -> usize {
    [7919, 7927, 7933, 7937, 7949, 7951, 7963, 7993][c % 8]
}

/// `text` without its last `n` words.
fn cut_words(text: &str, n: usize) -> &str {
    let mut end = text.trim_end().len();
    for _ in 0..n {
        match text[..end].trim_end().rfind(char::is_whitespace) {
            Some(i) => end = i,
            None => break,
        }
    }
    &text[..end]
}
