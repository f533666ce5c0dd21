//! The seed news collection: three reports of the Putin–Draghi call are one story; the
//! Putin–Macron call and the Lavrov–Blinken call are two more, even though they share a
//! pasted TASS background paragraph.

use reprint_stories::dates::resolve_dates;
use reprint_stories::{
    cluster, pair_similarity, Collection, DateSource, Span, StoriesConfig, StoryDoc, YearFrom,
};

const SEEDS: [&str; 5] = [
    include_str!("../../../examples/news/000.txt"),
    include_str!("../../../examples/news/001.txt"),
    include_str!("../../../examples/news/002.txt"),
    include_str!("../../../examples/news/003.txt"),
    include_str!("../../../examples/news/004.txt"),
];

/// The pasted background paragraph, as the reuse stage reports it (byte spans).
const MASK_003: [Span; 1] = [Span {
    start: 2288,
    end: 2807,
}];
const MASK_004: [Span; 1] = [Span {
    start: 1560,
    end: 2097,
}];

fn docs(masked: bool) -> Vec<StoryDoc<'static>> {
    SEEDS
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let d = StoryDoc::new(t);
            match (masked, i) {
                (true, 3) => d.with_mask(&MASK_003),
                (true, 4) => d.with_mask(&MASK_004),
                _ => d,
            }
        })
        .collect()
}

fn partition(r: &reprint_stories::StoriesResult) -> Vec<Vec<u32>> {
    let mut p: Vec<Vec<u32>> = r.stories.iter().map(|s| s.members.clone()).collect();
    p.sort();
    p
}

#[test]
fn seed_dates() {
    let dates = resolve_dates(&docs(false));
    let feb1 = 19_024;
    let coll = DateSource::Dateline {
        year_from: YearFrom::Collection,
    };
    let got: Vec<(i64, DateSource, bool)> = dates
        .iter()
        .map(|d| d.map(|d| (d.days, d.source, d.conflict)).unwrap())
        .collect();
    assert_eq!(
        got,
        vec![
            (feb1, coll, false),
            (feb1, coll, false),
            (feb1, DateSource::Header, false),
            (feb1 + 20, coll, false),
            (feb1 - 14, DateSource::Header, false),
        ]
    );
}

#[test]
fn seed_partition_masked_and_unmasked() {
    for masked in [true, false] {
        let r = cluster(&docs(masked), &StoriesConfig::default()).unwrap();
        assert_eq!(
            partition(&r),
            vec![vec![0, 1, 2], vec![3], vec![4]],
            "masked={masked}"
        );
        // Timeline: Lavrov–Blinken (18 Jan), Putin–Draghi (1 Feb), Putin–Macron (21 Feb).
        let order: Vec<u32> = r.stories.iter().map(|s| s.members[0]).collect();
        assert_eq!(order, vec![4, 0, 3]);
        let draghi = &r.stories[1];
        assert!(
            draghi.top_entities.iter().any(|e| e.contains("Draghi")),
            "{:?}",
            draghi
        );
    }
}

#[test]
fn seed_partition_without_time() {
    // Content alone (no dates, no mask) must still keep 002 with 000 and 003 apart from 004.
    let texts: Vec<String> = SEEDS.iter().map(|t| t.replacen(" date ", " ", 1)).collect();
    let docs: Vec<StoryDoc> = texts.iter().map(|t| StoryDoc::new(t)).collect();
    let cfg = StoriesConfig {
        time_floor: 1.0,
        ..StoriesConfig::default()
    };
    let r = cluster(&docs, &cfg).unwrap();
    let p = partition(&r);
    assert!(p.iter().any(|s| s.contains(&0) && s.contains(&2)), "{p:?}");
    assert!(!p.iter().any(|s| s.contains(&3) && s.contains(&4)), "{p:?}");
}

#[test]
fn seed_similarities_rank_same_event_first() {
    let docs = docs(false);
    let cfg = StoriesConfig::default();
    let mut c = Collection::new(cfg.clone()).unwrap();
    docs.iter().for_each(|d| c.add(d));
    let dates = resolve_dates(&docs);
    let f: Vec<_> = docs
        .iter()
        .zip(&dates)
        .map(|(d, &dt)| c.features(d, dt))
        .collect();
    let s = |a: usize, b: usize| pair_similarity(&f[a], &f[b], &cfg);
    for other in [3, 4] {
        assert!(
            s(0, 2) > s(0, other) + 0.1,
            "0-2 {} vs 0-{other} {}",
            s(0, 2),
            s(0, other)
        );
        assert!(s(0, 2) > s(2, other) + 0.1);
    }
    assert!(s(0, 2) >= cfg.join_threshold);
    assert!(s(3, 4) < cfg.join_threshold);
}

#[test]
fn deterministic_across_threads() {
    let docs = docs(false);
    let cfg = StoriesConfig::default();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let four = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    let a = one.install(|| cluster(&docs, &cfg).unwrap());
    let b = four.install(|| cluster(&docs, &cfg).unwrap());
    assert_eq!(a, b);
    assert_eq!(a, cluster(&docs, &cfg).unwrap());
}
