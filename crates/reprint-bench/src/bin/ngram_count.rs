//! `ngram-count FILE`: the exact word n-gram counting baseline for text reuse, one thread.
//!
//! What a plain script does to find reused text: hash every word 8-gram of every document,
//! count in how many documents each occurs (a hash map, exact), then read the corpus again
//! and count the n-grams, words and documents covered by an n-gram found in two documents
//! or more. No alignment, no passages, no offsets: the anchor the reuse level's speed and
//! memory are compared with. Prints one JSON object on stdout.

use anyhow::{Context, Result};
use clap::Parser;
use reprint_text::hash::{combine, fmix64};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::time::Instant;

/// The exact word n-gram counting baseline.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// JSONL file with a "text" field per line.
    input: std::path::PathBuf,
    /// Words per n-gram.
    #[arg(long, default_value_t = 8)]
    n: usize,
}

/// The keys are already mixed 64-bit hashes: use them as they are.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("only u64 keys")
    }
    fn write_u64(&mut self, k: u64) {
        self.0 = k;
    }
}

#[derive(Deserialize)]
struct Doc<'a> {
    #[serde(borrow, default)]
    text: Option<Cow<'a, str>>,
}

/// Calls `f` with each document's distinct n-gram hashes (sorted) and its word count.
fn each_doc(path: &Path, n: usize, mut f: impl FnMut(&[u64], &[u64], usize)) -> Result<u64> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let (mut line, mut lineno) = (Vec::new(), 0u64);
    let (mut tokens, mut grams, mut distinct) = (Vec::new(), Vec::new(), Vec::new());
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
            .with_context(|| format!("{}:{lineno}: bad json", path.display()))?;
        tokens.clear();
        reprint_text::for_each_token(doc.text.as_deref().unwrap_or(""), false, |t| {
            tokens.push(t.hash)
        });
        grams.clear();
        grams.extend(
            tokens
                .windows(n)
                .map(|w| fmix64(w.iter().fold(n as u64, |acc, &t| combine(acc, t)))),
        );
        distinct.clear();
        distinct.extend_from_slice(&grams);
        distinct.sort_unstable();
        distinct.dedup();
        f(&grams, &distinct, tokens.len());
    }
    Ok(lineno)
}

fn main() -> Result<()> {
    let args = Args::parse();
    anyhow::ensure!(args.n >= 1, "--n must be at least 1");
    let start = Instant::now();
    let mut df: HashMap<u64, u32, BuildHasherDefault<Identity>> = HashMap::default();
    let (mut docs, mut windows) = (0u64, 0u64);
    each_doc(&args.input, args.n, |grams, distinct, _| {
        docs += 1;
        windows += grams.len() as u64;
        for &g in distinct {
            *df.entry(g).or_insert(0) += 1;
        }
    })?;
    let distinct_ngrams = df.len() as u64;
    let shared_ngrams = df.values().filter(|&&c| c >= 2).count() as u64;
    let (mut docs_with_reuse, mut words_covered, mut words) = (0u64, 0u64, 0u64);
    let mut covered = Vec::new();
    each_doc(&args.input, args.n, |grams, _, len| {
        words += len as u64;
        covered.clear();
        covered.resize(len, false);
        let mut any = false;
        for (i, g) in grams.iter().enumerate() {
            if df[g] >= 2 {
                any = true;
                covered[i..i + args.n].iter_mut().for_each(|c| *c = true);
            }
        }
        docs_with_reuse += any as u64;
        words_covered += covered.iter().filter(|&&c| c).count() as u64;
    })?;
    let seconds = start.elapsed().as_secs_f64();
    let out = serde_json::json!({
        "tool": "ngram-count",
        "n": args.n,
        "docs": docs,
        "words": words,
        "windows": windows,
        "distinct_ngrams": distinct_ngrams,
        "shared_ngrams": shared_ngrams,
        "docs_with_reuse": docs_with_reuse,
        "words_covered": words_covered,
        "seconds": seconds,
    });
    println!("{out}");
    Ok(())
}
