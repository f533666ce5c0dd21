//! Pair similarities for an evaluation script.
//!
//! stdin: JSON lines `{"text1", "text2", "title1"?, "title2"?, "date1"?, "date2"?,
//! "embedding1"?, "embedding2"?}`.
//! stdout: one similarity per line, in input order. Document frequencies come from all texts
//! of the input. Flags: `--cluster` reads `{"text", "title"?, "date"?, "embedding"?}` lines instead and
//! prints the story id of each document; `--evidence` reads the same lines with a "group"
//! and prints the evidence of every pair within a group; `key=value` arguments override config fields
//! (`join_threshold=0.3`).
use reprint_stories::dates::resolve_dates;
use reprint_stories::{cluster, pair_similarity, Collection, StoriesConfig, StoryDoc};
use std::io::{BufRead, Write};

fn config(args: &[String]) -> StoriesConfig {
    let mut c = StoriesConfig::default();
    for a in args.iter().filter_map(|a| a.split_once('=')) {
        let v: f64 = a.1.parse().expect("number");
        match a.0 {
            "term_weight" => c.term_weight = v,
            "entity_weight" => c.entity_weight = v,
            "embedding_weight" => c.embedding_weight = v,
            "title_boost" => c.title_boost = v as f32,
            "lead_boost" => c.lead_boost = v as f32,
            "lead_sentences" => c.lead_sentences = v as usize,
            "idf_prior_docs" => c.idf_prior_docs = v,
            "join_threshold" => c.join_threshold = v,
            "link_threshold" => c.link_threshold = v,
            "neighbors" => c.neighbors = v as usize,
            "number_boost" => c.number_boost = v as f32,
            "index_keys" => c.index_keys = v as usize,
            "max_postings" => c.max_postings = v as usize,
            "half_life_days" => c.half_life_days = v,

            "max_terms" => c.max_terms = v as usize,
            "time_floor" => c.time_floor = v,
            other => panic!("unknown config field {other}"),
        }
    }
    c
}

fn s<'a>(v: &'a serde_json::Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(|x| x.as_str()).filter(|x| !x.is_empty())
}

/// The `"embedding"` array of each line, if it has one.
fn embeddings(lines: &[serde_json::Value]) -> Vec<Option<Vec<f32>>> {
    lines
        .iter()
        .map(|v| {
            v.get("embedding")?
                .as_array()?
                .iter()
                .map(|x| x.as_f64().map(|f| f as f32))
                .collect()
        })
        .collect()
}

/// `{"text", "title"?, "date"?, "embedding"?}` lines as documents.
fn story_docs<'a>(
    lines: &'a [serde_json::Value],
    emb: &'a [Option<Vec<f32>>],
) -> Vec<StoryDoc<'a>> {
    lines
        .iter()
        .zip(emb)
        .map(|(v, e)| StoryDoc {
            text: s(v, "text").unwrap_or(""),
            title: s(v, "title"),
            date: s(v, "date"),
            embedding: e.as_deref(),
            ..StoryDoc::default()
        })
        .collect()
}

/// Features of `docs`, weighted by their own document frequencies.
fn features(docs: &[StoryDoc], cfg: &StoriesConfig) -> Vec<reprint_stories::DocFeatures> {
    let mut coll = Collection::new(cfg.clone()).expect("config");
    docs.iter().for_each(|d| coll.add(d));
    let dates = resolve_dates(docs);
    docs.iter()
        .zip(&dates)
        .map(|(d, &dt)| coll.features(d, dt))
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cfg = config(&args);
    let lines: Vec<serde_json::Value> = std::io::stdin()
        .lock()
        .lines()
        .map(|l| serde_json::from_str(&l.expect("read stdin")).expect("json line"))
        .collect();
    let out = std::io::stdout();
    let mut out = out.lock();
    if args.iter().any(|a| a == "--evidence") {
        // Every pair of documents with the same "group": i, j and the evidence as JSON.
        let emb = embeddings(&lines);
        let docs = story_docs(&lines, &emb);
        let f = features(&docs, &cfg);
        for i in 0..docs.len() {
            for j in i + 1..docs.len() {
                if lines[i].get("group") == lines[j].get("group") {
                    let e = reprint_stories::pair_evidence(&f[i], &f[j], &cfg);
                    writeln!(out, "{i}\t{j}\t{}", serde_json::to_string(&e).unwrap()).unwrap();
                }
            }
        }
        return;
    }
    if args.iter().any(|a| a == "--cluster") {
        let emb = embeddings(&lines);
        let docs = story_docs(&lines, &emb);
        let r = cluster(&docs, &cfg).expect("config");
        for a in &r.assignments {
            writeln!(out, "{}", a.story).unwrap();
        }
        return;
    }
    let emb: Vec<Option<Vec<f32>>> = lines
        .iter()
        .flat_map(|v| ["embedding1", "embedding2"].map(|k| v.get(k).cloned()))
        .map(|e| serde_json::from_value(e?).ok())
        .collect();
    let mut docs: Vec<StoryDoc> = Vec::with_capacity(lines.len() * 2);
    for (n, v) in lines.iter().enumerate() {
        for (k, i) in ["1", "2"].into_iter().enumerate() {
            docs.push(StoryDoc {
                text: s(v, &format!("text{i}")).unwrap_or(""),
                title: s(v, &format!("title{i}")),
                date: s(v, &format!("date{i}")),
                embedding: emb[2 * n + k].as_deref(),
                ..StoryDoc::default()
            });
        }
    }
    let f = features(&docs, &cfg);
    for p in f.chunks(2) {
        writeln!(out, "{:.6}", pair_similarity(&p[0], &p[1], &cfg)).unwrap();
    }
}
