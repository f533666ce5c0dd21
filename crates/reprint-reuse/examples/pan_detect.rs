//! Runs `find_reuse` on every (suspicious, source) pair of a PAN text alignment corpus and
//! writes one JSON line per detection, with CHARACTER offsets as PAN requires.
//!
//! ```text
//! cargo run --release -p reprint-reuse --example pan_detect -- \
//!     /work/shared/data/pan13-text-alignment-dev detections.jsonl [--seed-n 4] [--min-words 20] [--max-gap 20]
//! python3 bench/pan_eval.py /work/shared/data/pan13-text-alignment-dev detections.jsonl
//! ```

use reprint_reuse::{find_reuse, Alignment, DocRef, ReuseConfig, Span};
use std::io::Write;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        return Err("usage: pan_detect <corpus dir> <out.jsonl> [--seed-n N] [--min-words N] [--max-gap N] [--min-identity X]".into());
    }
    let dir = Path::new(&args[0]);
    let mut cfg = ReuseConfig::pan();
    let mut k = 2;
    while k + 1 < args.len() {
        let v = &args[k + 1];
        match args[k].as_str() {
            "--seed-n" => cfg.seed_n = v.parse()?,
            "--min-words" => cfg.min_words = v.parse()?,
            "--max-gap" => cfg.max_gap = v.parse()?,
            "--min-identity" => cfg.min_identity = v.parse()?,
            "--min-shared-seeds" => cfg.min_shared_seeds = v.parse()?,
            other => return Err(format!("unknown option {other}").into()),
        }
        k += 2;
    }
    cfg.validate()?;
    let pairs = std::fs::read_to_string(dir.join("pairs"))?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(&args[1])?);
    let (mut n_pairs, mut n_det) = (0, 0);
    for (line_no, line) in pairs.lines().enumerate() {
        let mut it = line.split_whitespace();
        let (Some(susp), Some(src)) = (it.next(), it.next()) else {
            eprintln!("pairs:{}: skipped, expected two file names", line_no + 1);
            continue;
        };
        let s_text = std::fs::read_to_string(dir.join("susp").join(susp))
            .map_err(|e| format!("susp/{susp}: {e}"))?;
        let r_text = std::fs::read_to_string(dir.join("src").join(src))
            .map_err(|e| format!("src/{src}: {e}"))?;
        let docs = [DocRef::undated(&s_text), DocRef::undated(&r_text)];
        let result = find_reuse(&docs, &cfg)?;
        n_pairs += 1;
        for al in pan_detections(&result.alignments) {
            let (so, sl) = chars(&s_text, with_trailing_punct(&s_text, al.a_span));
            let (ro, rl) = chars(&r_text, al.b_span);
            writeln!(
                out,
                "{{\"susp\":\"{susp}\",\"src\":\"{src}\",\"this_offset\":{so},\"this_length\":{sl},\
                 \"source_offset\":{ro},\"source_length\":{rl},\"identity\":{:.4}}}",
                al.identity
            )?;
            n_det += 1;
        }
    }
    out.flush()?;
    eprintln!("{n_pairs} pairs, {n_det} detections, config {cfg:?}");
    Ok(())
}

/// PAN attributes each suspicious passage to one source place: when the source repeats a
/// sentence, the library reports both copies, PAN only the one inside the larger passage.
/// Detections whose suspicious span lies (90 %) inside a longer detection's are dropped.
fn pan_detections(als: &[Alignment]) -> Vec<&Alignment> {
    als.iter()
        .filter(|x| {
            !als.iter().any(|y| {
                let overlap = x
                    .a_span
                    .end
                    .min(y.a_span.end)
                    .saturating_sub(x.a_span.start.max(y.a_span.start));
                y.a_span.len() > x.a_span.len() && overlap as f64 >= 0.9 * x.a_span.len() as f64
            })
        })
        .collect()
}

/// PAN cases end after the sentence's closing punctuation; library spans end at the last
/// word.
fn with_trailing_punct(text: &str, span: Span) -> Span {
    let extra: usize = text[span.end as usize..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !c.is_alphanumeric())
        .map(char::len_utf8)
        .sum();
    Span::new(span.start as usize, span.end as usize + extra)
}

/// Character offset and length of a byte span.
fn chars(text: &str, span: Span) -> (usize, usize) {
    let start = text[..span.start as usize].chars().count();
    (start, span.slice(text).chars().count())
}
