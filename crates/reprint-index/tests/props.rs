//! The index against the batch engine on small random collections: documents added in
//! random batches, then exported, give the batch's pairs, clusters, alignments and (streamed)
//! stories; so does removing a random subset, against the batch over the rest.

use proptest::prelude::*;
use reprint_engine::{Config, Engine, Finding, StoriesSettings, Threads};
use reprint_index::{Index, NewDoc};
use reprint_io::{InputConfig, Location, Record};

const WORDS: [&str; 40] = [
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
    "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango",
    "uniform", "victor", "whiskey", "xray", "yankee", "zulu", "red", "green", "blue", "amber",
    "north", "south", "east", "west", "river", "stone", "cloud", "ember", "frost", "grove",
];

/// A collection with originals, exact copies, near copies and shared paragraphs.
fn collection() -> impl Strategy<Value = Vec<String>> {
    let para = proptest::collection::vec(0usize..WORDS.len(), 20..40);
    (
        proptest::collection::vec(para.clone(), 2..5),
        proptest::collection::vec((0usize..100, 0usize..4, 0usize..100, para), 4..14),
    )
        .prop_map(|(shared, specs)| {
            let mut docs: Vec<String> = Vec::new();
            for (src, kind, pick, own) in specs {
                let own: Vec<&str> = own.iter().map(|&i| WORDS[i]).collect();
                let text = match (kind, docs.is_empty()) {
                    // An exact copy (punctuation and case changed) of an earlier document.
                    (0, false) => docs[src % docs.len()].to_uppercase() + ".",
                    // A near copy: an earlier document with one word changed and one added.
                    (1, false) => {
                        let base = &docs[src % docs.len()];
                        let mut w: Vec<&str> = base.split(' ').collect();
                        let at = pick % w.len();
                        w[at] = "changed";
                        w.push("tail");
                        w.join(" ")
                    }
                    // Own words around a shared paragraph.
                    (2, _) => {
                        let p: Vec<&str> = shared[pick % shared.len()]
                            .iter()
                            .map(|&i| WORDS[i])
                            .collect();
                        format!(
                            "{} {} {}",
                            own[..5].join(" "),
                            p.join(" "),
                            own[5..].join(" ")
                        )
                    }
                    _ => own.join(" "),
                };
                docs.push(text);
            }
            docs
        })
}

fn cfg() -> Config {
    cfg_with(Config::default().dedup.max_bucket)
}

/// [`cfg`] with buckets of `max_bucket` members or more linked as a chain plus a star.
fn cfg_with(max_bucket: usize) -> Config {
    let mut c = Config::builder()
        .threshold(0.6)
        .reuse_default()
        .stories(Some(StoriesSettings {
            stream: true,
            ..StoriesSettings::default()
        }))
        .threads(Threads::Caller)
        .build()
        .unwrap();
    if let Some(r) = &mut c.reuse {
        r.min_words = 10;
    }
    c.dedup.max_bucket = max_bucket;
    c.validate().unwrap();
    c
}

/// The batch's findings of the given documents: pairs, clusters, alignments and passages as
/// `analyze` gives them, then stories as `stories --stream` gives them (the index's stories are
/// the stream's, without the boilerplate mask `analyze` applies when it finds passages).
fn batch(docs: &[(String, String)]) -> Vec<Finding> {
    batch_with(docs, cfg())
}

fn batch_with(docs: &[(String, String)], cfg: Config) -> Vec<Finding> {
    let story = |f: &Finding| matches!(f, Finding::Story(_) | Finding::StoryAssignment(_));
    let mut out: Vec<Finding> = run(docs, cfg.clone())
        .into_iter()
        .filter(|f| !story(f))
        .collect();
    let mut stream = cfg;
    stream.reuse = None;
    stream.report_duplicates = false;
    out.extend(run(docs, stream).into_iter().filter(story));
    out
}

fn run(docs: &[(String, String)], cfg: Config) -> Vec<Finding> {
    let records = docs.iter().map(|(id, text)| {
        Ok(Record {
            id: id.clone(),
            text: text.clone(),
            meta: Default::default(),
            loc: Location {
                file: "mem".into(),
                line: 1,
            },
            raw: None,
            origin: None,
        })
    });
    let engine = Engine::new(cfg).unwrap();
    let a = engine.run(records, &InputConfig::default(), &()).unwrap();
    let mut out: Vec<Finding> = Vec::new();
    a.write_findings(&mut out, true).unwrap();
    out
}

fn exported(index: &Index) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    index.export(&mut out).unwrap().unwrap();
    out
}

/// Documents `d0`, `d1`, … with these texts.
fn numbered(texts: &[String]) -> Vec<(String, String)> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("d{i}"), t.clone()))
        .collect()
}

fn new_docs(docs: &[(String, String)]) -> Vec<NewDoc> {
    docs.iter().map(|(id, t)| NewDoc::new(id, t)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn index_equals_batch_after_adds_and_removals(
        texts in collection(),
        cuts in proptest::collection::vec(0usize..100, 0..3),
        drop_mask in proptest::collection::vec(any::<bool>(), 14),
        format in prop::sample::select(reprint_index::FORMATS_READ.to_vec()),
        run_min in prop::sample::select(vec![1usize, 3, 40, usize::MAX]),
        max_bucket in prop::sample::select(vec![2usize, 3, 200]),
    ) {
        let docs = numbered(&texts);
        let dir = tempfile::tempdir().unwrap();
        // Every format this build reads: a store written by an earlier version answers
        // alike (format 1 keeps the texts in the database, 2 in a log beside it, 3 writes
        // a batch's buckets as a run; small runs here, merged as they come).
        let cfg = cfg_with(max_bucket);
        let index = Index::create_format(dir.path(), &cfg, format).unwrap();
        index.set_run_min(run_min);
        // Random batch boundaries.
        let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (docs.len() + 1)).collect();
        bounds.push(0);
        bounds.push(docs.len());
        bounds.sort_unstable();
        for w in bounds.windows(2) {
            let batch = new_docs(&docs[w[0]..w[1]]);
            index.add(&batch, false).unwrap();
        }
        prop_assert_eq!(exported(&index), batch_with(&docs, cfg.clone()));

        // Remove a random subset: the rest is what the batch finds over the rest.
        let gone: Vec<String> = docs
            .iter()
            .enumerate()
            .filter(|(i, _)| drop_mask[*i])
            .map(|(_, d)| d.0.clone())
            .collect();
        if !gone.is_empty() {
            index.remove(&gone).unwrap();
        }
        let rest: Vec<(String, String)> = docs
            .iter()
            .enumerate()
            .filter(|(i, _)| !drop_mask[*i])
            .map(|(_, d)| d.clone())
            .collect();
        // Stories are the stream's, which a removal does not rewind: compare the rest.
        let no_stories = |v: Vec<Finding>| -> Vec<Finding> {
            v.into_iter()
                .filter(|f| !matches!(f, Finding::Story(_) | Finding::StoryAssignment(_)))
                .collect()
        };
        // Only while no bucket reaches `max_bucket`: an oversized bucket is linked in
        // arrival order (a newcomer meets its first and last member), and a removal does
        // not relink what the batch over the rest would (the star of a new first member).
        if !oversized(max_bucket) {
            prop_assert_eq!(
                no_stories(exported(&index)),
                no_stories(batch_with(&rest, cfg.clone()))
            );
        }
    }
}

/// Whether buckets of these small collections may reach `max_bucket` (the default is never
/// reached here).
fn oversized(max_bucket: usize) -> bool {
    max_bucket < Config::default().dedup.max_bucket
}

/// Families of near copies (one or two words changed): buckets of many members, some past
/// `max_bucket`.
fn families() -> impl Strategy<Value = Vec<String>> {
    let base = proptest::collection::vec(0usize..WORDS.len(), 30..40);
    let edit = (
        0usize..3,
        0usize..100,
        0usize..WORDS.len(),
        0usize..100,
        0usize..WORDS.len(),
    );
    (
        proptest::collection::vec(base, 1..4),
        proptest::collection::vec(edit, 8..30),
    )
        .prop_map(|(bases, edits)| {
            edits
                .into_iter()
                .map(|(fam, at1, w1, at2, w2)| {
                    let mut w: Vec<&str> =
                        bases[fam % bases.len()].iter().map(|&i| WORDS[i]).collect();
                    let n = w.len();
                    w[at1 % n] = WORDS[w1];
                    w[at2 % n] = WORDS[w2];
                    w.join(" ")
                })
                .collect()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Buckets written as runs (merged as they come, entries removed from them) answer
    /// later documents as the per-band tables do, and (see `oversized`) as the batch over
    /// the same documents.
    #[test]
    fn buckets_in_runs_answer_as_the_batch_after_removals(
        texts in families(),
        cuts in proptest::collection::vec(0usize..100, 1..5),
        drop_mask in proptest::collection::vec(any::<bool>(), 30),
        run_min in prop::sample::select(vec![1usize, 4, 30]),
        // Up to 3, the pairs a bucket's first members met while it was small are those of
        // the batch's chain plus star; from 4, the index has compared more of them.
        max_bucket in prop::sample::select(vec![2usize, 3, 200]),
    ) {
        let docs = numbered(&texts);
        let cfg = cfg_with(max_bucket);
        let (tables_dir, runs_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let tables = Index::create_format(tables_dir.path(), &cfg, 2).unwrap();
        let runs = Index::create(runs_dir.path(), &cfg).unwrap();
        runs.set_run_min(run_min);
        // The first half in random batches, then a random part of it removed, then the
        // second half in random batches: its documents meet buckets that lost members.
        let half = docs.len() / 2;
        let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (docs.len() + 1)).collect();
        bounds.extend([0, half, docs.len()]);
        bounds.sort_unstable();
        bounds.dedup();
        let gone: Vec<String> = docs[..half]
            .iter()
            .enumerate()
            .filter(|(i, _)| drop_mask[*i])
            .map(|(_, d)| d.0.clone())
            .collect();
        for w in bounds.windows(2) {
            let batch = new_docs(&docs[w[0]..w[1]]);
            for index in [&tables, &runs] {
                index.add(&batch, false).unwrap();
                if w[1] == half && !gone.is_empty() {
                    index.remove(&gone).unwrap();
                }
            }
        }
        let rest: Vec<(String, String)> = docs
            .iter()
            .filter(|d| !gone.contains(&d.0))
            .cloned()
            .collect();
        let found = exported(&runs);
        prop_assert_eq!(&found, &exported(&tables));
        let no_stories = |v: Vec<Finding>| -> Vec<Finding> {
            v.into_iter()
                .filter(|f| !matches!(f, Finding::Story(_) | Finding::StoryAssignment(_)))
                .collect()
        };
        // After removals, equal to the batch only without oversized buckets (see above).
        if gone.is_empty() || !oversized(max_bucket) {
            prop_assert_eq!(no_stories(found), no_stories(batch_with(&rest, cfg.clone())));
        }
    }
}

#[test]
fn a_query_stores_nothing_and_answers_as_an_add_would() {
    let dir = tempfile::tempdir().unwrap();
    let index = Index::create(dir.path(), &cfg()).unwrap();
    let text = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike";
    index.add(&[NewDoc::new("a", text)], false).unwrap();
    let q = index.query(&[NewDoc::new("b", text)]).unwrap();
    assert_eq!(index.len().unwrap(), 1);
    let added = index.add(&[NewDoc::new("b", text)], false).unwrap();
    assert_eq!(q.findings, added.findings);
    assert!(added
        .findings
        .iter()
        .any(|f| matches!(f, Finding::Pair(p) if p.exact && p.a == "a" && p.b == "b")));
    // The same id again is refused, and nothing of that batch is stored.
    let err = index
        .add(
            &[NewDoc::new("c", "new words"), NewDoc::new("a", text)],
            false,
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("\"a\" is already in the index"),
        "{err}"
    );
    assert_eq!(index.len().unwrap(), 2);
    // With replace it goes through.
    index
        .add(&[NewDoc::new("a", "other words entirely now")], true)
        .unwrap();
    assert_eq!(index.len().unwrap(), 2);
    let got = index.get("b").unwrap().unwrap();
    assert!(!got.iter().any(|f| matches!(f, Finding::Pair(_))));
}

/// A batch whose texts reached the log but whose transaction never committed (the process
/// died between the two) leaves bytes past the log's committed end: the store opens, and
/// the next commit writes over them.
#[test]
fn texts_past_the_committed_end_of_the_log_are_ignored_then_overwritten() {
    let docs: Vec<(String, String)> = (0..6)
        .map(|i| {
            let words: Vec<&str> = (0..30)
                .map(|k| WORDS[(i * 7 + k * 3) % WORDS.len()])
                .collect();
            (format!("d{i}"), words.join(" "))
        })
        .collect();
    let new_docs = |r: std::ops::Range<usize>| -> Vec<NewDoc> {
        docs[r].iter().map(|(id, t)| NewDoc::new(id, t)).collect()
    };
    let dir = tempfile::tempdir().unwrap();
    {
        let index = Index::create(dir.path(), &cfg()).unwrap();
        index.add(&new_docs(0..3), false).unwrap();
    }
    let log = dir.path().join(reprint_index::TEXT_LOG);
    let committed = std::fs::metadata(&log).unwrap().len();
    assert!(committed > 0);
    let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    std::io::Write::write_all(&mut f, &[0xAB; 4096]).unwrap();
    drop(f);
    let index = Index::open(dir.path()).unwrap();
    assert_eq!(
        index.text("d1").unwrap().as_deref(),
        Some(docs[1].1.as_str())
    );
    index.add(&new_docs(3..6), false).unwrap();
    assert_eq!(
        index.text("d4").unwrap().as_deref(),
        Some(docs[4].1.as_str())
    );
    assert_eq!(exported(&index), batch(&docs));
    drop(index);
    assert_eq!(exported(&Index::open(dir.path()).unwrap()), batch(&docs));
    let stats = Index::open(dir.path()).unwrap().stats().unwrap();
    let end = stats.table_bytes["text_log"];
    assert!(end > committed && end < committed + 4096, "{end}");
}

/// Removing and replacing documents leaves their texts in the log until `compact`, which
/// keeps the live ones only: the answers do not change, and the store opens and grows after.
#[test]
fn compact_keeps_the_live_texts_only_and_changes_no_answer() {
    let text = |i: usize| -> String {
        let words: Vec<&str> = (0..40)
            .map(|k| WORDS[(i * 11 + k * 7) % WORDS.len()])
            .collect();
        words.join(" ")
    };
    let mut docs: Vec<(String, String)> = (0..12).map(|i| (format!("d{i}"), text(i))).collect();
    // Two copies and a near copy, so that pairs and clusters are there to keep.
    docs.push(("copy".into(), docs[2].1.clone()));
    docs.push(("near".into(), format!("{} tail", docs[3].1)));
    let dir = tempfile::tempdir().unwrap();
    let index = Index::create(dir.path(), &cfg()).unwrap();
    let all: Vec<NewDoc> = docs.iter().map(|(id, t)| NewDoc::new(id, t)).collect();
    index.add(&all, false).unwrap();
    index.remove(&["d5".to_string(), "d7".to_string()]).unwrap();
    index.add(&[NewDoc::new("d9", &text(30))], true).unwrap();
    let before = exported(&index);
    let log_bytes = |index: &Index| index.stats().unwrap().table_bytes["text_log"];
    let full = log_bytes(&index);
    let live = index.stats().unwrap().text_log_live.unwrap();
    assert!(live < full);
    // What a compaction that died before its commit leaves: an unreferenced log.
    std::fs::write(dir.path().join("texts.1.log"), b"half a copy").unwrap();
    // A file of the user's that only looks like a log is not the store's to remove.
    std::fs::write(dir.path().join("texts.backup.log"), b"mine").unwrap();
    let done = index.compact().unwrap();
    assert_eq!(done.bytes_before, full);
    assert_eq!(done.bytes_after, live, "stats said what compaction keeps");
    assert_eq!(done.documents, docs.len() as u64 - 2);
    // 15 texts written (14, then a replacement), 12 live.
    assert!(done.bytes_after < full * 13 / 15, "{done:?}");
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("texts"))
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["texts.1.log", "texts.backup.log"],
        "the new log replaced the old and the leftover"
    );
    let index = Index::open(dir.path()).unwrap();
    assert_eq!(log_bytes(&index), done.bytes_after);
    assert_eq!(exported(&index), before);
    assert_eq!(index.text("d9").unwrap().unwrap(), text(30));
    // It grows after, and compacts again (into the next name).
    index
        .add(&[NewDoc::new("late", &docs[4].1)], false)
        .unwrap();
    assert!(index
        .get("late")
        .unwrap()
        .unwrap()
        .iter()
        .any(|f| matches!(f, Finding::Pair(p) if p.a == "d4" && p.exact)));
    let again = index.compact().unwrap();
    assert_eq!(again.documents, docs.len() as u64 - 1);
    assert!(dir.path().join("texts.2.log").exists() && !dir.path().join("texts.1.log").exists());
    assert!(Index::check(dir.path()).is_ok());
    // A store of format 1 has no log: said so.
    let old = tempfile::tempdir().unwrap();
    let v1 = Index::create_format(old.path(), &cfg(), 1).unwrap();
    let e = v1.compact().unwrap_err().to_string();
    assert!(e.contains("format 1"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    /// A store whose process died after its last commit has no story checkpoint of the
    /// latest documents: opening it replays them, and it answers as the live one does.
    #[test]
    fn stories_replayed_on_open_equal_the_live_state(texts in collection()) {
        let dir = tempfile::tempdir().unwrap();
        let live_dir = dir.path().join("live");
        let index = Index::create(&live_dir, &cfg()).unwrap();
        for (i, t) in texts.iter().enumerate() {
            index.add(&[NewDoc::new(&format!("d{i}"), t)], false).unwrap();
        }
        // A copy of the files as they are after the last commit, as a SIGKILL leaves them
        // (the live index is still open, its checkpoint not written).
        let copy = dir.path().join("copy");
        std::fs::create_dir(&copy).unwrap();
        for e in std::fs::read_dir(&live_dir).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), copy.join(e.file_name())).unwrap();
        }
        let reopened = Index::open(&copy).unwrap();
        prop_assert_eq!(exported(&reopened), exported(&index));
        let next = [NewDoc::new("next", &format!("{} tail words here", texts[0]))];
        prop_assert_eq!(
            reopened.add(&next, false).unwrap().findings,
            index.add(&next, false).unwrap().findings
        );
    }
}
