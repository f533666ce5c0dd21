//! Prints the passages shared by the text files given on the command line.
//!
//! ```text
//! cargo run --release -p reprint-reuse --example reuse_files -- examples/news/*.txt
//! ```

use reprint_reuse::{find_reuse, DocRef, ReuseConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let texts = paths
        .iter()
        .map(|p| std::fs::read_to_string(p).map_err(|e| format!("{p}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let docs: Vec<DocRef> = texts.iter().map(|t| DocRef::undated(t)).collect();
    let result = find_reuse(&docs, &ReuseConfig::default())?;
    for al in &result.alignments {
        let (a, b) = (&texts[al.a as usize], &texts[al.b as usize]);
        let head = |s: &str| s.chars().take(40).collect::<String>();
        let tail = |s: &str| {
            let v: Vec<char> = s.chars().collect();
            v[v.len().saturating_sub(25)..].iter().collect::<String>()
        };
        println!(
            "{} [{}..{}) ~ {} [{}..{})  identity {:.3}  words {}  passage {}\n    {:?} … {:?}",
            paths[al.a as usize],
            al.a_span.start,
            al.a_span.end,
            paths[al.b as usize],
            al.b_span.start,
            al.b_span.end,
            al.identity,
            al.matched_tokens,
            al.passage,
            head(al.a_span.slice(a)),
            tail(al.b_span.slice(b)),
        );
    }
    println!(
        "{} passages, stats {:?}",
        result.passages.len(),
        result.stats
    );
    Ok(())
}
