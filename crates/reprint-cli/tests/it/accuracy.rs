//! Sketch accuracy on real near-duplicate pairs of the development corpora
//! (../shared/data, present on developer machines and in CI).

use crate::data_dir;
use reprint_dedup::Overlap;
use reprint_sketch::{estimate_jaccard, SketchConfig, SketchKind, Sketcher};
use reprint_text::{Fingerprint, ShingleConfig, Shingler};
use std::collections::HashMap;
use std::io::BufRead;

/// Mean absolute error of the Jaccard estimate over the ground-truth pairs of `corpus`.
fn mean_error(corpus: &str, kind: SketchKind) -> Option<(f64, usize)> {
    let dir = data_dir()?.join(corpus);
    let mut texts: HashMap<String, String> = HashMap::new();
    let f = std::io::BufReader::new(std::fs::File::open(dir.join("docs.jsonl")).unwrap());
    for line in f.lines() {
        let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        texts.insert(
            v["id"].as_str().unwrap().into(),
            v["text"].as_str().unwrap().into(),
        );
    }
    let shingler = Shingler::new(ShingleConfig::default()).unwrap();
    let sketcher = Sketcher::new(SketchConfig {
        kind,
        ..Default::default()
    })
    .unwrap();
    let sets = |id: &str| {
        let mut fp = Fingerprint::default();
        shingler.fingerprint(&texts[id], &mut fp);
        let mut v: Vec<u32> = fp.shingles.iter().map(|&h| h as u32).collect();
        v.sort_unstable();
        v.dedup();
        (v, sketcher.sign(&fp.shingles))
    };
    let pairs = std::fs::read_to_string(dir.join("pairs_j50.tsv")).unwrap();
    let (mut err, mut n) = (0.0, 0);
    for line in pairs.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let ((sa, ga), (sb, gb)) = (sets(cols[0]), sets(cols[1]));
        let exact = Overlap::of(&sa, &sb).jaccard();
        err += (estimate_jaccard(&ga, &gb) - exact).abs();
        n += 1;
    }
    Some((err / n as f64, n))
}

#[test]
fn one_permutation_estimates_real_pairs_within_003() {
    for corpus in ["20newsgroups", "bbc-news"] {
        let Some((oph, n)) = mean_error(corpus, SketchKind::OnePermutation) else {
            return;
        };
        let (mh, _) = mean_error(corpus, SketchKind::MinHash).unwrap();
        eprintln!("{corpus}: {n} pairs, mean |error| one-permutation {oph:.4}, minhash {mh:.4}");
        assert!(n > 100);
        assert!(oph <= 0.03, "{corpus}: mean error {oph}");
        assert!(
            oph <= mh + 0.01,
            "{corpus}: one-permutation {oph} vs minhash {mh}"
        );
    }
}
