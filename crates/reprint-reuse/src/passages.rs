//! Grouping alignments into passages: every occurrence of the same text across the
//! collection, with its likely source and a boilerplate flag.
//!
//! Each alignment links two occurrences `(doc, span)`. Occurrences in the same document
//! that overlap substantially (the overlap covers at least `passage_overlap` of the LONGER
//! one) are the same occurrence. Connected components under both relations (union-find)
//! are the passages. Measuring against the longer span keeps a three-line footer apart
//! from a whole-document copy that happens to contain it, so masking the footer never
//! masks the whole document.

use crate::{Alignment, Passage, ReuseConfig, SourceAttribution};
use reprint_text::{Span, UnionFind};

/// Groups the alignments' occurrences into passages and sets each alignment's `passage`.
pub(crate) fn group(
    alignments: &mut [Alignment],
    dates: &[Option<i64>],
    cfg: &ReuseConfig,
) -> Vec<Passage> {
    // Occurrence 2k is alignment k's side a, 2k + 1 its side b.
    let mut occ: Vec<(u32, Span, u32)> = Vec::with_capacity(alignments.len() * 2);
    for (k, al) in alignments.iter().enumerate() {
        occ.push((al.a, al.a_span, 2 * k as u32));
        occ.push((al.b, al.b_span, 2 * k as u32 + 1));
    }
    let mut uf = UnionFind::new(occ.len());
    for k in 0..alignments.len() as u32 {
        uf.union(2 * k, 2 * k + 1);
    }
    occ.sort_unstable_by_key(|&(d, s, i)| (d, s.start, s.end, i));
    let mut active: Vec<(Span, u32)> = Vec::new();
    let mut cur_doc = u32::MAX;
    for &(d, s, i) in &occ {
        if d != cur_doc {
            active.clear();
            cur_doc = d;
        }
        active.retain(|(t, _)| t.end > s.start);
        for &(t, j) in &active {
            let overlap = t.end.min(s.end) - s.start;
            let longer = t.len().max(s.len()) as f64;
            if overlap as f64 >= cfg.passage_overlap * longer {
                uf.union(i, j);
            }
        }
        active.push((s, i));
    }

    // Components, each occurrence list sorted by (doc, span); ids by first occurrence.
    let mut comp: Vec<(u32, u32, Span)> = occ.iter().map(|&(d, s, i)| (uf.find(i), d, s)).collect();
    comp.sort_unstable_by_key(|&(r, d, s)| (r, d, s.start, s.end));
    let mut passages: Vec<(Passage, u32)> = Vec::new();
    let mut k = 0;
    while k < comp.len() {
        let root = comp[k].0;
        let mut occurrences: Vec<(u32, Span)> = Vec::new();
        while k < comp.len() && comp[k].0 == root {
            let (_, d, s) = comp[k];
            match occurrences.last_mut() {
                Some((pd, ps)) if *pd == d && s.start < ps.end => ps.end = ps.end.max(s.end),
                _ => occurrences.push((d, s)),
            }
            k += 1;
        }
        let mut doc_ids: Vec<u32> = occurrences.iter().map(|o| o.0).collect();
        doc_ids.dedup();
        let passage = Passage {
            id: 0,
            boilerplate: doc_ids.len() >= cfg.boilerplate_min_docs,
            source: attribute(&doc_ids, dates),
            occurrences,
        };
        passages.push((passage, root));
    }
    passages.sort_unstable_by(|x, y| x.0.occurrences.cmp(&y.0.occurrences));
    let mut id_of_root = std::collections::HashMap::with_capacity(passages.len());
    for (id, (p, root)) in passages.iter_mut().enumerate() {
        p.id = id as u32;
        id_of_root.insert(*root, id as u32);
    }
    for (k, al) in alignments.iter_mut().enumerate() {
        al.passage = id_of_root[&uf.find(2 * k as u32)];
    }
    passages.into_iter().map(|(p, _)| p).collect()
}

/// The earliest document by date; several on the same earliest date are a tie; any
/// undated document makes the source unknown (it might be the earliest).
fn attribute(doc_ids: &[u32], dates: &[Option<i64>]) -> SourceAttribution {
    let mut dated = Vec::with_capacity(doc_ids.len());
    for &d in doc_ids {
        match dates[d as usize] {
            Some(t) => dated.push((t, d)),
            None => return SourceAttribution::Unknown,
        }
    }
    let Some(first) = dated.iter().map(|x| x.0).min() else {
        return SourceAttribution::Unknown;
    };
    let earliest: Vec<u32> = dated.iter().filter(|x| x.0 == first).map(|x| x.1).collect();
    match earliest.as_slice() {
        [one] => SourceAttribution::Earliest(*one),
        _ => SourceAttribution::Tie(earliest),
    }
}

/// `text` with every byte inside `spans` replaced: characters become spaces, line breaks
/// stay. Byte offsets into the result equal those into `text`, so spans found on the masked
/// text point into the original.
pub fn mask_spans(text: &str, spans: &[Span]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for s in spans {
        let (start, end) = (s.start as usize, (s.end as usize).min(bytes.len()));
        debug_assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
        for b in &mut bytes[start.min(end)..end] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
    String::from_utf8(bytes).expect("ascii spaces over whole characters keep UTF-8 valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribution_states_ties_and_unknowns() {
        let docs = [Some(5), Some(3), Some(3), None, Some(9)];
        assert_eq!(attribute(&[0, 4], &docs), SourceAttribution::Earliest(0));
        assert_eq!(
            attribute(&[0, 1, 2], &docs),
            SourceAttribution::Tie(vec![1, 2])
        );
        assert_eq!(attribute(&[0, 3], &docs), SourceAttribution::Unknown);
    }

    #[test]
    fn mask_keeps_offsets_and_newlines() {
        let t = "ab ‘cd’\nef gh";
        let s = Span::new(3, t.find('f').unwrap());
        let m = mask_spans(t, &[s]);
        assert_eq!(m.len(), t.len());
        assert!(m.starts_with("ab "));
        assert!(m.ends_with("f gh"));
        assert_eq!(m.matches('\n').count(), 1);
    }

    fn al(a: u32, sa: (usize, usize), b: u32, sb: (usize, usize)) -> Alignment {
        Alignment {
            a,
            b,
            a_span: Span::new(sa.0, sa.1),
            b_span: Span::new(sb.0, sb.1),
            identity: 1.0,
            matched_tokens: 10,
            passage: u32::MAX,
        }
    }

    #[test]
    fn overlapping_occurrences_form_one_passage_but_a_small_part_does_not() {
        let docs = [None; 4];
        let mut als = vec![
            al(0, (0, 100), 1, (10, 110)),
            al(1, (15, 110), 2, (0, 95)),
            // doc 1's 10..110 contains 30..40, but 10 bytes is not 50 % of 100.
            al(1, (30, 40), 3, (0, 10)),
        ];
        let ps = group(&mut als, &docs, &ReuseConfig::default());
        assert_eq!(ps.len(), 2);
        assert_eq!(als[0].passage, als[1].passage);
        assert_ne!(als[0].passage, als[2].passage);
        let big = &ps[als[0].passage as usize];
        assert_eq!(big.occurrences[1], (1, Span::new(10, 110)));
        assert_eq!(big.occurrences.len(), 3);
    }

    #[test]
    fn union_find_roots_are_smallest() {
        let mut uf = UnionFind::new(4);
        uf.union(3, 2);
        uf.union(2, 1);
        assert_eq!(uf.find(3), 1);
    }
}
