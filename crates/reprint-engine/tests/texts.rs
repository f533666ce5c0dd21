//! `Engine::run_with_texts`: texts the caller holds stand in for kept shingle sets, with the
//! same findings.

use reprint_engine::{Config, Engine, Finding, TextSource, Threads};
mod common;

use common::records;
use reprint_io::{InputConfig, Location};

struct Held(Vec<String>);

impl TextSource for Held {
    fn text(&self, loc: &Location) -> Option<&str> {
        self.0.get(loc.line as usize - 1).map(String::as_str)
    }
}

fn texts() -> Vec<String> {
    let base = "reprint finds the ways a text collection repeats itself fast at any scale";
    (0..400)
        .map(|i| match i % 4 {
            0 => base.to_string(),
            1 => format!("{base} and shows why, number {}", i / 4 % 7),
            2 => format!("a different document {i} with words of its own to say"),
            _ => format!("{base} {i}"),
        })
        .collect()
}

#[test]
fn held_texts_give_the_same_findings_and_keep_no_sets() {
    let texts = texts();
    let cfg = Config::builder().threads(Threads::Caller).build().unwrap();
    let engine = Engine::new(cfg).unwrap();
    let input = InputConfig::default();
    let plain = engine
        .run(records(&texts).into_iter(), &input, &())
        .unwrap();
    let held = Held(texts.clone());
    let with = engine
        .run_with_texts(records(&texts).into_iter(), &input, &(), &held)
        .unwrap();
    let (mut a, mut b): (Vec<Finding>, Vec<Finding>) = (Vec::new(), Vec::new());
    plain.write_findings(&mut a, true).unwrap();
    with.write_findings(&mut b, true).unwrap();
    assert!(a.iter().filter(|f| matches!(f, Finding::Pair(_))).count() > 100);
    assert_eq!(a, b);
    let sets = |s: &serde_json::Map<String, serde_json::Value>| s["verified_sets"].clone();
    assert!(sets(&plain.summary())["stored"].as_u64().unwrap() > 0);
    assert_eq!(sets(&with.summary())["stored"], 0);
    assert!(sets(&with.summary())["from_kept_text"].as_u64().unwrap() > 0);
}
