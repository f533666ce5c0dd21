//! Prints the seed collection's pairwise similarities and stories.
use reprint_stories::dates::resolve_dates;
use reprint_stories::{cluster, pair_similarity, Collection, StoriesConfig, StoryDoc};

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/news".into());
    let texts: Vec<String> = (0..5)
        .map(|i| std::fs::read_to_string(format!("{dir}/{i:03}.txt")).unwrap())
        .collect();
    let docs: Vec<StoryDoc> = texts.iter().map(|t| StoryDoc::new(t)).collect();
    let cfg = StoriesConfig::default();
    let mut c = Collection::new(cfg.clone()).unwrap();
    docs.iter().for_each(|d| c.add(d));
    let dates = resolve_dates(&docs);
    let f: Vec<_> = docs
        .iter()
        .zip(&dates)
        .map(|(d, &dt)| c.features(d, dt))
        .collect();
    for i in 0..5 {
        let row: Vec<String> = (0..5)
            .map(|j| format!("{:.3}", pair_similarity(&f[i], &f[j], &cfg)))
            .collect();
        println!("{i:03} {:?} {}", dates[i], row.join(" "));
    }
    let nt = StoriesConfig {
        time_floor: 1.0,
        ..cfg.clone()
    };
    for i in 0..5 {
        let row: Vec<String> = (0..5)
            .map(|j| format!("{:.3}", pair_similarity(&f[i], &f[j], &nt)))
            .collect();
        println!("notime {i:03} {}", row.join(" "));
    }
    let r = cluster(&docs, &cfg).unwrap();
    for s in &r.stories {
        println!("{:?}", s);
    }
    for a in &r.assignments {
        println!("{:?}", a);
    }
}
