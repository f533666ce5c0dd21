//! Throughput benchmark: synthetic news-sized documents with planted reuse.
//!
//! ```text
//! cargo run --release -p reprint-reuse --example reuse_bench -- [docs=100000] [threads=2]
//! ```
//!
//! Documents (~3 KB) are sentences of Zipf-distributed words from a 40 000-word vocabulary,
//! all derived from a fixed seed. One document in ten receives a paragraph (~70 words) pasted
//! from an earlier one, with two words changed; one in twenty carries the same 40-word
//! footer. The run prints the reuse finder's time, throughput, peak RSS and how many planted
//! pastes it found. The exact 8-gram pair count it was once compared with in the same process
//! is now `ngram-count` (crates/reprint-bench), run beside `reprint reuse` by
//! `bench/reuse_scale.py`.

use rayon::prelude::*;
use reprint_reuse::{find_reuse, DocRef, ReuseConfig};
use std::time::Instant;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
}

struct Vocab {
    words: Vec<String>,
    /// Cumulative Zipf weights scaled to u64.
    cdf: Vec<u64>,
}

impl Vocab {
    fn new(size: usize) -> Vocab {
        const SYL: [&str; 24] = [
            "ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "an", "er", "in", "ol", "pra", "ste",
            "gu", "de", "ba", "zi", "or", "el", "um", "qua", "tri", "fe",
        ];
        let mut rng = Rng(7);
        let words = (0..size)
            .map(|i| {
                let syl = 1 + (i as f64).log(6.0).max(0.0) as u64 + rng.below(2);
                (0..syl)
                    .map(|_| SYL[rng.below(SYL.len() as u64) as usize])
                    .collect::<String>()
                    + &format!("{}", i % 7)[..(i % 7 == 0) as usize]
            })
            .collect();
        let weights: Vec<f64> = (1..=size).map(|r| 1.0 / r as f64).collect();
        let total: f64 = weights.iter().sum();
        let mut acc = 0.0;
        let cdf = weights
            .iter()
            .map(|w| {
                acc += w / total;
                (acc.min(1.0) * u64::MAX as f64) as u64
            })
            .collect();
        Vocab { words, cdf }
    }

    fn sample(&self, rng: &mut Rng) -> &str {
        let x = rng.next();
        let i = self
            .cdf
            .partition_point(|&c| c < x)
            .min(self.words.len() - 1);
        &self.words[i]
    }

    fn sentences(&self, rng: &mut Rng, words: usize, out: &mut String) {
        let mut in_sentence = 0;
        for k in 0..words {
            let w = self.sample(rng);
            if in_sentence == 0 {
                let mut c = w.chars();
                let first = c.next().unwrap().to_ascii_uppercase();
                out.push(first);
                out.push_str(c.as_str());
            } else {
                out.push_str(w);
            }
            in_sentence += 1;
            if in_sentence > 8 && rng.below(6) == 0 || k + 1 == words {
                out.push_str(". ");
                in_sentence = 0;
            } else {
                out.push(' ');
            }
        }
    }
}

/// `(texts, planted (source doc, target doc) pairs, footer docs)`.
fn generate(n: usize) -> (Vec<String>, Vec<(u32, u32)>, usize) {
    let vocab = Vocab::new(40_000);
    let mut frng = Rng(99);
    let mut footer = String::new();
    vocab.sentences(&mut frng, 40, &mut footer);
    let mut texts: Vec<String> = (0..n)
        .into_par_iter()
        .map(|d| {
            let mut rng = Rng(1_000_003 * d as u64 + 17);
            let mut s = String::with_capacity(3300);
            for _ in 0..5 {
                vocab.sentences(&mut rng, 64, &mut s);
                s.push_str("\n\n");
            }
            s
        })
        .collect();
    let mut planted = Vec::new();
    let mut footers = 0;
    for d in 0..n {
        let mut rng = Rng(31 * d as u64 + 5);
        if d > 0 && rng.below(10) == 0 {
            let src = rng.below(d as u64) as usize;
            // Second paragraph of an earlier document (appends never change it), two words
            // changed.
            let para = texts[src].split("\n\n").nth(1).unwrap();
            let mut words: Vec<&str> = para.split(' ').collect();
            for _ in 0..2 {
                let at = rng.below(words.len() as u64) as usize;
                words[at] = "changed";
            }
            let pasted = words.join(" ");
            texts[d].push_str(&pasted);
            texts[d].push_str("\n\n");
            planted.push((src as u32, d as u32));
        }
        if rng.below(20) == 0 {
            texts[d].push_str(&footer);
            footers += 1;
        }
    }
    (texts, planted, footers)
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(100_000);
    let threads = args.get(1).copied().unwrap_or(2);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .unwrap();

    let t = Instant::now();
    let (texts, planted, footers) = generate(n);
    let bytes: usize = texts.iter().map(String::len).sum();
    println!(
        "generated {n} docs, {:.1} MB ({} B/doc), {} pasted paragraphs, footer in {footers} docs, {:.1} s",
        bytes as f64 / 1e6,
        bytes / n.max(1),
        planted.len(),
        t.elapsed().as_secs_f64()
    );
    let rss_before = peak_rss_mb();

    let docs: Vec<DocRef> = texts.iter().map(|t| DocRef::undated(t)).collect();
    let cfg = ReuseConfig::default();
    let t = Instant::now();
    let result = find_reuse(&docs, &cfg).expect("valid config");
    let secs = t.elapsed().as_secs_f64();
    let rss = peak_rss_mb();
    let mut found_pairs: Vec<(u32, u32)> = result.alignments.iter().map(|a| (a.a, a.b)).collect();
    found_pairs.sort_unstable();
    found_pairs.dedup();
    let hit = planted
        .iter()
        .filter(|p| found_pairs.binary_search(p).is_ok())
        .count();
    let boiler: Vec<_> = result.passages.iter().filter(|p| p.boilerplate).collect();
    println!(
        "find_reuse ({threads} threads): {n} docs in {secs:.2} s = {:.0} docs/s, peak RSS {rss:.0} MB \
         (texts alone {rss_before:.0} MB)",
        n as f64 / secs
    );
    println!(
        "  {} alignments, {} passages, {} boilerplate passages (largest in {} docs); planted pastes found {hit}/{}",
        result.alignments.len(),
        result.passages.len(),
        boiler.len(),
        boiler.iter().map(|p| p.occurrences.len()).max().unwrap_or(0),
        planted.len()
    );
    println!("  stats {:?}", result.stats);
}
