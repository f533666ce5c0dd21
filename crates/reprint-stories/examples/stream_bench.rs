//! Streaming speed: pushes synthetic dated documents through one `StoryStream` on one core.
//!
//! Documents come from 20,000 synthetic events (each with its own name pair and six topic
//! words) over a 60,000-word Zipf background vocabulary; all fall within the clustering
//! window, so every story stays active. Usage: `stream_bench [DOCS]` (default 100,000).
use reprint_stories::{StoriesConfig, StoryDoc, StoryStream};
use std::time::Instant;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn word(i: u64) -> String {
    const SYL: [&str; 16] = [
        "ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "dan", "per", "gol", "bri", "ste", "xu",
        "qua", "zen",
    ];
    let mut s = String::new();
    let mut x = i + 16;
    while x > 0 {
        s.push_str(SYL[(x % 16) as usize]);
        x /= 16;
    }
    s
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let events = (n / 5).max(1) as u64;
    let mut rng = Rng(42);
    // Zipf-ish background: index = vocab * u^2 favours low indices.
    let vocab = 60_000u64;
    let mut docs = Vec::with_capacity(n);
    for _ in 0..n {
        let e = rng.below(events);
        let mut text = String::with_capacity(1500);
        let name = |k: u64| {
            let mut w = word(1_000_000 + e * 4 + k);
            w[..1].make_ascii_uppercase();
            w
        };
        let (first, last) = (name(0), name(1));
        text.push_str(&format!("CITY, March 3. {first} {last} met officials."));
        for s in 0..10 {
            text.push(' ');
            for w in 0..18 {
                let r = rng.below(10);
                let token = if r < 2 {
                    word(2_000_000 + e * 8 + rng.below(6))
                } else {
                    let u = rng.below(1 << 20) as f64 / (1 << 20) as f64;
                    word((vocab as f64 * u * u) as u64)
                };
                if w > 0 {
                    text.push(' ');
                }
                text.push_str(&token);
            }
            if s % 3 == 0 {
                text.push_str(&format!(" said {last}"));
            }
            text.push('.');
        }
        let day = 19_000 + rng.below(5);
        docs.push((text, day));
    }
    let dates: Vec<String> = docs
        .iter()
        .map(|(_, d)| {
            let (y, m, dd) = reprint_stories::dates::civil_from_days(*d as i64);
            format!("{y:04}-{m:02}-{dd:02}")
        })
        .collect();
    let mut stream = StoryStream::new(StoriesConfig::default()).unwrap();
    let t = Instant::now();
    let mut started = 0usize;
    for ((text, _), date) in docs.iter().zip(&dates) {
        let a = stream.push(&StoryDoc::new(text).with_date(date));
        started += a.started as usize;
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "docs={n} events={events} stories={started} seconds={secs:.2} docs_per_s={:.0}",
        n as f64 / secs
    );
}
