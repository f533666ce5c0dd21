//! Builds a synthetic report of many documents and prints its size and render time.
//!
//! ```text
//! cargo run --release -p reprint-report --example synthetic -- [DOCS] [TEXT_BYTES] [OUT.html] [--browser]
//! ```
//!
//! Defaults: 100 000 documents of 300 bytes. With `OUT.html` the report is written there;
//! with `--browser` too, headless Chromium loads it and the load time is printed.

use std::time::Instant;

use reprint_report::{
    AlignmentView, ClusterView, DocView, PairView, PassageView, ReportData, StoryView, Summary,
};

/// A small deterministic generator, so every run measures the same report.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

const WORDS: &[&str] = &[
    "Moscow",
    "Kiev",
    "president",
    "talks",
    "security",
    "agreement",
    "minister",
    "said",
    "on",
    "the",
    "of",
    "and",
    "Ukraine",
    "Kremlin",
    "phone",
    "conversation",
    "Paris",
    "Berlin",
    "Washington",
    "sanctions",
    "gas",
    "pipeline",
    "troops",
    "border",
    "Draghi",
    "Macron",
    "Putin",
    "Lavrov",
    "Blinken",
    "Peskov",
    "Zürich",
    "Straße",
    "‘quoted’",
    "—",
];

fn text(rng: &mut Lcg, bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 16);
    while s.len() < bytes {
        s.push_str(WORDS[rng.next() as usize % WORDS.len()]);
        s.push(' ');
    }
    s
}

fn synthetic(n: usize, text_bytes: usize) -> ReportData {
    let mut rng = Lcg(42);
    let id = |i: usize| format!("doc-{i:06}");
    let date = |i: usize| format!("2022-{:02}-{:02}", 1 + i % 12, 1 + i % 28);
    let cluster_size = 10;
    let clustered = n / 10; // every tenth block of documents forms clusters
    let documents: Vec<DocView> = (0..n)
        .map(|i| {
            let cluster = (i < clustered).then_some((i / cluster_size) as u32);
            let rep = i - i % cluster_size;
            DocView {
                id: id(i),
                text: text(&mut rng, text_bytes),
                date: Some(date(i)),
                cluster,
                keep: cluster.is_none() || i == rep,
                duplicate_of: (cluster.is_some() && i != rep).then(|| id(rep)),
                story: Some((i % 2000) as u32),
                title: None,
            }
        })
        .collect();
    let clusters: Vec<ClusterView> = (0..clustered / cluster_size)
        .map(|c| ClusterView {
            id: c as u32,
            members: (c * cluster_size..(c + 1) * cluster_size).map(id).collect(),
            representative: id(c * cluster_size),
        })
        .collect();
    let pairs: Vec<PairView> = (0..clustered)
        .filter(|i| i % cluster_size != 0)
        .map(|i| PairView {
            a: id(i - i % cluster_size),
            b: id(i),
            jaccard: 0.8 + (i % 20) as f64 / 100.0,
            containment_a_in_b: 0.9,
            containment_b_in_a: 0.85,
            exact: i % 7 == 0,
        })
        .collect();
    let passages_n = n / 20;
    let mut alignments = Vec::new();
    let passages: Vec<PassageView> = (0..passages_n)
        .map(|p| {
            let docs: Vec<usize> = (0..4).map(|k| (p * 7 + k * 13_337) % n).collect();
            for w in docs.windows(2) {
                alignments.push(AlignmentView {
                    a: id(w[0]),
                    a_start: 10,
                    a_end: 120,
                    b: id(w[1]),
                    b_start: 20,
                    b_end: 130,
                    identity: 0.95,
                    passage: p as u32,
                });
            }
            PassageView {
                id: p as u32,
                occurrences: docs.iter().map(|&d| (id(d), 10, 120)).collect(),
                boilerplate: p % 10 == 0,
                source: Some(id(docs[0])),
                text: documents[docs[0]]
                    .text
                    .get(10..120)
                    .unwrap_or("")
                    .to_string(),
            }
        })
        .collect();
    let stories: Vec<StoryView> = (0..2000)
        .map(|s| StoryView {
            id: s as u32,
            label: format!("story about {}", WORDS[s % WORDS.len()]),
            members: (s..n).step_by(2000).map(id).collect(),
            first_seen: Some(date(s)),
            last_seen: Some(date(s + 40)),
            top_entities: (0..5)
                .map(|k| WORDS[(s + k) % WORDS.len()].to_string())
                .collect(),
            titles: Vec::new(),
        })
        .collect();
    ReportData {
        title: format!("Synthetic: {n} documents"),
        summary: Summary {
            documents: n as u64,
            duplicates_removed: (clustered - clusters.len()) as u64,
            clusters: clusters.len() as u64,
            reused_passages: passages.len() as u64,
            boilerplate: passages.iter().filter(|p| p.boilerplate).count() as u64,
            stories: stories.len() as u64,
            extra: vec![("generator".into(), "examples/synthetic.rs".into())],
        },
        documents,
        clusters,
        pairs,
        alignments,
        passages,
        stories,
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let browser = args.iter().any(|a| a == "--browser");
    let mut pos = args.iter().filter(|a| !a.starts_with("--"));
    let n: usize = pos
        .next()
        .map_or(100_000, |s| s.parse().expect("DOCS is a number"));
    let bytes: usize = pos
        .next()
        .map_or(300, |s| s.parse().expect("TEXT_BYTES is a number"));
    let out = pos.next();

    let data = synthetic(n, bytes);
    let t = Instant::now();
    let html = reprint_report::render(&data);
    let elapsed = t.elapsed();
    println!(
        "{n} documents x {bytes} B text, {} clusters, {} pairs, {} alignments, {} passages, {} stories",
        data.clusters.len(),
        data.pairs.len(),
        data.alignments.len(),
        data.passages.len(),
        data.stories.len()
    );
    println!(
        "html: {} bytes ({:.1} MiB), rendered in {:.0} ms",
        html.len(),
        html.len() as f64 / (1024.0 * 1024.0),
        elapsed.as_secs_f64() * 1000.0
    );
    if let Some(out) = out {
        let path = std::path::Path::new(out);
        reprint_report::write(&data, path)?;
        if browser {
            let t = Instant::now();
            let dom = reprint_report::browser::chromium_dump_dom(path, None)?;
            let page_ms = dom
                .split_once("data-ready-ms=\"")
                .and_then(|(_, rest)| rest.split('"').next())
                .unwrap_or("?");
            println!(
                "chromium: page ready {page_ms} ms after navigation start; whole run (start, load, dump DOM) {:.1} s",
                t.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}
