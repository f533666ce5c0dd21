//! `Threads::Caller`: a Spark or Ray task is one core, and the engine must not start a
//! thread pool of its own there. (Alone in its test binary: no other test adds threads.)

use reprint_engine::{Config, Engine, Finding, StoriesSettings, Threads};
use reprint_io::{InputConfig, Location, Record};

fn threads_now() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn caller_mode_runs_every_level_without_a_thread_of_its_own() {
    let text = "the quick brown fox jumps over the lazy dog near the river bank today and then";
    let records: Vec<_> = (0..300)
        .map(|i| {
            Ok(Record {
                id: format!("d{i}"),
                text: if i % 3 == 0 {
                    text.to_string()
                } else {
                    format!("{text} number {i} and more words")
                },
                meta: Default::default(),
                loc: Location {
                    file: "mem".into(),
                    line: i + 1,
                },
                raw: None,
                origin: None,
            })
        })
        .collect();
    let before = threads_now();
    let cfg = Config::builder()
        .threads(Threads::Caller)
        .reuse_default()
        .stories(Some(StoriesSettings::default()))
        .build()
        .unwrap();
    let engine = Engine::new(cfg).unwrap();
    let input = engine.input_config(&InputConfig::default());
    let a = engine.run(records.into_iter(), &input, &()).unwrap();
    assert_eq!(threads_now(), before, "no thread was started");
    let mut found: Vec<Finding> = Vec::new();
    a.write_findings(&mut found, true).unwrap();
    assert!(found.iter().any(|f| matches!(f, Finding::Pair(_))));
    assert!(found.iter().any(|f| matches!(f, Finding::Story(_))));
}
