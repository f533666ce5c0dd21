//! Invariants over random collections.

use proptest::prelude::*;
use reprint_stories::dates::resolve_dates;
use reprint_stories::{
    cluster, cluster_dated_by, pair_similarity, Budget, Collection, StoriesConfig, StoryDoc,
};

const WORDS: [&str; 12] = [
    "Putin", "Draghi", "gas", "Ukraine", "talks", "Blinken", "summit", "prices", "Rome", "call",
    "the", "said",
];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec((0..WORDS.len(), any::<bool>()), 0..40).prop_map(|ws| {
        ws.iter()
            .map(|&(i, stop)| {
                if stop {
                    format!("{}.", WORDS[i])
                } else {
                    WORDS[i].to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    })
}

fn date() -> impl Strategy<Value = Option<String>> {
    prop::option::of((1u32..28).prop_map(|d| format!("2022-02-{d:02}")))
}

proptest! {
    #[test]
    fn stories_partition_the_documents(docs in prop::collection::vec((text(), date()), 0..25)) {
        let sd: Vec<StoryDoc> = docs.iter().map(|(t, d)| StoryDoc { text: t, date: d.as_deref(), ..StoryDoc::default() }).collect();
        let r = cluster(&sd, &StoriesConfig::default()).unwrap();
        let mut seen = vec![0; sd.len()];
        for (i, s) in r.stories.iter().enumerate() {
            prop_assert_eq!(s.id as usize, i);
            prop_assert!(!s.members.is_empty());
            prop_assert!(s.members.windows(2).all(|w| w[0] < w[1]));
            for &m in &s.members {
                seen[m as usize] += 1;
                prop_assert_eq!(r.assignments[m as usize].story, s.id);
            }
            prop_assert!(s.first_seen <= s.last_seen);
        }
        prop_assert!(seen.iter().all(|&c| c == 1));
        // Timeline order: dated stories by first_seen, undated last.
        let keys: Vec<_> = r.stories.iter().map(|s| (s.first_seen.is_none(), s.first_seen)).collect();
        prop_assert!(keys.windows(2).all(|w| w[0] <= w[1]));
        for a in &r.assignments {
            prop_assert!((0.0..=1.0).contains(&a.score));
        }
        prop_assert_eq!(&r, &cluster(&sd, &StoriesConfig::default()).unwrap());
    }

    #[test]
    fn dates_given_by_the_caller_give_the_same_stories(docs in prop::collection::vec((text(), date()), 0..25)) {
        let sd: Vec<StoryDoc> = docs.iter().map(|(t, d)| StoryDoc { text: t, date: d.as_deref(), ..StoryDoc::default() }).collect();
        let cfg = StoriesConfig::default();
        let dates = resolve_dates(&sd);
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let dated = cluster_dated_by(sd.len(), |i, f| {
            reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            f(&sd[i])
        }, &dates, Budget::default(), &cfg, &[]).unwrap();
        prop_assert_eq!(&dated, &cluster(&sd, &cfg).unwrap());
        // Nothing kept: three readings per document (counts, features, features again for
        // the stories' labels after the clustering).
        prop_assert_eq!(reads.swap(0, std::sync::atomic::Ordering::Relaxed), 3 * sd.len());
        // Counts for about half the documents: those are read once.
        let half: usize = sd.len() / 2 * 200;
        let some = cluster_dated_by(sd.len(), |i, f| {
            reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            f(&sd[i])
        }, &dates, Budget { bytes: half, freed: None }, &cfg, &[]).unwrap();
        prop_assert_eq!(&some, &dated);
        let n = reads.swap(0, std::sync::atomic::Ordering::Relaxed);
        prop_assert!(n >= sd.len() && n <= 3 * sd.len());
        // Everything kept: one reading.
        let all = cluster_dated_by(sd.len(), |i, f| {
            reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            f(&sd[i])
        }, &dates, Budget::unlimited(), &cfg, &[]).unwrap();
        prop_assert_eq!(&all, &dated);
        prop_assert_eq!(reads.load(std::sync::atomic::Ordering::Relaxed), sd.len());
    }

    #[test]
    fn similarity_is_symmetric_and_bounded(a in text(), b in text(), da in date(), db in date()) {
        let cfg = StoriesConfig::default();
        let docs = [
            StoryDoc { text: &a, date: da.as_deref(), ..StoryDoc::default() },
            StoryDoc { text: &b, date: db.as_deref(), ..StoryDoc::default() },
        ];
        let mut c = Collection::new(cfg.clone()).unwrap();
        docs.iter().for_each(|d| c.add(d));
        let dates = reprint_stories::dates::resolve_dates(&docs);
        let fa = c.features(&docs[0], dates[0]);
        let fb = c.features(&docs[1], dates[1]);
        let ab = pair_similarity(&fa, &fb, &cfg);
        prop_assert!((0.0..=1.0).contains(&ab));
        prop_assert!((ab - pair_similarity(&fb, &fa, &cfg)).abs() < 1e-9);
        if fa.term_count() > 0 {
            prop_assert!((pair_similarity(&fa, &fa, &cfg) - 1.0).abs() < 1e-5);
        }
    }

    #[test]
    fn civil_round_trip(days in -1_000_000i64..1_000_000) {
        let (y, m, d) = reprint_stories::dates::civil_from_days(days);
        prop_assert_eq!(reprint_text::date::days_from_civil(y, m, d), days);
    }
}
